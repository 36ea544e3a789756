// libFuzzer target: the env file parser (python-dotenv syntax), on any bytes.
// It may refuse the text (EnvFileError), never crash, hang or throw anything
// else; what it accepts has non-empty keys made of key characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/env_file.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto values = auth::parse_env_file(text);
        for (const auto& [key, value] : values) {
            if (key.empty()) std::abort();
            for (char c : key) {
                bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '.' || c == '-';
                if (!ok) std::abort();
            }
        }
    } catch (const auth::EnvFileError&) {
    }
    return 0;
}
