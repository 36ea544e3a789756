// Tests of WebAuthn verification (src/webauthn/) against messages recorded
// from Chromium's virtual authenticator (tests/data/webauthn/record.mjs):
// a registration and two assertions, with an ES256 key and with an EdDSA
// key. Each passes as recorded; then each field is damaged in turn and
// must be refused with the right verdict.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <map>

#include "core/crypto.hh"
#include "support.hh"
#include "webauthn/ceremony.hh"

using namespace auth::webauthn;

namespace {

struct Recording {
    std::map<std::string, std::string> text;  // as in the file
    std::string bytes(const std::string& key) const {
        auto b = auth::base64url_decode(text.at(key));
        CPPUNIT_ASSERT_MESSAGE(key + " is base64url", b.has_value());
        return *b;
    }
    RelyingParty rp() const { return RelyingParty::of_base_url(text.at("origin")); }
};

Recording load(const std::string& name) {
    std::ifstream in(test::source_dir() + "/tests/data/webauthn/" + name + ".txt");
    CPPUNIT_ASSERT_MESSAGE("recording " + name + " present", in.good());
    Recording r;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) r.text[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return r;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    CPPUNIT_ASSERT_MESSAGE("'" + from + "' in the text", at != std::string::npos);
    return s.replace(at, from.size(), to);
}

std::string flip(std::string s, std::size_t at, unsigned char mask = 0x01) {
    s[at] = static_cast<char>(s[at] ^ mask);
    return s;
}

// The credential registered by the recording (its key and counter).
AttestedCredential registered(const Recording& r) {
    Registration reg = check_registration(r.rp(), r.bytes("attestation_object"));
    CPPUNIT_ASSERT(reg.verdict == Verdict::Ok);
    return reg.credential;
}

// Where the authenticator data sits inside the attestation object: after
// the "authData" key and a 2-byte length (0x58 NN).
std::size_t auth_data_offset(const std::string& att) {
    auto at = att.find("authData");
    CPPUNIT_ASSERT(at != std::string::npos);
    return at + 8 + 2;
}

}  // namespace

class WebauthnTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(WebauthnTest);
    CPPUNIT_TEST(recorded_registration_verifies);
    CPPUNIT_TEST(recorded_assertions_verify);
    CPPUNIT_TEST(client_data_fields_damaged);
    CPPUNIT_TEST(client_data_json_strict);
    CPPUNIT_TEST(attestation_fields_damaged);
    CPPUNIT_TEST(assertion_fields_damaged);
    CPPUNIT_TEST(counter_must_grow);
    CPPUNIT_TEST(relying_party_from_base_url);
    CPPUNIT_TEST(cbor_sizes_checked_before_building);
    CPPUNIT_TEST_SUITE_END();

