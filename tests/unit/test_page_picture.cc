// Tests for the profile picture (pages::profile: POST /profile with a
// `picture` file, GET /profile/picture/<name>): what is accepted (by its
// bytes), where it is stored (a random name, never the browser's), what is
// served and with which headers, to whom, replacing and removing it, and
// the larger body limit of POST /profile alone, through the real multipart
// parser.
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <set>
#include <vector>

#include "web/responses.hh"
#include "web/serve.hh"
#include "pages/pages.hh"
#include "pages/profile_page.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const std::string kBase = "http://127.0.0.1:8080";
const std::string kEmail = "ada@example.test";

std::string fixture(const std::string& name) { return test::picture_fixture(name); }

std::set<std::string> stored_files(auth::App& app) {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(app.config().picture_dir, ec)) names.insert(e.path().filename().string());
    return names;
}

struct Account : test::LoggedIn {
    Account() : LoggedIn(kEmail) {}
    // POST /profile as the browser's form sends it, with a file chosen.
    auth::Response upload(const std::string& bytes, const std::string& filename = "me.png",
                          std::map<std::string, std::string> form = {{"name", "Ada Lovelace"}}) {
        b.get(pages::profile, "/profile");
        auth::Request rq = test::post_from(b, "/profile", std::move(form));
        rq.files["picture"] = auth::UploadedFile{filename, "image/png", bytes};
        return pages::profile(rq, *t.app);
    }
    auth::Response picture(Browser& who, const std::string& name) {
        auth::Response r = pages::profile(test::get_from(who, "/profile/picture/" + name), *t.app);
        auth::add_standard_headers(r, t.app->config());
        return r;
    }
};

// A multipart/form-data body as a browser builds it.
struct Multipart {
    std::string boundary = "----sessionauthTestBoundary7MA4YWxkTrZu0gW";
    std::string body;
    void field(const std::string& name, const std::string& value) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }
    void file(const std::string& name, const std::string& filename, const std::string& type, const std::string& data) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
                "\"\r\nContent-Type: " + type + "\r\n\r\n" + data + "\r\n";
    }
    std::string finish() { return body + "--" + boundary + "--\r\n"; }
};

auth::CgiEnv post_env(Browser& b, const std::string& path, const std::string& type, std::size_t length) {
    std::string cookies;
    for (const auto& [k, v] : b.cookies()) cookies += (cookies.empty() ? "" : "; ") + k + "=" + v;
    return {{"REQUEST_METHOD", "POST"}, {"REQUEST_URI", path}, {"CONTENT_TYPE", type},
            {"CONTENT_LENGTH", std::to_string(length)}, {"HTTP_COOKIE", cookies}, {"REMOTE_ADDR", "127.0.0.1"}};
}

const auth::PageProgram kProfileProgram{pages::profile, auth::kDefaultMaxBody, {{"/profile", pages::kProfileFormMaxBody}}};

class PicturePageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PicturePageTest);
    CPPUNIT_TEST(upload_stores_under_a_random_name);
    CPPUNIT_TEST(each_type_is_accepted_and_served_as_itself);
    CPPUNIT_TEST(picture_is_served_only_to_its_owner);
    CPPUNIT_TEST(served_with_safe_headers);
    CPPUNIT_TEST(html_named_png_is_refused);
    CPPUNIT_TEST(truncated_and_empty_files_are_refused);
    CPPUNIT_TEST(too_large_picture_is_413);
    CPPUNIT_TEST(refused_picture_keeps_everything);
    CPPUNIT_TEST(name_error_stores_no_file);
    CPPUNIT_TEST(replacing_deletes_the_old_file);
    CPPUNIT_TEST(removing_deletes_the_file);
    CPPUNIT_TEST(no_file_chosen_keeps_the_picture);
    CPPUNIT_TEST(profile_and_navigation_show_it);
    CPPUNIT_TEST(picture_paths_and_methods);
    CPPUNIT_TEST(multipart_upload_through_the_parser);
    CPPUNIT_TEST(larger_body_limit_only_on_post_profile);
    CPPUNIT_TEST_SUITE_END();

