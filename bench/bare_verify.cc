// One bare crypto_pwhash_str_verify, timed: what POST /login cannot go below.
// `./dev bench` runs it in the same run as the login scenario, on the hash
// the site stored for the bench user (so at the configured Argon2id cost).
//
//   bare_verify HASH COUNT     (the password on stdin, one line)
//
// Prints one line per verify: the milliseconds it took. Exits 1 if a verify
// fails (a wrong password would make the comparison meaningless).
//
// Build: g++ -std=c++20 -O2 bench/bare_verify.cc $(pkg-config --cflags --libs libsodium)
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 3 || sodium_init() < 0) {
        std::fprintf(stderr, "usage: bare_verify HASH COUNT < password\n");
        return 2;
    }
    std::string hash = argv[1];
    int count = std::atoi(argv[2]);
    std::string password;
    std::getline(std::cin, password);
    for (int i = 0; i < count; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        int rc = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size());
        auto t1 = std::chrono::steady_clock::now();
        if (rc != 0) {
            std::fprintf(stderr, "bare_verify: the password does not match the hash\n");
            return 1;
        }
        std::printf("%.4f\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return 0;
}
