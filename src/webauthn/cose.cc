#include "webauthn/cose.hh"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "webauthn/libcrypto.hh"

namespace auth::webauthn {

namespace {

struct CborFree {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, CborFree>;

// A walk over the first CBOR item of the input with libcbor's streaming
// decoder, before cbor_load builds it: cbor_load allocates a container for
// the count its header declares, so a few bytes claiming 2^60 entries
// would ask for that much memory (found by tests/fuzz/fuzz_webauthn.cc).
// Refused here: a container that declares more entries than bytes are
// left, nesting deeper than kMaxDepth, indefinite lengths and tags (none
// of which WebAuthn's CTAP2 canonical CBOR uses).
constexpr std::size_t kMaxDepth = 16;

struct Walk {
    std::size_t left = 0;                // bytes not yet decoded
    std::vector<std::uint64_t> open;     // entries still due in each open container
    bool started = false;
    bool bad = false;

    static Walk& of(void* ctx) { return *static_cast<Walk*>(ctx); }
    // One item read: it fills a slot of the innermost open container.
    void item() {
        started = true;
        if (open.empty()) return;
        if (--open.back() == 0) close();
    }
    void close() {
        while (!open.empty() && open.back() == 0) {
            open.pop_back();
            if (!open.empty()) --open.back();
        }
    }
    void container(std::uint64_t entries) {
        // The container fills its parent's slot when it closes (close()).
        started = true;
        if (entries > left || open.size() >= kMaxDepth) {
            bad = true;
            return;
        }
        if (entries == 0) {
            item();
            return;
        }
        open.push_back(entries);
    }
    bool done() const { return started && open.empty(); }
};

cbor_callbacks walk_callbacks() {
    cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = [](void* c, std::uint8_t) { Walk::of(c).item(); };
    cb.uint16 = [](void* c, std::uint16_t) { Walk::of(c).item(); };
    cb.uint32 = [](void* c, std::uint32_t) { Walk::of(c).item(); };
    cb.uint64 = [](void* c, std::uint64_t) { Walk::of(c).item(); };
    cb.negint8 = [](void* c, std::uint8_t) { Walk::of(c).item(); };
    cb.negint16 = [](void* c, std::uint16_t) { Walk::of(c).item(); };
    cb.negint32 = [](void* c, std::uint32_t) { Walk::of(c).item(); };
    cb.negint64 = [](void* c, std::uint64_t) { Walk::of(c).item(); };
    cb.byte_string = [](void* c, cbor_data, std::size_t) { Walk::of(c).item(); };
    cb.string = [](void* c, cbor_data, std::size_t) { Walk::of(c).item(); };
    cb.array_start = [](void* c, std::size_t n) { Walk::of(c).container(n); };
    cb.map_start = [](void* c, std::size_t n) {
        Walk& w = Walk::of(c);
        if (n > w.left) w.bad = true;
        else w.container(2 * static_cast<std::uint64_t>(n));
    };
    cb.float2 = [](void* c, float) { Walk::of(c).item(); };
    cb.float4 = [](void* c, float) { Walk::of(c).item(); };
    cb.float8 = [](void* c, double) { Walk::of(c).item(); };
    cb.undefined = [](void* c) { Walk::of(c).item(); };
    cb.null = [](void* c) { Walk::of(c).item(); };
    cb.boolean = [](void* c, bool) { Walk::of(c).item(); };
    auto refuse = [](void* c) { Walk::of(c).bad = true; };
    cb.byte_string_start = refuse;
    cb.string_start = refuse;
    cb.indef_array_start = refuse;
    cb.indef_map_start = refuse;
    cb.indef_break = refuse;
    cb.tag = [](void* c, std::uint64_t) { Walk::of(c).bad = true; };
    return cb;
}

// Whether the first CBOR item of `bytes` is one cbor_load may build.
bool plausible(std::string_view bytes) {
    static const cbor_callbacks callbacks = walk_callbacks();
    Walk walk;
    std::size_t at = 0;
    while (!walk.done()) {
        if (at >= bytes.size()) return false;
        walk.left = bytes.size() - at;
        cbor_decoder_result r = cbor_stream_decode(reinterpret_cast<cbor_data>(bytes.data()) + at, bytes.size() - at,
                                                   &callbacks, &walk);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || walk.bad) return false;
        at += r.read;
    }
    return true;
}

// One CBOR item from the start of `bytes`; `used` its length.
Item load(std::string_view bytes, std::size_t& used) {
    if (bytes.empty() || !plausible(bytes)) return nullptr;
    cbor_load_result result{};
    Item item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
    if (!item || result.error.code != CBOR_ERR_NONE) return nullptr;
    used = result.read;
    return item;
}

// An integer key or value as a signed number, if it is one that fits.
std::optional<std::int64_t> integer(cbor_item_t* item) {
    if (cbor_isa_uint(item)) {
        std::uint64_t v = cbor_get_int(item);
        if (v > INT64_MAX) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (cbor_isa_negint(item)) {
        std::uint64_t v = cbor_get_int(item);
        if (v > INT64_MAX) return std::nullopt;
        return -1 - static_cast<std::int64_t>(v);
    }
    return std::nullopt;
}

std::optional<std::string> bytes_of(cbor_item_t* item) {
    if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), cbor_bytestring_length(item));
}

std::optional<std::string> text_of(cbor_item_t* item) {
    if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

// The P-256 public key (x, y), or null if the point is not on the curve.
std::unique_ptr<EVP_PKEY, PkeyFree> p256_key(const CoseKey& key) {
    load_libcrypto();
    std::string point = "\x04" + key.x + key.y;  // uncompressed (SEC 1)
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld) return nullptr;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        return nullptr;
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey(raw);
    // fromdata decodes the point; checking it is on the curve is separate.
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
    return pkey;
}

bool verify_es256(const CoseKey& key, std::string_view message, std::string_view signature) {
    auto pkey = p256_key(key);
    if (!pkey) return false;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
    if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1) return false;
    return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

bool verify_eddsa(const CoseKey& key, std::string_view message, std::string_view signature) {
    if (signature.size() != crypto_sign_BYTES || key.x.size() != crypto_sign_PUBLICKEYBYTES) return false;
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                       reinterpret_cast<const unsigned char*>(key.x.data())) == 0;
}

}  // namespace

