// libFuzzer target: the image sniffing of uploaded pictures (sniff_image).
// Any bytes: it never crashes, and what it accepts is PNG, JPEG or WebP
// with a sane size, starting with the right signature.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/image_sniff.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auth::ImageCheck c = auth::sniff_image(bytes);
    if (c.ok()) {
        if (!c.type) std::abort();
        if (c.width < 1 || c.height < 1 || c.width > auth::kMaxPictureSide || c.height > auth::kMaxPictureSide)
            std::abort();
        switch (*c.type) {
            case auth::ImageType::Png:
                if (bytes.substr(0, 8) != std::string_view("\x89PNG\r\n\x1a\n", 8)) std::abort();
                break;
            case auth::ImageType::Jpeg:
                if (bytes.substr(0, 2) != std::string_view("\xff\xd8", 2)) std::abort();
                break;
            case auth::ImageType::Webp:
                if (bytes.substr(0, 4) != "RIFF" || bytes.substr(8, 4) != "WEBP") std::abort();
                break;
        }
        (void)auth::content_type(*c.type);
        (void)auth::extension(*c.type);
    } else if (c.type) {
        std::abort();
    }
    (void)auth::problem_text(c.problem);
    // A small limit must refuse what is larger than it.
    if (size > 16 && auth::sniff_image(bytes, 16).problem != auth::ImageProblem::TooLarge) std::abort();
    return 0;
}
