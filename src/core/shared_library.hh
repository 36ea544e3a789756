// A shared library loaded with dlopen when first needed instead of linked
// (store/postgres/libpq.cc and webauthn/libcrypto.cc say why). Its loader
// defines each function the program calls as a stand-in with the library's
// own declaration (so the compiler checks each signature), forwarding to a
// table load() fills once per process. Stand-ins and declarations are
// hidden (#pragma GCC visibility push(hidden), after the standard headers):
// never exported, even with --export-dynamic, so that no library's calls
// among its own functions (or libssl's into libcrypto) land on them.
#pragma once
#include <dlfcn.h>

#include <mutex>
#include <string>

namespace auth {

class SharedLibrary {
public:
    // `missing` begins each error: what needs `soname`, the package to install.
    SharedLibrary(const char* soname, const char* missing) : soname_(soname), missing_(missing) {}

    // The first time (other callers wait for it): loads the library (kept to
    // the end of the process; RTLD_LOCAL: its symbols stay out of the global
    // scope) and calls find_all(*this). Throws Error with the first problem met.
    template <class Error, class FindAll>
    void load(FindAll find_all) {
        std::call_once(once_, [&] {
            if ((handle_ = dlopen(soname_, RTLD_NOW | RTLD_LOCAL))) return find_all(*this);
            const char* why = dlerror();
            error_ = std::string(missing_) + ": " + (why ? why : soname_);
        });
        if (!error_.empty()) throw Error(error_);
    }

    // In find_all: the function `name` into `fn` (null once one is missing).
    template <class Fn>
    void find(Fn*& fn, const char* name) {
        fn = error_.empty() ? reinterpret_cast<Fn*>(dlsym(handle_, name)) : nullptr;
        if (!fn && error_.empty())
            error_ = std::string(missing_) + ": " + soname_ + " has no " + name + " (older than this build needs)";
    }

private:
    const char *soname_, *missing_;
    void* handle_ = nullptr;
    std::once_flag once_;
    std::string error_;
};

}  // namespace auth
