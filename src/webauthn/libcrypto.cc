// libcrypto, loaded by the first ES256 passkey auth-passkey meets instead of
// linked: an idle FastCGI auth-passkey process then carries no libcrypto
// (1.4 MiB of its RSS, which issue 12 keeps under 6 MiB for every page
// process), and one that only ever sees EdDSA keys (libsodium) never loads
// it. The functions below are libcrypto's, forwarding to libcrypto.so.3
// (OpenSSL 3's soname) as core/shared_library.hh says, once load_libcrypto()
// found it, which cose.cc calls before any of them. Linked into the ordinary
// build's auth-passkey only (Makefile.am; libcrypto_linked.cc says where not).
#include "webauthn/libcrypto.hh"

#include "core/shared_library.hh"

#pragma GCC visibility push(hidden)
#include <openssl/evp.h>
#include <openssl/param_build.h>
#pragma GCC visibility pop

namespace auth::webauthn {

namespace {

#define SESSIONAUTH_LIBCRYPTO_FUNCTIONS(X)                                                                      \
    X(EVP_DigestVerify) X(EVP_DigestVerifyInit) X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) X(EVP_PKEY_CTX_free)       \
    X(EVP_PKEY_CTX_new_from_name) X(EVP_PKEY_CTX_new_from_pkey) X(EVP_PKEY_free) X(EVP_PKEY_fromdata)           \
    X(EVP_PKEY_fromdata_init) X(EVP_PKEY_public_check) X(EVP_sha256) X(OSSL_PARAM_BLD_free) X(OSSL_PARAM_BLD_new) \
    X(OSSL_PARAM_BLD_push_octet_string) X(OSSL_PARAM_BLD_push_utf8_string) X(OSSL_PARAM_BLD_to_param)            \
    X(OSSL_PARAM_free)

#define SESSIONAUTH_FIELD(name) decltype(&::name) name = nullptr;
#define SESSIONAUTH_FIND(name) lib.find(g_crypto.name, #name);

struct Libcrypto {
    SESSIONAUTH_LIBCRYPTO_FUNCTIONS(SESSIONAUTH_FIELD)
};

Libcrypto g_crypto;  // filled once, then only read (per process)
SharedLibrary g_library("libcrypto.so.3", "passkeys: libcrypto cannot be loaded (install libssl3)");

}  // namespace

void load_libcrypto() {
    g_library.load<LibcryptoError>([](SharedLibrary& lib) { SESSIONAUTH_LIBCRYPTO_FUNCTIONS(SESSIONAUTH_FIND) });
}

}  // namespace auth::webauthn

using auth::webauthn::g_crypto;

// Called only after load_libcrypto() succeeded (cose.cc).
#pragma GCC visibility push(hidden)
extern "C" {
int EVP_DigestVerify(EVP_MD_CTX* ctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs, size_t tbslen) {
    return g_crypto.EVP_DigestVerify(ctx, sig, siglen, tbs, tbslen);
}
int EVP_DigestVerifyInit(EVP_MD_CTX* ctx, EVP_PKEY_CTX** pctx, const EVP_MD* type, ENGINE* e, EVP_PKEY* pkey) {
    return g_crypto.EVP_DigestVerifyInit(ctx, pctx, type, e, pkey);
}
void EVP_MD_CTX_free(EVP_MD_CTX* ctx) { g_crypto.EVP_MD_CTX_free(ctx); }
EVP_MD_CTX* EVP_MD_CTX_new(void) { return g_crypto.EVP_MD_CTX_new(); }
void EVP_PKEY_CTX_free(EVP_PKEY_CTX* ctx) { g_crypto.EVP_PKEY_CTX_free(ctx); }
EVP_PKEY_CTX* EVP_PKEY_CTX_new_from_name(OSSL_LIB_CTX* libctx, const char* name, const char* propquery) {
    return g_crypto.EVP_PKEY_CTX_new_from_name(libctx, name, propquery);
}
EVP_PKEY_CTX* EVP_PKEY_CTX_new_from_pkey(OSSL_LIB_CTX* libctx, EVP_PKEY* pkey, const char* propquery) {
    return g_crypto.EVP_PKEY_CTX_new_from_pkey(libctx, pkey, propquery);
}
void EVP_PKEY_free(EVP_PKEY* pkey) { g_crypto.EVP_PKEY_free(pkey); }
int EVP_PKEY_fromdata(EVP_PKEY_CTX* ctx, EVP_PKEY** ppkey, int selection, OSSL_PARAM params[]) {
    return g_crypto.EVP_PKEY_fromdata(ctx, ppkey, selection, params);
}
int EVP_PKEY_fromdata_init(EVP_PKEY_CTX* ctx) { return g_crypto.EVP_PKEY_fromdata_init(ctx); }
int EVP_PKEY_public_check(EVP_PKEY_CTX* ctx) { return g_crypto.EVP_PKEY_public_check(ctx); }
const EVP_MD* EVP_sha256(void) { return g_crypto.EVP_sha256(); }
void OSSL_PARAM_BLD_free(OSSL_PARAM_BLD* bld) { g_crypto.OSSL_PARAM_BLD_free(bld); }
OSSL_PARAM_BLD* OSSL_PARAM_BLD_new(void) { return g_crypto.OSSL_PARAM_BLD_new(); }
int OSSL_PARAM_BLD_push_octet_string(OSSL_PARAM_BLD* bld, const char* key, const void* buf, size_t bsize) {
    return g_crypto.OSSL_PARAM_BLD_push_octet_string(bld, key, buf, bsize);
}
int OSSL_PARAM_BLD_push_utf8_string(OSSL_PARAM_BLD* bld, const char* key, const char* buf, size_t bsize) {
    return g_crypto.OSSL_PARAM_BLD_push_utf8_string(bld, key, buf, bsize);
}
OSSL_PARAM* OSSL_PARAM_BLD_to_param(OSSL_PARAM_BLD* bld) { return g_crypto.OSSL_PARAM_BLD_to_param(bld); }
void OSSL_PARAM_free(OSSL_PARAM* params) { g_crypto.OSSL_PARAM_free(params); }
}
#pragma GCC visibility pop
