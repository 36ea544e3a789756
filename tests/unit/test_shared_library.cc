// Tests for SharedLibrary, the loader behind libpq.cc and libcrypto.cc: a
// library that is not there and a function it lacks each give one error
// naming them and the package; the functions are looked up once, whichever
// thread asks first. Nothing on the system is touched: the missing library
// has a name no system has, the present one is glibc's libc.so.6.
#include <cppunit/extensions/HelperMacros.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/shared_library.hh"

namespace {

// What load<std::runtime_error> threw ("" if nothing).
template <class FindAll>
std::string error_of(auth::SharedLibrary& lib, FindAll find_all) {
    try {
        lib.load<std::runtime_error>(find_all);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class SharedLibraryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SharedLibraryTest);
    CPPUNIT_TEST(missing_library_named_with_its_package);
    CPPUNIT_TEST(first_missing_function_named);
    CPPUNIT_TEST(functions_found_once_for_all_threads);
    CPPUNIT_TEST_SUITE_END();

public:
    void missing_library_named_with_its_package() {
        auth::SharedLibrary lib("libsessionauth-absent.so.7", "widgets: libabsent cannot be loaded (install libabsent7)");
        int calls = 0;
        auto count = [&](auth::SharedLibrary&) { ++calls; };
        std::string error = error_of(lib, count);
        CPPUNIT_ASSERT(error.starts_with("widgets: libabsent cannot be loaded (install libabsent7): "));
        CPPUNIT_ASSERT(error.find("libsessionauth-absent.so.7") != std::string::npos);  // dlerror's words
        CPPUNIT_ASSERT_EQUAL(error, error_of(lib, count));  // remembered, not tried again
        CPPUNIT_ASSERT_EQUAL(0, calls);
    }

    void first_missing_function_named() {
        auth::SharedLibrary lib("libc.so.6", "libc cannot be loaded (install libc6)");
        decltype(&std::strlen) len = nullptr;
        void (*absent)() = nullptr;
        decltype(&std::strlen) after = nullptr;
        std::string error = error_of(lib, [&](auth::SharedLibrary& l) {
            l.find(len, "strlen");
            l.find(absent, "sessionauth_no_such_function");
            l.find(after, "strlen");
        });
        CPPUNIT_ASSERT_EQUAL(std::string("libc cannot be loaded (install libc6): libc.so.6 has no "
                                         "sessionauth_no_such_function (older than this build needs)"),
                             error);
        CPPUNIT_ASSERT(len != nullptr);
        CPPUNIT_ASSERT(absent == nullptr);
        CPPUNIT_ASSERT(after == nullptr);  // nothing looked up after the first missing one
    }

    void functions_found_once_for_all_threads() {
        auth::SharedLibrary lib("libc.so.6", "libc cannot be loaded (install libc6)");
        decltype(&std::strlen) len = nullptr;
        int calls = 0;  // changed only inside the once
        std::vector<std::string> errors(8, "not run");
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < errors.size(); ++i)
            threads.emplace_back([&, i] {
                errors[i] = error_of(lib, [&](auth::SharedLibrary& l) {
                    ++calls;
                    l.find(len, "strlen");
                });
            });
        for (std::thread& t : threads) t.join();
        CPPUNIT_ASSERT_EQUAL(1, calls);
        for (const std::string& e : errors) CPPUNIT_ASSERT_EQUAL(std::string(), e);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), len("hello"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SharedLibraryTest);
