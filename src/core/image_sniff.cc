#include "core/image_sniff.hh"

#include <cstdint>

namespace auth {

namespace {

std::uint32_t byte_at(std::string_view d, std::size_t i) { return static_cast<unsigned char>(d[i]); }
std::uint32_t be16(std::string_view d, std::size_t i) { return byte_at(d, i) << 8 | byte_at(d, i + 1); }
std::uint32_t be32(std::string_view d, std::size_t i) { return be16(d, i) << 16 | be16(d, i + 2); }
std::uint32_t le16(std::string_view d, std::size_t i) { return byte_at(d, i) | byte_at(d, i + 1) << 8; }
std::uint32_t le24(std::string_view d, std::size_t i) { return le16(d, i) | byte_at(d, i + 2) << 16; }
std::uint32_t le32(std::string_view d, std::size_t i) { return le24(d, i) | byte_at(d, i + 3) << 24; }

ImageCheck refused(ImageProblem problem) {
    ImageCheck c;
    c.problem = problem;
    return c;
}

ImageCheck sized(ImageType type, std::uint32_t width, std::uint32_t height) {
    if (width == 0 || height == 0 || width > kMaxPictureSide || height > kMaxPictureSide) return refused(ImageProblem::BadSize);
    ImageCheck c;
    c.type = type;
    c.problem = ImageProblem::None;
    c.width = static_cast<int>(width);
    c.height = static_cast<int>(height);
    return c;
}

// True when `data` is shorter than `magic` and is how `magic` begins.
bool cut_short(std::string_view data, std::string_view magic) {
    return data.size() < magic.size() && magic.substr(0, data.size()) == data;
}

bool is_chunk_letter(std::uint32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

ImageCheck sniff_png(std::string_view d) {
    // The signature, then chunks: length (4, big-endian), type (4), data, CRC (4).
    if (d.size() < 8 + 8 + 13 + 4) return refused(ImageProblem::Truncated);
    if (be32(d, 8) != 13 || d.substr(12, 4) != "IHDR") return refused(ImageProblem::NotAnImage);
    std::uint32_t width = be32(d, 16), height = be32(d, 20);
    bool seen_data = false;
    std::size_t pos = 8;
    while (true) {
        if (d.size() - pos < 12) return refused(ImageProblem::Truncated);
        std::uint32_t length = be32(d, pos);
        if (length > 0x7fffffffu) return refused(ImageProblem::NotAnImage);
        for (std::size_t i = 4; i < 8; ++i)
            if (!is_chunk_letter(byte_at(d, pos + i))) return refused(ImageProblem::NotAnImage);
        if (d.size() - pos - 12 < length) return refused(ImageProblem::Truncated);
        std::string_view type = d.substr(pos + 4, 4);
        if (type == "IDAT") seen_data = true;
        if (type == "IEND") break;
        pos += 12 + length;
    }
    if (!seen_data) return refused(ImageProblem::NotAnImage);
    return sized(ImageType::Png, width, height);
}

bool is_frame_header(std::uint32_t marker) {
    // SOF0-SOF15, which are C0-CF except DHT (C4), JPG (C8) and DAC (CC).
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

ImageCheck sniff_jpeg(std::string_view d) {
    // SOI, then marker segments: FF, marker, length (2, big-endian, counting
    // itself), data. The entropy-coded data after a scan header (SOS) ends
    // with EOI (FF D9); inside it FF is always followed by 00 or a restart.
    std::size_t pos = 2;
    std::uint32_t width = 0, height = 0;
    bool seen_frame = false;
    while (true) {
        if (pos >= d.size()) return refused(ImageProblem::Truncated);
        if (byte_at(d, pos) != 0xFF) return refused(ImageProblem::NotAnImage);
        while (pos < d.size() && byte_at(d, pos) == 0xFF) ++pos;  // fill bytes
        if (pos >= d.size()) return refused(ImageProblem::Truncated);
        std::uint32_t marker = byte_at(d, pos++);
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0x00 || marker == 0xD8 || marker == 0xD9) return refused(ImageProblem::NotAnImage);
        if (d.size() - pos < 2) return refused(ImageProblem::Truncated);
        std::uint32_t length = be16(d, pos);
        if (length < 2) return refused(ImageProblem::NotAnImage);
        if (d.size() - pos < length) return refused(ImageProblem::Truncated);
        if (is_frame_header(marker)) {
            if (length < 8) return refused(ImageProblem::NotAnImage);
            height = be16(d, pos + 3);
            width = be16(d, pos + 5);
            seen_frame = true;
        } else if (marker == 0xDA) {
            if (!seen_frame) return refused(ImageProblem::NotAnImage);
            std::size_t end = d.find("\xFF\xD9", pos + length);
            if (end == std::string_view::npos) return refused(ImageProblem::Truncated);
            return sized(ImageType::Jpeg, width, height);
        }
        pos += length;
    }
}

ImageCheck sniff_webp(std::string_view d) {
    // RIFF, size (4, little-endian, counting from "WEBP"), "WEBP", then the
    // first chunk: fourcc, size (4), data.
    std::uint32_t riff_size = le32(d, 4);
    if (riff_size < 4 + 8) return refused(ImageProblem::NotAnImage);
    if (d.size() < 20 || d.size() - 8 < riff_size) return refused(ImageProblem::Truncated);
    std::string_view fourcc = d.substr(12, 4);
    std::uint32_t chunk = le32(d, 16);
    if (chunk > riff_size - 12) return refused(ImageProblem::NotAnImage);
    if (d.size() - 20 < chunk) return refused(ImageProblem::Truncated);
    std::string_view data = d.substr(20, chunk);
    if (fourcc == "VP8 ") {
        // Lossy: frame tag (3), start code 9D 01 2A, 14-bit width and height.
        if (data.size() < 10 || data.substr(3, 3) != "\x9D\x01\x2A") return refused(ImageProblem::NotAnImage);
        return sized(ImageType::Webp, le16(data, 6) & 0x3FFF, le16(data, 8) & 0x3FFF);
    }
    if (fourcc == "VP8L") {
        // Lossless: signature 2F, then width-1 and height-1 in 14 bits each.
        if (data.size() < 5 || byte_at(data, 0) != 0x2F) return refused(ImageProblem::NotAnImage);
        std::uint32_t bits = le32(data, 1);
        return sized(ImageType::Webp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (fourcc == "VP8X") {
        // Extended: flags (1), reserved (3), canvas width-1 and height-1 in 24 bits each.
        if (data.size() < 10) return refused(ImageProblem::NotAnImage);
        return sized(ImageType::Webp, le24(data, 4) + 1, le24(data, 7) + 1);
    }
    return refused(ImageProblem::NotAnImage);
}

}  // namespace

ImageCheck sniff_image(std::string_view data, std::size_t max_bytes) {
    if (data.size() > max_bytes) return refused(ImageProblem::TooLarge);
    if (data.empty()) return refused(ImageProblem::Empty);
    if (data.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) return sniff_png(data);
    if (data.size() >= 3 && data.substr(0, 3) == "\xFF\xD8\xFF") return sniff_jpeg(data);
    if (data.size() >= 12 && data.substr(0, 4) == "RIFF" && data.substr(8, 4) == "WEBP") return sniff_webp(data);
    // The first bytes of a signature and no more: half a file.
    if (cut_short(data, std::string_view("\x89PNG\r\n\x1A\n", 8)) || cut_short(data, "\xFF\xD8\xFF") ||
        (data.size() < 12 && (cut_short(data, "RIFF") || data.substr(0, 4) == "RIFF")))
        return refused(ImageProblem::Truncated);
    return refused(ImageProblem::NotAnImage);
}

const char* content_type(ImageType type) {
    switch (type) {
        case ImageType::Png: return "image/png";
        case ImageType::Jpeg: return "image/jpeg";
        case ImageType::Webp: return "image/webp";
    }
    return "application/octet-stream";
}

const char* extension(ImageType type) {
    switch (type) {
        case ImageType::Png: return "png";
        case ImageType::Jpeg: return "jpg";
        case ImageType::Webp: return "webp";
    }
    return "bin";
}

std::optional<ImageType> type_for_extension(std::string_view ext) {
    for (ImageType t : {ImageType::Png, ImageType::Jpeg, ImageType::Webp})
        if (ext == extension(t)) return t;
    return std::nullopt;
}

std::string problem_text(ImageProblem problem) {
    switch (problem) {
        case ImageProblem::None: return "";
        case ImageProblem::Empty: return "The file you chose is empty.";
        case ImageProblem::TooLarge:
            return "The picture is larger than " + std::to_string(kMaxPictureBytes / (1024 * 1024)) + " MiB. Choose a smaller one.";
        case ImageProblem::NotAnImage: return "That file is not a PNG, JPEG or WebP picture.";
        case ImageProblem::Truncated: return "That picture is incomplete (the file is cut off). Try saving it again.";
        case ImageProblem::BadSize:
            return "The picture must be at most " + std::to_string(kMaxPictureSide) + " pixels wide and high.";
    }
    return "That file cannot be used as a picture.";
}

}  // namespace auth