public:
    void recorded_registration_verifies() {
        for (const char* name : {"es256", "eddsa"}) {
            Recording r = load(name);
            ClientDataCheck c = check_client_data(r.rp(), r.bytes("reg_client_data"), "webauthn.create");
            CPPUNIT_ASSERT(c.verdict == Verdict::Ok);
            CPPUNIT_ASSERT_EQUAL(r.text.at("reg_challenge"), c.data.challenge);
            Registration reg = check_registration(r.rp(), r.bytes("attestation_object"));
            CPPUNIT_ASSERT(reg.verdict == Verdict::Ok);
            CPPUNIT_ASSERT_EQUAL(r.bytes("credential_id"), reg.credential.credential_id);
            CPPUNIT_ASSERT(reg.credential.key.alg ==
                           (std::string(name) == "es256" ? CoseAlgorithm::ES256 : CoseAlgorithm::EdDSA));
            CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), reg.sign_count);
        }
    }

    void recorded_assertions_verify() {
        for (const char* name : {"es256", "eddsa"}) {
            Recording r = load(name);
            AttestedCredential cred = registered(r);
            ClientDataCheck c = check_client_data(r.rp(), r.bytes("get_client_data"), "webauthn.get");
            CPPUNIT_ASSERT(c.verdict == Verdict::Ok);
            CPPUNIT_ASSERT_EQUAL(r.text.at("get_challenge"), c.data.challenge);
            Assertion a = check_assertion(r.rp(), r.bytes("authenticator_data"), r.bytes("get_client_data"),
                                          r.bytes("signature"), cred.key, 1);
            CPPUNIT_ASSERT(a.verdict == Verdict::Ok);
            CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), a.sign_count);
            Assertion second = check_assertion(r.rp(), r.bytes("authenticator_data_2"), r.bytes("get_client_data_2"),
                                               r.bytes("signature_2"), cred.key, a.sign_count);
            CPPUNIT_ASSERT(second.verdict == Verdict::Ok);
            CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), second.sign_count);
        }
    }

    void client_data_fields_damaged() {
        Recording r = load("es256");
        std::string json = r.bytes("get_client_data");
        auto verdict = [&](const std::string& j, const char* type = "webauthn.get") {
            return check_client_data(r.rp(), j, type).verdict;
        };
        CPPUNIT_ASSERT(verdict(json) == Verdict::Ok);
        CPPUNIT_ASSERT(verdict(json, "webauthn.create") == Verdict::WrongType);
        CPPUNIT_ASSERT(verdict(replace(json, "webauthn.get", "webauthn.create")) == Verdict::WrongType);
        std::string origin = r.text.at("origin");
        CPPUNIT_ASSERT(verdict(replace(json, origin, "http://evil.localhost:1")) == Verdict::WrongOrigin);
        CPPUNIT_ASSERT(verdict(replace(json, origin, origin + "/")) == Verdict::WrongOrigin);
        CPPUNIT_ASSERT(verdict(replace(json, origin, "https" + origin.substr(4))) == Verdict::WrongOrigin);
        CPPUNIT_ASSERT(verdict(replace(json, "\"crossOrigin\":false", "\"crossOrigin\":true")) == Verdict::WrongOrigin);
        // The challenge is the account service's to look up: handed back as written.
        auto c = check_client_data(r.rp(), replace(json, r.text.at("get_challenge"), "AAAA"), "webauthn.get");
        CPPUNIT_ASSERT(c.verdict == Verdict::Ok);
        CPPUNIT_ASSERT_EQUAL(std::string("AAAA"), c.data.challenge);
    }

    void client_data_json_strict() {
        RelyingParty rp{"http://localhost:1", "localhost"};
        auto v = [&](const std::string& j) { return check_client_data(rp, j, "webauthn.get").verdict; };
        const std::string ok = R"({"type":"webauthn.get","challenge":"AA","origin":"http://localhost:1"})";
        CPPUNIT_ASSERT(v(ok) == Verdict::Ok);
        CPPUNIT_ASSERT(v(R"({"type":"webauthn.get","challenge":"AA","origin":"http:\/\/localhost:1","x":{"y":[1,2.5e3,null,true]}})") ==
                       Verdict::Ok);
        CPPUNIT_ASSERT(v("") == Verdict::Malformed);
        CPPUNIT_ASSERT(v(ok + "x") == Verdict::Malformed);
        CPPUNIT_ASSERT(v(R"({"type":"webauthn.get","challenge":"AA"})") == Verdict::Malformed);
        // A member said twice could be read two ways: refused.
        CPPUNIT_ASSERT(v(R"({"type":"webauthn.get","challenge":"AA","origin":"http://localhost:1","origin":"http://evil"})") ==
                       Verdict::Malformed);
        CPPUNIT_ASSERT(v(R"({"type":"webauthn.get","challenge":"AA","origin":"http://localhost:1","crossOrigin":"no"})") ==
                       Verdict::Malformed);
        CPPUNIT_ASSERT(v(R"({"type":"webauthn.get","challenge":"AA","origin":"http://localhost:1\u0000"})") ==
                       Verdict::WrongOrigin);
        CPPUNIT_ASSERT(v(std::string(5000, '[')) == Verdict::Malformed);
        CPPUNIT_ASSERT(v(R"({"type":"webauthn.get","challenge":"AA","origin":"http://localhost:1","x":)" +
                         std::string(100, '[') + std::string(100, ']') + "}") == Verdict::Malformed);
    }

    void attestation_fields_damaged() {
        for (const char* name : {"es256", "eddsa"}) {
            Recording r = load(name);
            std::string att = r.bytes("attestation_object");
            std::size_t ad = auth_data_offset(att);
            auto verdict = [&](const std::string& a) { return check_registration(r.rp(), a).verdict; };
            CPPUNIT_ASSERT(verdict(att) == Verdict::Ok);
            CPPUNIT_ASSERT(verdict(replace(att, "none", "nonf")) == Verdict::BadAttestation);
            CPPUNIT_ASSERT(verdict(flip(att, ad)) == Verdict::WrongRpId);            // rpIdHash
            CPPUNIT_ASSERT(verdict(flip(att, ad + 32, 0x01)) == Verdict::NotPresent);  // UP
            CPPUNIT_ASSERT(verdict(flip(att, ad + 32, 0x04)) == Verdict::NotVerified); // UV
            CPPUNIT_ASSERT(verdict(flip(att, ad + 32, 0x40)) == Verdict::BadAttestation);  // AT off: data left over
            CPPUNIT_ASSERT(verdict(flip(att, ad + 32, 0x80)) != Verdict::Ok);  // ED on without extensions
            // The credential id's length (2 bytes after the 16-byte AAGUID).
            CPPUNIT_ASSERT(verdict(flip(att, ad + 37 + 16 + 1, 0x01)) != Verdict::Ok);
            // The COSE key: its algorithm (3: -7 is 0x26, -8 is 0x27) changed.
            std::size_t key = ad + 37 + 18 + r.bytes("credential_id").size();
            std::string alg = std::string(name) == "es256" ? std::string("\x03\x26", 2) : std::string("\x03\x27", 2);
            auto at = att.find(alg, key);
            CPPUNIT_ASSERT(at != std::string::npos);
            CPPUNIT_ASSERT(verdict(flip(att, at + 1, 0x02)) == Verdict::UnsupportedKey);
            // A point that is not on the curve (ES256) or a key cut short.
            CPPUNIT_ASSERT(verdict(flip(att, att.size() - 1)) == (std::string(name) == "es256" ? Verdict::UnsupportedKey
                                                                                                 : Verdict::Ok));
            CPPUNIT_ASSERT(verdict(att.substr(0, att.size() - 1)) == Verdict::Malformed);
            CPPUNIT_ASSERT(verdict(att + std::string(1, '\0')) == Verdict::Malformed);
            CPPUNIT_ASSERT(verdict("") == Verdict::Malformed);
            CPPUNIT_ASSERT(verdict("\xa0") == Verdict::Malformed);
        }
    }

    void assertion_fields_damaged() {
        for (const char* name : {"es256", "eddsa"}) {
            Recording r = load(name);
            AttestedCredential cred = registered(r);
            std::string data = r.bytes("authenticator_data");
            std::string json = r.bytes("get_client_data");
            std::string sig = r.bytes("signature");
            auto verdict = [&](const std::string& d, const std::string& j, const std::string& s) {
                return check_assertion(r.rp(), d, j, s, cred.key, 1).verdict;
            };
            CPPUNIT_ASSERT(verdict(data, json, sig) == Verdict::Ok);
            CPPUNIT_ASSERT(verdict(flip(data, 0), json, sig) == Verdict::WrongRpId);
            CPPUNIT_ASSERT(verdict(flip(data, 32, 0x01), json, sig) == Verdict::NotPresent);
            CPPUNIT_ASSERT(verdict(flip(data, 32, 0x04), json, sig) == Verdict::NotVerified);
            CPPUNIT_ASSERT(verdict(flip(data, 32, 0x08), json, sig) == Verdict::BadSignature);  // a flag bit we do not read
            CPPUNIT_ASSERT(verdict(flip(data, 36, 0x10), json, sig) == Verdict::BadSignature);  // the counter
            CPPUNIT_ASSERT(verdict(data.substr(0, 36), json, sig) == Verdict::Malformed);
            CPPUNIT_ASSERT(verdict(data + "x", json, sig) == Verdict::Malformed);
            CPPUNIT_ASSERT(verdict(data, replace(json, "webauthn.get", "webauthn.gex"), sig) == Verdict::BadSignature);
            CPPUNIT_ASSERT(verdict(data, json, flip(sig, sig.size() / 2)) == Verdict::BadSignature);
            CPPUNIT_ASSERT(verdict(data, json, sig.substr(0, sig.size() - 1)) == Verdict::BadSignature);
            CPPUNIT_ASSERT(verdict(data, json, "") == Verdict::BadSignature);
            // The second assertion's signature does not fit the first's data.
            CPPUNIT_ASSERT(verdict(data, json, r.bytes("signature_2")) == Verdict::BadSignature);
        }
        // One recording's signature checked with the other's key.
        Recording es = load("es256"), ed = load("eddsa");
        CPPUNIT_ASSERT(check_assertion(es.rp(), es.bytes("authenticator_data"), es.bytes("get_client_data"),
                                       es.bytes("signature"), registered(ed).key, 1)
                           .verdict == Verdict::BadSignature);
        CPPUNIT_ASSERT(check_assertion(ed.rp(), ed.bytes("authenticator_data"), ed.bytes("get_client_data"),
                                       ed.bytes("signature"), registered(es).key, 1)
                           .verdict == Verdict::BadSignature);
    }

    void counter_must_grow() {
        Recording r = load("es256");
        AttestedCredential cred = registered(r);
        auto with_stored = [&](std::uint32_t stored) {
            return check_assertion(r.rp(), r.bytes("authenticator_data"), r.bytes("get_client_data"),
                                   r.bytes("signature"), cred.key, stored)
                .verdict;
        };
        CPPUNIT_ASSERT(with_stored(0) == Verdict::Ok);
        CPPUNIT_ASSERT(with_stored(1) == Verdict::Ok);
        CPPUNIT_ASSERT(with_stored(2) == Verdict::CounterBackwards);  // replayed: the same counter again
        CPPUNIT_ASSERT(with_stored(7) == Verdict::CounterBackwards);
    }

    // cbor_load allocates what a container's header declares: a header
    // claiming 2^64 - 1 entries is refused before it (the fuzz target found
    // it), and so are deep nesting, indefinite lengths and tags.
    void cbor_sizes_checked_before_building() {
        const std::string huge_map("\xbb\xff\xff\xff\xff\xff\xff\xff\xff", 9);
        const std::string huge_array("\x9b\x00\x00\x00\x10\x00\x00\x00\x00\x01", 10);
        CPPUNIT_ASSERT(!parse_attestation_object(huge_map));
        CPPUNIT_ASSERT(!parse_attestation_object(huge_array));
        CPPUNIT_ASSERT(!parse_cose_key(huge_map));
        CPPUNIT_ASSERT(!parse_attestation_object(std::string(40, '\x81') + "\x01"));  // 40 nested arrays
        CPPUNIT_ASSERT(!parse_attestation_object("\xbf\xff"));                   // an indefinite map
        CPPUNIT_ASSERT(!parse_attestation_object("\xc1\xa0"));                   // a tag
        // The recorded one still passes, and its key alone too.
        Recording r = load("es256");
        CPPUNIT_ASSERT(parse_attestation_object(r.bytes("attestation_object")).has_value());
        std::string key = registered(r).public_key;
        CPPUNIT_ASSERT(parse_cose_key(key).has_value());
        // The key with one more member (label 99), which a COSE reader skips:
        // a number is taken; nested 20 deep, or tagged, it is refused.
        CPPUNIT_ASSERT_EQUAL('\xa5', key[0]);
        key[0] = '\xa6';
        CPPUNIT_ASSERT(parse_cose_key(key + "\x18\x63\x01").has_value());
        CPPUNIT_ASSERT(!parse_cose_key(key + "\x18\x63" + std::string(20, '\x81') + "\x01"));
        CPPUNIT_ASSERT(!parse_cose_key(key + "\x18\x63\xc1\x01"));
    }

    void relying_party_from_base_url() {
        auto rp = RelyingParty::of_base_url("https://example.com/account");
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com"), rp.origin);
        CPPUNIT_ASSERT_EQUAL(std::string("example.com"), rp.id);
        rp = RelyingParty::of_base_url("http://localhost:8080");
        CPPUNIT_ASSERT_EQUAL(std::string("http://localhost:8080"), rp.origin);
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), rp.id);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(WebauthnTest);