public:
    void upload_stores_under_a_random_name() {
        Account a;
        auth::Response r = a.upload(fixture("picture.png"), "../../htdocs/evil.php");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("profile_saved"), test::set_cookie_value(r, "flash"));
        std::string name = a.user().picture;
        CPPUNIT_ASSERT(auth::PictureStore::valid_name(name));
        CPPUNIT_ASSERT_EQUAL(std::string(".png"), name.substr(43));
        CPPUNIT_ASSERT(!contains(name, "evil"));
        CPPUNIT_ASSERT(std::set<std::string>{name} == stored_files(*a.t.app));
        CPPUNIT_ASSERT(!std::filesystem::exists(a.t.dir.file("htdocs")));
    }

    void each_type_is_accepted_and_served_as_itself() {
        Account a;
        struct Case {
            const char* file;
            const char* claimed_name;
            const char* type;
        };
        // The browser's name and type are ignored: the bytes decide.
        for (const Case& c : {Case{"picture.jpg", "photo.png", "image/jpeg"}, Case{"picture.webp", "x.gif", "image/webp"},
                              Case{"lossless.webp", "noext", "image/webp"}, Case{"progressive.jpg", "a.jpeg", "image/jpeg"},
                              Case{"picture.png", "a.svg", "image/png"}}) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.file, 303, a.upload(fixture(c.file), c.claimed_name).status);
            auth::Response r = a.picture(a.b, a.user().picture);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.file, 200, r.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.file, std::string(c.type), test::header_value(r, "Content-Type"));
            CPPUNIT_ASSERT(r.body == fixture(c.file));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), stored_files(*a.t.app).size());
    }

    void picture_is_served_only_to_its_owner() {
        Account a;
        a.upload(fixture("picture.png"));
        std::string name = a.user().picture;
        CPPUNIT_ASSERT_EQUAL(200, a.picture(a.b, name).status);
        test::make_user(*a.t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        Browser bob(*a.t.app);
        test::log_in(bob, "bob@example.test", "bob's own good passphrase");
        auth::Response r = a.picture(bob, name);
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        CPPUNIT_ASSERT(!contains(r.body, "PNG"));
        Browser nobody(*a.t.app);
        r = a.picture(nobody, name);
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/html; charset=utf-8"), test::header_value(r, "Content-Type"));
        // After logging out, not even to the owner's browser.
        a.b.get(pages::logout, "/logout");
        a.b.post(pages::logout, "/logout", {});
        CPPUNIT_ASSERT_EQUAL(404, a.picture(a.b, name).status);
    }

    void served_with_safe_headers() {
        Account a;
        a.upload(fixture("picture.webp"));
        auth::Response r = a.picture(a.b, a.user().picture);
        CPPUNIT_ASSERT_EQUAL(std::string("image/webp"), test::header_value(r, "Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), test::header_value(r, "X-Content-Type-Options"));
        CPPUNIT_ASSERT_EQUAL(std::string("default-src 'none'; frame-ancestors 'none'; sandbox"),
                             test::header_value(r, "Content-Security-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::string("private, no-store"), test::header_value(r, "Cache-Control"));
        CPPUNIT_ASSERT_EQUAL(std::string("inline; filename=\"picture.webp\""), test::header_value(r, "Content-Disposition"));
        CPPUNIT_ASSERT_EQUAL(std::string("same-origin"), test::header_value(r, "Cross-Origin-Resource-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::string("DENY"), test::header_value(r, "X-Frame-Options"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "csrf"));
        // HEAD: the same headers.
        auth::Request head = test::get_from(a.b, "/profile/picture/" + a.user().picture);
        head.method = "HEAD";
        CPPUNIT_ASSERT_EQUAL(200, pages::profile(head, *a.t.app).status);
    }

    void html_named_png_is_refused() {
        Account a;
        const std::string html = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";
        auth::Response r = a.upload(html, "avatar.png");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<p class=\"error\" id=\"picture-error\">That file is not a PNG, JPEG or WebP picture."));
        CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"picture-hint picture-error\" aria-invalid=\"true\""));
        CPPUNIT_ASSERT(contains(r.body, "Please correct the marked fields."));
        CPPUNIT_ASSERT(!contains(r.body, "<script>alert"));
        CPPUNIT_ASSERT_EQUAL(std::string(), a.user().picture);
        CPPUNIT_ASSERT(stored_files(*a.t.app).empty());
        std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        CPPUNIT_ASSERT_EQUAL(422, a.upload(svg, "a.svg").status);
        CPPUNIT_ASSERT(stored_files(*a.t.app).empty());
    }

    void truncated_and_empty_files_are_refused() {
        Account a;
        std::string half = fixture("picture.jpg");
        half.resize(half.size() / 2);
        auth::Response r = a.upload(half, "half.jpg");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "That picture is incomplete"));
        r = a.upload("", "empty.png");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "The file you chose is empty."));
        CPPUNIT_ASSERT(stored_files(*a.t.app).empty());
    }

    void too_large_picture_is_413() {
        Account a;
        std::string big = fixture("picture.png");
        big.resize(3 * 1024 * 1024, '\0');
        auth::Response r = a.upload(big, "big.png");
        CPPUNIT_ASSERT_EQUAL(413, r.status);
        CPPUNIT_ASSERT(contains(r.body, "The picture is larger than 2 MiB."));
        CPPUNIT_ASSERT(stored_files(*a.t.app).empty());
    }

    void refused_picture_keeps_everything() {
        Account a;
        a.upload(fixture("picture.png"));
        std::string before = a.user().picture;
        auth::Response r = a.upload("GIF89a not accepted", "a.gif", {{"name", "Changed Name"}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "value=\"Changed Name\""));  // what was typed stays in the form
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), a.user().name);
        CPPUNIT_ASSERT_EQUAL(before, a.user().picture);
        CPPUNIT_ASSERT(std::set<std::string>{before} == stored_files(*a.t.app));
    }

    void name_error_stores_no_file() {
        Account a;
        auth::Response r = a.upload(fixture("picture.png"), "me.png", {{"name", "   "}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Enter your full name."));
        CPPUNIT_ASSERT(stored_files(*a.t.app).empty());
        CPPUNIT_ASSERT_EQUAL(std::string(), a.user().picture);
    }

    void replacing_deletes_the_old_file() {
        Account a;
        a.upload(fixture("picture.png"));
        std::string first = a.user().picture;
        CPPUNIT_ASSERT_EQUAL(303, a.upload(fixture("picture.jpg"), "new.jpg").status);
        std::string second = a.user().picture;
        CPPUNIT_ASSERT(first != second);
        CPPUNIT_ASSERT(std::set<std::string>{second} == stored_files(*a.t.app));
        CPPUNIT_ASSERT_EQUAL(404, a.picture(a.b, first).status);
        CPPUNIT_ASSERT_EQUAL(200, a.picture(a.b, second).status);
        // A new picture and "remove" together: the new one wins.
        a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, a.upload(fixture("picture.webp"), "w.webp", {{"name", "Ada Lovelace"}, {"remove_picture", "1"}}).status);
        CPPUNIT_ASSERT_EQUAL(std::string(".webp"), a.user().picture.substr(43));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), stored_files(*a.t.app).size());
    }

    void removing_deletes_the_file() {
        Account a;
        a.upload(fixture("picture.png"));
        std::string name = a.user().picture;
        auth::Response page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "<input id=\"remove_picture\" name=\"remove_picture\" type=\"checkbox\" value=\"1\">"));
        auth::Response r = a.b.post(pages::profile, "/profile", {{"name", "Ada Lovelace"}, {"remove_picture", "1"}, {"picture", ""}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("picture_removed"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT_EQUAL(std::string(), a.user().picture);
        CPPUNIT_ASSERT(stored_files(*a.t.app).empty());
        CPPUNIT_ASSERT_EQUAL(404, a.picture(a.b, name).status);
        page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "Your picture has been removed."));
        CPPUNIT_ASSERT(!contains(page.body, "remove_picture"));
    }

    void no_file_chosen_keeps_the_picture() {
        Account a;
        a.upload(fixture("picture.png"));
        std::string name = a.user().picture;
        // A form sent without choosing a file has an empty text field "picture".
        auth::Response r = a.b.post(pages::profile, "/profile", {{"name", "Ada King"}, {"picture", ""}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada King"), a.user().name);
        CPPUNIT_ASSERT_EQUAL(name, a.user().picture);
        CPPUNIT_ASSERT(std::set<std::string>{name} == stored_files(*a.t.app));
    }

    void profile_and_navigation_show_it() {
        Account a;
        auth::Response page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "enctype=\"multipart/form-data\""));
        CPPUNIT_ASSERT(contains(page.body, "<label for=\"picture\">Picture (optional)</label>"));
        CPPUNIT_ASSERT(contains(page.body, "accept=\"image/png,image/jpeg,image/webp\""));
        CPPUNIT_ASSERT(!contains(page.body, "class=\"avatar\""));
        a.upload(fixture("picture.png"));
        std::string src = "/profile/picture/" + a.user().picture;
        page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "<img class=\"picture\" src=\"" + src + "\" alt=\"Your picture\""));
        CPPUNIT_ASSERT(contains(page.body, "<img class=\"avatar\" src=\"" + src + "\" alt=\"\""));
        CPPUNIT_ASSERT(contains(page.body, "<label for=\"picture\">A new picture (optional)</label>"));
        auth::Response home = a.b.get(pages::home, "/");
        CPPUNIT_ASSERT(contains(home.body, "<img class=\"avatar\" src=\"" + src + "\""));
        // Under a BASE_URL with a path, the links keep it.
        test::TestApp sub("http://127.0.0.1:8080/auth");
        std::int64_t id = test::make_user(*sub.app, kEmail, test::kGoodPassword);
        std::string name = sub.app->pictures.write(fixture("picture.png"), auth::ImageType::Png);
        sub.app->pictures.assign(id, name);
        Browser b(*sub.app);
        test::log_in(b, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT(contains(b.get(pages::profile, "/profile").body, "src=\"/auth/profile/picture/" + name + "\""));
    }

    void picture_paths_and_methods() {
        Account a;
        a.upload(fixture("picture.png"));
        std::string name = a.user().picture;
        for (const std::string& bad : std::vector<std::string>{"/profile/picture/", "/profile/picture/" + name.substr(0, 43),
                                       "/profile/picture/" + name.substr(0, 43) + ".svg", "/profile/picture/../../test.sqlite",
                                       "/profile/picture/" + name + "/x", "/profile/pictures/" + name})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 404, pages::profile(test::get_from(a.b, bad), *a.t.app).status);
        auth::Request post = test::post_from(a.b, "/profile/picture/" + name, {});
        auth::Response r = pages::profile(post, *a.t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), test::header_value(r, "Allow"));
    }

    void multipart_upload_through_the_parser() {
        Account a;
        Multipart m;
        m.field("csrf_token", a.b.last_csrf_token());
        m.field("name", "Ada Lovelace");
        m.file("picture", "me.png", "image/png", fixture("picture.png"));
        std::string body = m.finish();
        auth::CgiEnv env = post_env(a.b, "/profile", "multipart/form-data; boundary=" + m.boundary, body.size());
        auth::Response r = auth::handle(*a.t.app, kProfileProgram, env, [&](std::size_t n) { return body.substr(0, n); });
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(fixture("picture.png"), a.t.app->pictures.load(a.id, a.user().picture)->bytes);
        // The CSRF token is read from the multipart body: a wrong one is refused.
        Multipart forged;
        forged.field("csrf_token", "forged");
        forged.field("name", "Mallory");
        forged.file("picture", "x.png", "image/png", fixture("picture.jpg"));
        body = forged.finish();
        env = post_env(a.b, "/profile", "multipart/form-data; boundary=" + forged.boundary, body.size());
        r = auth::handle(*a.t.app, kProfileProgram, env, [&](std::size_t n) { return body.substr(0, n); });
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), a.user().name);
        CPPUNIT_ASSERT_EQUAL(std::string(".png"), a.user().picture.substr(43));
        // No file chosen: the browser sends an empty part with an empty filename.
        a.b.get(pages::profile, "/profile");
        Multipart none;
        none.field("csrf_token", a.b.last_csrf_token());
        none.field("name", "Ada King");
        none.file("picture", "", "application/octet-stream", "");
        body = none.finish();
        env = post_env(a.b, "/profile", "multipart/form-data; boundary=" + none.boundary, body.size());
        std::string kept = a.user().picture;
        r = auth::handle(*a.t.app, kProfileProgram, env, [&](std::size_t n) { return body.substr(0, n); });
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada King"), a.user().name);
        CPPUNIT_ASSERT_EQUAL(kept, a.user().picture);
    }

    void larger_body_limit_only_on_post_profile() {
        Account a;
        // A picture of exactly 2 MiB in a multipart body over 2 MiB: accepted.
        std::string exact = fixture("picture.png");
        exact.resize(auth::kMaxPictureBytes, '\0');
        Multipart m;
        m.field("csrf_token", a.b.last_csrf_token());
        m.field("name", "Ada Lovelace");
        m.file("picture", "big.png", "image/png", exact);
        std::string body = m.finish();
        CPPUNIT_ASSERT(body.size() > auth::kMaxPictureBytes);
        auth::CgiEnv env = post_env(a.b, "/profile", "multipart/form-data; boundary=" + m.boundary, body.size());
        auth::Response r = auth::handle(*a.t.app, kProfileProgram, env, [&](std::size_t n) { return body.substr(0, n); });
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(exact.size(), a.t.app->pictures.load(a.id, a.user().picture)->bytes.size());

        // Over the route's limit: 413 before anything is read.
        int reads = 0;
        auto counting = [&](std::size_t n) {
            ++reads;
            return std::string(n, 'x');
        };
        env["CONTENT_LENGTH"] = std::to_string(pages::kProfileFormMaxBody + 1);
        r = auth::handle(*a.t.app, kProfileProgram, env, counting);
        CPPUNIT_ASSERT_EQUAL(413, r.status);
        CPPUNIT_ASSERT(contains(r.body, "The form is too large (at most 2 MiB)."));
        CPPUNIT_ASSERT_EQUAL(0, reads);
        // Every other route of the program keeps 64 KiB.
        for (const char* path : {"/profile/password", "/profile/email", "/profile/sessions/revoke", "/profile/", "/profile/picture/x"}) {
            auth::CgiEnv other = post_env(a.b, path, "application/x-www-form-urlencoded", 64 * 1024 + 1);
            r = auth::handle(*a.t.app, kProfileProgram, other, counting);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 413, r.status);
            CPPUNIT_ASSERT(contains(r.body, "(at most 64 KiB)"));
        }
        CPPUNIT_ASSERT_EQUAL(0, reads);
        // The query string does not change the route's limit.
        env = post_env(a.b, "/profile?a=b", "multipart/form-data; boundary=x", 100 * 1024);
        r = auth::handle(*a.t.app, kProfileProgram, env, [](std::size_t n) { return std::string(n, 'x'); });
        CPPUNIT_ASSERT(r.status != 413);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PicturePageTest);

}  // namespace
