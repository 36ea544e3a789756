#include "web/qr_svg.hh"

#include <qrencode.h>

#include <memory>
#include <stdexcept>

namespace auth {

namespace {

struct QrFree {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

constexpr int kQuietZone = 4;  // modules of white around the code (ISO/IEC 18004)

}  // namespace

std::string qr_svg(const std::string& text) {
    std::unique_ptr<QRcode, QrFree> code(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M));
    if (!code) throw std::runtime_error("QR code could not be made");
    const int width = code->width;
    const int size = width + 2 * kQuietZone;
    // One path of 1x1 squares, one per dark module (bit 0 of each byte).
    std::string path;
    for (int y = 0; y < width; ++y)
        for (int x = 0; x < width; ++x)
            if (code->data[y * width + x] & 1)
                path += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
    const std::string s = std::to_string(size);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s + "\" width=\"" +
           std::to_string(size * 5) + "\" height=\"" + std::to_string(size * 5) +
           "\" shape-rendering=\"crispEdges\">\n"
           "<rect width=\"" + s + "\" height=\"" + s + "\" fill=\"#fff\"/>\n"
           "<path fill=\"#000\" d=\"" + path + "\"/>\n"
           "</svg>\n";
}

}  // namespace auth
