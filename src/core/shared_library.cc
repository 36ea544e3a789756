#include "core/shared_library.hh"

#include <dlfcn.h>

namespace auth {

bool SharedLibrary::open() {
    if ((handle_ = dlopen(soname_, RTLD_NOW | RTLD_LOCAL))) return true;
    const char* why = dlerror();
    error_ = std::string(missing_) + ": " + (why ? why : soname_);
    return false;
}

void* SharedLibrary::symbol(const char* name) {
    void* fn = error_.empty() ? dlsym(handle_, name) : nullptr;
    if (!fn && error_.empty())
        error_ = std::string(missing_) + ": " + soname_ + " has no " + name + " (older than this build needs)";
    return fn;
}

}  // namespace auth
