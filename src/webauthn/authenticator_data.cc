#include "webauthn/authenticator_data.hh"

namespace auth::webauthn {

namespace {

std::uint32_t big_endian(std::string_view b) {
    std::uint32_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<std::uint8_t>(c);
    return v;
}

}  // namespace

std::optional<AuthenticatorData> parse_authenticator_data(std::string_view bytes) {
    if (bytes.size() < 37) return std::nullopt;
    AuthenticatorData out;
    out.rp_id_hash = std::string(bytes.substr(0, 32));
    out.flags = static_cast<std::uint8_t>(bytes[32]);
    out.sign_count = big_endian(bytes.substr(33, 4));
    std::string_view rest = bytes.substr(37);
    if (out.flags & kAttestedData) {
        if (rest.size() < 18) return std::nullopt;
        AttestedCredential c;
        c.aaguid = std::string(rest.substr(0, 16));
        std::size_t id_length = big_endian(rest.substr(16, 2));
        rest = rest.substr(18);
        if (id_length == 0 || id_length > 1023 || rest.size() < id_length) return std::nullopt;
        c.credential_id = std::string(rest.substr(0, id_length));
        rest = rest.substr(id_length);
        std::size_t used = 0;
        auto key = parse_cose_key(rest, &used);
        if (!key) return std::nullopt;
        c.key = *key;
        c.public_key = std::string(rest.substr(0, used));
        rest = rest.substr(used);
        out.credential = std::move(c);
    }
    // Extension outputs (a CBOR map) follow only with the ED flag; we ask for
    // none and read none, but the bytes must be there if and only if it is set.
    if ((out.flags & kExtensionData) ? rest.empty() : !rest.empty()) return std::nullopt;
    return out;
}

}  // namespace auth::webauthn