std::optional<CoseKey> parse_cose_key(std::string_view bytes, std::size_t* used) {
    std::size_t n = 0;
    Item item = load(bytes, n);
    if (!item || !cbor_isa_map(item.get()) || !cbor_map_is_definite(item.get())) return std::nullopt;
    std::optional<std::int64_t> kty, alg, crv;
    std::optional<std::string> x, y;
    std::size_t size = cbor_map_size(item.get());
    cbor_pair* pairs = cbor_map_handle(item.get());
    for (std::size_t i = 0; i < size; ++i) {
        auto label = integer(pairs[i].key);
        if (!label) return std::nullopt;  // COSE key labels we use are integers
        auto set_int = [&](std::optional<std::int64_t>& slot) {
            if (slot) return false;  // said twice
            slot = integer(pairs[i].value);
            return slot.has_value();
        };
        auto set_bytes = [&](std::optional<std::string>& slot) {
            if (slot) return false;
            slot = bytes_of(pairs[i].value);
            return slot.has_value();
        };
        bool ok = true;
        switch (*label) {
            case 1: ok = set_int(kty); break;
            case 3: ok = set_int(alg); break;
            case -1: ok = set_int(crv); break;
            case -2: ok = set_bytes(x); break;
            case -3: ok = set_bytes(y); break;
            default: break;  // kid, key_ops, ...: not ours to judge
        }
        if (!ok) return std::nullopt;
    }
    if (!kty || !alg || !crv || !x) return std::nullopt;
    CoseKey key;
    if (*alg == -7 && *kty == 2 && *crv == 1 && x->size() == 32 && y && y->size() == 32) {
        key.alg = CoseAlgorithm::ES256;
        key.y = *y;
    } else if (*alg == -8 && *kty == 1 && *crv == 6 && x->size() == 32 && !y) {
        key.alg = CoseAlgorithm::EdDSA;
    } else {
        return std::nullopt;
    }
    key.x = *x;
    if (key.alg == CoseAlgorithm::ES256 && !p256_key(key)) return std::nullopt;  // not a point of the curve
    if (used) *used = n;
    return key;
}

bool verify_signature(const CoseKey& key, std::string_view message, std::string_view signature) {
    switch (key.alg) {
        case CoseAlgorithm::ES256: return verify_es256(key, message, signature);
        case CoseAlgorithm::EdDSA: return verify_eddsa(key, message, signature);
    }
    return false;
}

std::optional<AttestationObject> parse_attestation_object(std::string_view bytes) {
    std::size_t n = 0;
    Item item = load(bytes, n);
    if (!item || n != bytes.size() || !cbor_isa_map(item.get()) || !cbor_map_is_definite(item.get()))
        return std::nullopt;
    AttestationObject out;
    bool fmt = false, stmt = false, auth = false;
    std::size_t size = cbor_map_size(item.get());
    cbor_pair* pairs = cbor_map_handle(item.get());
    for (std::size_t i = 0; i < size; ++i) {
        auto key = text_of(pairs[i].key);
        if (!key) return std::nullopt;
        cbor_item_t* v = pairs[i].value;
        if (*key == "fmt") {
            auto t = text_of(v);
            if (fmt || !t) return std::nullopt;
            fmt = true;
            out.fmt = *t;
        } else if (*key == "attStmt") {
            if (stmt || !cbor_isa_map(v)) return std::nullopt;
            stmt = true;
            out.empty_statement = cbor_map_size(v) == 0;
        } else if (*key == "authData") {
            auto b = bytes_of(v);
            if (auth || !b) return std::nullopt;
            auth = true;
            out.auth_data = *b;
        } else {
            return std::nullopt;
        }
    }
    if (!fmt || !stmt || !auth) return std::nullopt;
    return out;
}

}  // namespace auth::webauthn
