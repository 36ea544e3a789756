// What an uploaded file really is, from its bytes only (never its name or
// the type the browser claimed): PNG, JPEG or WebP, checked far enough to
// know the file is whole and its size in pixels is sane. Anything else
// (HTML, SVG, GIF, a script with an image's name, half an image) is refused.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

enum class ImageType { Png, Jpeg, Webp };

enum class ImageProblem {
    None,
    Empty,        // no bytes at all
    TooLarge,     // more bytes than allowed
    NotAnImage,   // not PNG, JPEG or WebP (or damaged beyond recognition)
    Truncated,    // starts like an image, but its end is missing
    BadSize,      // 0 pixels, or wider or taller than kMaxPictureSide
};

inline constexpr std::size_t kMaxPictureBytes = 2 * 1024 * 1024;
inline constexpr int kMaxPictureSide = 8192;

struct ImageCheck {
    std::optional<ImageType> type;  // set only when problem is None
    ImageProblem problem = ImageProblem::NotAnImage;
    int width = 0;
    int height = 0;

    bool ok() const { return problem == ImageProblem::None; }
};

// PNG: the signature, IHDR first, chunks that fit, up to IEND. JPEG: SOI,
// well-formed marker segments up to a frame header (SOF) and a scan (SOS),
// and an EOI after it. WebP: RIFF....WEBP whose declared size is present,
// with a VP8, VP8L or VP8X first chunk. Width and height from the header,
// each from 1 to kMaxPictureSide.
ImageCheck sniff_image(std::string_view data, std::size_t max_bytes = kMaxPictureBytes);

// "image/png", "image/jpeg", "image/webp".
const char* content_type(ImageType type);
// "png", "jpg", "webp" (without the dot).
const char* extension(ImageType type);
std::optional<ImageType> type_for_extension(std::string_view extension);

// What to tell a person about a refused picture.
std::string problem_text(ImageProblem problem);

}  // namespace auth
