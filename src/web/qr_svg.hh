// A QR code as an SVG image, made here with libqrencode (the one place
// that includes it): for the otpauth:// URI that authenticator apps scan.
#pragma once
#include <string>

namespace auth {

// The SVG document (black modules on white, a 4-module quiet zone, one
// <path>, no script, no style) of `text` at error correction level M;
// throws std::runtime_error if libqrencode cannot encode it.
std::string qr_svg(const std::string& text);

}  // namespace auth
