#include "webauthn/ceremony.hh"

#include <sodium.h>

namespace auth::webauthn {

namespace {

std::string sha256(std::string_view bytes) {
    std::string out(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size());
    return out;
}

// The checks both ceremonies make of the authenticator data.
Verdict check_flags_and_rp(const RelyingParty& rp, const AuthenticatorData& data) {
    if (sodium_memcmp(data.rp_id_hash.data(), sha256(rp.id).data(), 32) != 0) return Verdict::WrongRpId;
    if (!(data.flags & kUserPresent)) return Verdict::NotPresent;
    // A passkey counts as both factors only when the authenticator checked
    // the person (PIN, fingerprint, face): without UV it is one factor.
    if (!(data.flags & kUserVerified)) return Verdict::NotVerified;
    return Verdict::Ok;
}

}  // namespace

RelyingParty RelyingParty::of_base_url(std::string_view base_url) {
    RelyingParty rp;
    std::size_t scheme = base_url.find("://");
    std::size_t host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
    std::size_t path = base_url.find('/', host_start);
    rp.origin = std::string(base_url.substr(0, path));
    std::string_view host = base_url.substr(host_start, path == std::string_view::npos ? path : path - host_start);
    // An IPv6 literal ([::1]:8080) keeps its brackets; a port goes.
    std::size_t colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']') == std::string_view::npos) host = host.substr(0, colon);
    else if (colon != std::string_view::npos && colon > host.find(']')) host = host.substr(0, colon);
    rp.id = std::string(host);
    return rp;
}

const char* describe(Verdict v) {
    switch (v) {
        case Verdict::Ok: return "ok";
        case Verdict::Malformed: return "malformed response";
        case Verdict::WrongType: return "wrong client data type";
        case Verdict::WrongOrigin: return "wrong origin";
        case Verdict::WrongRpId: return "wrong RP ID hash";
        case Verdict::NotPresent: return "user not present";
        case Verdict::NotVerified: return "user not verified";
        case Verdict::BadAttestation: return "attestation not taken";
        case Verdict::UnsupportedKey: return "key algorithm not taken";
        case Verdict::BadSignature: return "bad signature";
        case Verdict::CounterBackwards: return "signature counter did not grow";
    }
    return "?";
}

ClientDataCheck check_client_data(const RelyingParty& rp, std::string_view json, std::string_view type) {
    ClientDataCheck out;
    auto data = parse_client_data(json);
    if (!data) return out;
    out.data = *data;
    if (data->type != type) out.verdict = Verdict::WrongType;
    // Exactly the origin of BASE_URL: a subdomain, another port or scheme is another site.
    else if (data->origin != rp.origin || data->cross_origin) out.verdict = Verdict::WrongOrigin;
    else out.verdict = Verdict::Ok;
    return out;
}

Registration check_registration(const RelyingParty& rp, std::string_view attestation_object) {
    Registration out;
    auto object = parse_attestation_object(attestation_object);
    if (!object) return out;
    if (object->fmt != "none" || !object->empty_statement) {
        out.verdict = Verdict::BadAttestation;
        return out;
    }
    // Check the bytes before the key so that a key we do not take is named as such.
    if (object->auth_data.size() < 37) return out;
    auto data = parse_authenticator_data(object->auth_data);
    if (!data) {
        std::uint8_t flags = static_cast<std::uint8_t>(object->auth_data[32]);
        out.verdict = (flags & kAttestedData) ? Verdict::UnsupportedKey : Verdict::BadAttestation;
        return out;
    }
    if (Verdict v = check_flags_and_rp(rp, *data); v != Verdict::Ok) {
        out.verdict = v;
        return out;
    }
    if (!data->credential) {
        out.verdict = Verdict::BadAttestation;
        return out;
    }
    out.credential = *data->credential;
    out.sign_count = data->sign_count;
    out.verdict = Verdict::Ok;
    return out;
}

Assertion check_assertion(const RelyingParty& rp, std::string_view authenticator_data, std::string_view client_data_json,
                          std::string_view signature, const CoseKey& key, std::uint32_t stored_count) {
    Assertion out;
    auto data = parse_authenticator_data(authenticator_data);
    // An assertion carries no attested credential data.
    if (!data || data->credential) return out;
    if (Verdict v = check_flags_and_rp(rp, *data); v != Verdict::Ok) {
        out.verdict = v;
        return out;
    }
    std::string signed_bytes = std::string(authenticator_data) + sha256(client_data_json);
    if (!verify_signature(key, signed_bytes, signature)) {
        out.verdict = Verdict::BadSignature;
        return out;
    }
    // §7.2 step 21: a counter that does not grow (when either is not 0)
    // may mean the key was cloned.
    if ((data->sign_count != 0 || stored_count != 0) && data->sign_count <= stored_count) {
        out.verdict = Verdict::CounterBackwards;
        return out;
    }
    out.sign_count = data->sign_count;
    out.verdict = Verdict::Ok;
    return out;
}

}  // namespace auth::webauthn
