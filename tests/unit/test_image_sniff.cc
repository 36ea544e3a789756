// Tests for auth::sniff_image: real PNG, JPEG (baseline and progressive) and
// WebP (lossy, lossless, extended) files made by libpng-style code, cjpeg
// and cwebp (tests/data/pictures); files that only claim to be images (HTML
// or SVG named .png, GIF); every truncation of each real file; sizes in
// bytes (3 MiB) and in pixels.
#include <cppunit/extensions/HelperMacros.h>


#include "core/image_sniff.hh"
#include "support.hh"

namespace {

using auth::ImageProblem;
using auth::ImageType;

std::string fixture(const std::string& name) { return test::picture_fixture(name); }

void put_be32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

class ImageSniffTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ImageSniffTest);
    CPPUNIT_TEST(real_png);
    CPPUNIT_TEST(real_jpegs);
    CPPUNIT_TEST(real_webps);
    CPPUNIT_TEST(html_named_png_is_not_an_image);
    CPPUNIT_TEST(other_formats_are_not_images);
    CPPUNIT_TEST(signature_alone_is_not_an_image);
    CPPUNIT_TEST(every_truncation_is_refused);
    CPPUNIT_TEST(three_mib_file_is_too_large);
    CPPUNIT_TEST(size_limit_is_inclusive);
    CPPUNIT_TEST(empty_file);
    CPPUNIT_TEST(png_dimensions_are_checked);
    CPPUNIT_TEST(jpeg_dimensions_are_checked);
    CPPUNIT_TEST(webp_dimensions_are_checked);
    CPPUNIT_TEST(png_without_image_data_is_refused);
    CPPUNIT_TEST(types_extensions_and_messages);
    CPPUNIT_TEST_SUITE_END();

    static void expect(const std::string& bytes, ImageType type, int w, int h, const std::string& what) {
        auth::ImageCheck c = auth::sniff_image(bytes);
        CPPUNIT_ASSERT_MESSAGE(what, c.ok());
        CPPUNIT_ASSERT_MESSAGE(what, c.type == type);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, w, c.width);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, h, c.height);
    }
    static ImageProblem problem(const std::string& bytes) { return auth::sniff_image(bytes).problem; }

