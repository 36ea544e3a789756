// A shared library loaded with dlopen when first needed, not linked
// (store/postgres/libpq.cc and webauthn/libcrypto.cc say why). Its loader
// defines the functions the program calls as stand-ins, with the library's
// own declarations, that forward to a table load() fills once per process.
// Stand-ins and declarations are hidden (#pragma GCC visibility, after the
// standard headers): never exported, so no library's own calls land on them.
#pragma once
#include <mutex>
#include <string>

namespace auth {

class SharedLibrary {
public:
    // `missing` begins each error: what needs `soname`, the package to install.
    SharedLibrary(const char* soname, const char* missing) : soname_(soname), missing_(missing) {}

    // The first time (other callers wait): loads the library (RTLD_LOCAL, to
    // the end of the process) and calls find_all(*this). Throws Error with the first problem met.
    template <class Error, class FindAll>
    void load(FindAll find_all) {
        std::call_once(once_, [&] {
            if (open()) find_all(*this);
        });
        if (!error_.empty()) throw Error(error_);
    }

    // In find_all: the function `name` into `fn` (null once one is missing).
    template <class Fn>
    void find(Fn*& fn, const char* name) { fn = reinterpret_cast<Fn*>(symbol(name)); }

private:
    bool open();
    void* symbol(const char* name);  // one copy, not one per function type

    const char *soname_, *missing_;
    void* handle_ = nullptr;
    std::once_flag once_;
    std::string error_;
};

}  // namespace auth