public:
    void real_png() { expect(fixture("picture.png"), ImageType::Png, 16, 16, "picture.png"); }

    void real_jpegs() {
        expect(fixture("picture.jpg"), ImageType::Jpeg, 16, 16, "baseline");
        expect(fixture("progressive.jpg"), ImageType::Jpeg, 16, 16, "progressive");
        // Data after the end of the image (as some cameras append) is allowed.
        expect(fixture("picture.jpg") + "trailing bytes", ImageType::Jpeg, 16, 16, "trailing data");
    }

    void real_webps() {
        expect(fixture("picture.webp"), ImageType::Webp, 16, 16, "lossy VP8");
        expect(fixture("lossless.webp"), ImageType::Webp, 16, 16, "lossless VP8L");
        expect(fixture("alpha.webp"), ImageType::Webp, 16, 16, "extended VP8X");
    }

    void html_named_png_is_not_an_image() {
        // What the name or the browser's type says plays no part: only bytes are passed.
        const std::string html = "<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
        CPPUNIT_ASSERT(problem(html) == ImageProblem::NotAnImage);
        CPPUNIT_ASSERT(problem("\xEF\xBB\xBF" + html) == ImageProblem::NotAnImage);
        const std::string svg = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
        CPPUNIT_ASSERT(problem(svg) == ImageProblem::NotAnImage);
        // A PNG signature in front of HTML is still no PNG.
        std::string fake = std::string("\x89PNG\r\n\x1A\n", 8) + html;
        CPPUNIT_ASSERT(problem(fake) == ImageProblem::NotAnImage);
        // Nor is a RIFF header with something else inside.
        CPPUNIT_ASSERT(problem(std::string("RIFF\x40\0\0\0WEBPHTML", 16) + html) == ImageProblem::NotAnImage);
    }

    void other_formats_are_not_images() {
        CPPUNIT_ASSERT(problem(std::string("GIF89a\x10\0\x10\0\x80\0\0", 13) + std::string(50, '\0')) == ImageProblem::NotAnImage);
        CPPUNIT_ASSERT(problem(std::string("BM") + std::string(60, '\0')) == ImageProblem::NotAnImage);
        CPPUNIT_ASSERT(problem(std::string("RIFF\x24\0\0\0WAVEfmt ", 16) + std::string(40, '\0')) == ImageProblem::NotAnImage);
        CPPUNIT_ASSERT(problem("%PDF-1.7\n") == ImageProblem::NotAnImage);
        CPPUNIT_ASSERT(problem(std::string("\x7F" "ELF\x02\x01\x01", 7) + std::string(64, '\0')) == ImageProblem::NotAnImage);
    }

    void signature_alone_is_not_an_image() {
        CPPUNIT_ASSERT(problem(std::string("\x89PNG\r\n\x1A\n", 8)) == ImageProblem::Truncated);
        CPPUNIT_ASSERT(problem("\xFF\xD8\xFF") == ImageProblem::Truncated);
        CPPUNIT_ASSERT(problem("RIFF") == ImageProblem::Truncated);
        // A JPEG start followed by junk is not a JPEG.
        CPPUNIT_ASSERT(problem(std::string("\xFF\xD8\xFF\xE0\0\x04" "ab", 8) + "then no marker") == ImageProblem::NotAnImage);
    }

    void every_truncation_is_refused() {
        for (const char* name : {"picture.png", "picture.jpg", "progressive.jpg", "picture.webp", "lossless.webp", "alpha.webp"}) {
            std::string whole = fixture(name);
            for (std::size_t n = 1; n < whole.size(); ++n) {
                auth::ImageCheck c = auth::sniff_image(whole.substr(0, n));
                CPPUNIT_ASSERT_MESSAGE(std::string(name) + " cut to " + std::to_string(n), c.problem == ImageProblem::Truncated);
                CPPUNIT_ASSERT(!c.type);
            }
        }
    }

    void three_mib_file_is_too_large() {
        // A real picture with 3 MiB after it: refused for its size alone.
        std::string big = fixture("picture.png");
        big.resize(3 * 1024 * 1024, '\0');
        CPPUNIT_ASSERT(problem(big) == ImageProblem::TooLarge);
        CPPUNIT_ASSERT(problem(std::string(3 * 1024 * 1024, 'x')) == ImageProblem::TooLarge);
    }

    void size_limit_is_inclusive() {
        std::string exact = fixture("picture.png");
        exact.resize(auth::kMaxPictureBytes, '\0');  // padding after IEND
        CPPUNIT_ASSERT(auth::sniff_image(exact).ok());
        exact += '\0';
        CPPUNIT_ASSERT(problem(exact) == ImageProblem::TooLarge);
        // A smaller limit of the caller's own.
        CPPUNIT_ASSERT(auth::sniff_image(fixture("picture.png"), 100).problem == ImageProblem::TooLarge);
    }

    void empty_file() { CPPUNIT_ASSERT(problem("") == ImageProblem::Empty); }

    void png_dimensions_are_checked() {
        std::string png = fixture("picture.png");
        auto with = [&](std::uint32_t w, std::uint32_t h) {
            std::string p = png;
            put_be32(p, 16, w);
            put_be32(p, 20, h);
            return auth::sniff_image(p);
        };
        CPPUNIT_ASSERT(with(8192, 8192).ok());
        CPPUNIT_ASSERT_EQUAL(8192, with(8192, 1).width);
        CPPUNIT_ASSERT(with(8193, 16).problem == ImageProblem::BadSize);
        CPPUNIT_ASSERT(with(16, 8193).problem == ImageProblem::BadSize);
        CPPUNIT_ASSERT(with(0, 16).problem == ImageProblem::BadSize);
        CPPUNIT_ASSERT(with(0xFFFFFFFFu, 0xFFFFFFFFu).problem == ImageProblem::BadSize);
    }

    void jpeg_dimensions_are_checked() {
        std::string jpg = fixture("picture.jpg");
        std::size_t sof = jpg.find("\xFF\xC0");
        CPPUNIT_ASSERT(sof != std::string::npos);
        std::string tall = jpg;
        tall[sof + 5] = '\x20';  // height 0x2010 = 8208
        CPPUNIT_ASSERT(problem(tall) == ImageProblem::BadSize);
        std::string none = jpg;
        none[sof + 5] = '\0';
        none[sof + 6] = '\0';  // height 0 (defined later by DNL): refused
        CPPUNIT_ASSERT(problem(none) == ImageProblem::BadSize);
    }

    void webp_dimensions_are_checked() {
        std::string x = fixture("alpha.webp");  // VP8X: canvas width-1 at byte 24, height-1 at 27 (24 bits)
        std::string wide = x;
        wide[24] = '\x00';
        wide[25] = '\x20';  // 0x2000 + 1 = 8193
        CPPUNIT_ASSERT(problem(wide) == ImageProblem::BadSize);
        std::string lossy = fixture("picture.webp");  // VP8: 14-bit width at byte 26
        lossy[26] = '\x00';
        lossy[27] = '\x00';
        CPPUNIT_ASSERT(problem(lossy) == ImageProblem::BadSize);
        // A RIFF size larger than the file is half a file.
        std::string cut = fixture("picture.webp");
        cut[4] = static_cast<char>(cut[4] + 8);
        CPPUNIT_ASSERT(problem(cut) == ImageProblem::Truncated);
    }

    void png_without_image_data_is_refused() {
        // Signature, IHDR and IEND, but no IDAT.
        std::string png = fixture("picture.png");
        std::string head = png.substr(0, 8 + 25);
        std::string iend = png.substr(png.size() - 12);
        CPPUNIT_ASSERT(problem(head + iend) == ImageProblem::NotAnImage);
        // A chunk type that is not letters is no PNG.
        std::string bad = png;
        bad[8 + 25 + 4] = '\x01';
        CPPUNIT_ASSERT(problem(bad) == ImageProblem::NotAnImage);
    }

    void types_extensions_and_messages() {
        CPPUNIT_ASSERT_EQUAL(std::string("image/png"), std::string(auth::content_type(ImageType::Png)));
        CPPUNIT_ASSERT_EQUAL(std::string("image/jpeg"), std::string(auth::content_type(ImageType::Jpeg)));
        CPPUNIT_ASSERT_EQUAL(std::string("image/webp"), std::string(auth::content_type(ImageType::Webp)));
        for (ImageType t : {ImageType::Png, ImageType::Jpeg, ImageType::Webp})
            CPPUNIT_ASSERT(auth::type_for_extension(auth::extension(t)) == t);
        for (const char* ext : {"svg", "html", "gif", "PNG", "", "png.html", "jpeg"}) CPPUNIT_ASSERT(!auth::type_for_extension(ext));
        for (ImageProblem p : {ImageProblem::Empty, ImageProblem::TooLarge, ImageProblem::NotAnImage, ImageProblem::Truncated,
                               ImageProblem::BadSize})
            CPPUNIT_ASSERT(!auth::problem_text(p).empty());
        CPPUNIT_ASSERT_EQUAL(std::string("The picture is larger than 2 MiB. Choose a smaller one."),
                             auth::problem_text(ImageProblem::TooLarge));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ImageSniffTest);

}  // namespace
