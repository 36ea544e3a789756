// Tests for view: pages in the shared layout, auto-escaping of every value,
// field errors, and the rule that every template declares its escaping.
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "web/view.hh"
#include "support.hh"

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string templates() { return test::source_dir() + "/templates"; }

}  // namespace

class ViewTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ViewTest);
    CPPUNIT_TEST(page_renders_inside_the_layout);
    CPPUNIT_TEST(base_path_reaches_layout_and_page);
    CPPUNIT_TEST(text_values_are_html_escaped);
    CPPUNIT_TEST(attribute_values_are_escaped);
    CPPUNIT_TEST(template_syntax_in_a_value_renders_literally);
    CPPUNIT_TEST(field_error_shows_text_tied_to_the_field);
    CPPUNIT_TEST(no_error_markup_without_errors);
    CPPUNIT_TEST(logged_in_and_logged_out_navigation);
    CPPUNIT_TEST(base_path_and_site_name_that_need_escaping);
    CPPUNIT_TEST(flash_and_csrf_token_are_shown_escaped);
    CPPUNIT_TEST(missing_template_is_an_error);
    CPPUNIT_TEST(malformed_template_is_an_error);
    CPPUNIT_TEST(every_template_declares_its_escaping);
    CPPUNIT_TEST(every_template_expands);
    CPPUNIT_TEST(a_frozen_page_keeps_none_of_its_values);
    CPPUNIT_TEST(a_section_shown_is_another_shape);
    CPPUNIT_TEST(frozen_values_are_escaped_as_ctemplate_escapes_them);
    CPPUNIT_TEST(an_escaping_not_known_is_expanded_each_time);
    CPPUNIT_TEST(more_shapes_than_kept_still_render);
    CPPUNIT_TEST(frozen_pages_are_bounded_in_bytes);
    CPPUNIT_TEST(markers_read_back);
    CPPUNIT_TEST(html_escape_keeps_what_ctemplate_keeps);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        view_ = std::make_unique<auth::View>(templates(), "/auth");
        view_->check_frozen_pages(true);
    }
    void tearDown() override { view_.reset(); }

    void page_renders_inside_the_layout() {
        auth::Page page("error.tpl", "Not Found", "/auth");
        page.set("HEADING", "Nothing here");
        page.set("MESSAGE", "There is no such page.");
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, html.rfind("<!DOCTYPE html>", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "<title>Not Found · sessionauth</title>"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "<h1>Nothing here</h1>"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "There is no such page."));
        // The page sits inside <main>, after the layout's header.
        auto main = html.find("<main"), heading = html.find("<h1>Nothing here"), end = html.find("</main>");
        CPPUNIT_ASSERT(main < heading && heading < end && end != std::string::npos);
        CPPUNIT_ASSERT(!has(html, "{{"));
    }

    void base_path_reaches_layout_and_page() {
        auth::Page page("error.tpl", "Error", "/auth");
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "href=\"/auth/css/site.css\""));  // layout
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "<a href=\"/auth/\">Back"));      // page
    }

    void text_values_are_html_escaped() {
        auth::Page page("error.tpl", "Error", "");
        page.set("MESSAGE", "<script>alert(1)</script> & more");
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, !has(html, "<script>alert"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
    }

    void attribute_values_are_escaped() {
        auth::Page page("login.tpl", "Log in", "");
        const std::string evil = "\"'><svg onload=x>";
        page.set("EMAIL", evil);
        page.set("NEXT", evil);
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, !has(html, evil));
        CPPUNIT_ASSERT_MESSAGE(html, !has(html, "<svg"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "&quot;&#39;&gt;&lt;svg onload=x&gt;"));
    }

    void template_syntax_in_a_value_renders_literally() {
        auth::Page page("error.tpl", "Error", "");
        page.set("MESSAGE", "{{BI_NEWLINE}}{{>HEADER}}{{BASE}}");
        page.set_user(std::string("{{TITLE}}{{#LOGGED_IN}}"));
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "{{BI_NEWLINE}}{{&gt;HEADER}}{{BASE}}"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "{{TITLE}}{{#LOGGED_IN}}"));
    }

    void field_error_shows_text_tied_to_the_field() {
        auth::Page page("login.tpl", "Log in", "");
        page.field_error("email", "Enter an email address like <name@example.com>.");
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "aria-describedby=\"email-error\""));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "aria-invalid=\"true\""));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "id=\"email-error\">Enter an email address like &lt;name@example.com&gt;."));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "Please correct the marked fields."));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "<title>Error: Log in · sessionauth</title>"));
        CPPUNIT_ASSERT_MESSAGE(html, !has(html, "aria-describedby=\"password-error\""));
    }

    void no_error_markup_without_errors() {
        auth::Page page("login.tpl", "Log in", "");
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT(!has(html, "aria-invalid"));
        CPPUNIT_ASSERT(!has(html, "email-error"));
        CPPUNIT_ASSERT(!has(html, "Please correct"));
        CPPUNIT_ASSERT(has(html, "<title>Log in · sessionauth</title>"));
    }

    void logged_in_and_logged_out_navigation() {
        auth::Page in("error.tpl", "Home", "/auth");
        in.set_user(std::string("Ada <Lovelace>"));
        std::string html = in.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "Ada &lt;Lovelace&gt;"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "href=\"/auth/logout\""));
        CPPUNIT_ASSERT_MESSAGE(html, !has(html, "href=\"/auth/login\""));

        auth::Page out("error.tpl", "Home", "/auth");
        out.set_user(std::nullopt);
        html = out.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "href=\"/auth/login\""));
        CPPUNIT_ASSERT_MESSAGE(html, !has(html, "href=\"/auth/logout\""));
    }

    // The base path and the site name are written into the templates once
    // when no escaping would change them; any other still goes through
    // ctemplate, escaped, and a second page of the same view is the same.
    void base_path_and_site_name_that_need_escaping() {
        // Two pages of each view: the second from the templates as the first left them.
        auto shows = [](auth::View& view, const std::string& base, const std::vector<std::string>& wanted,
                        const std::string& unwanted = "{{") {
            for (int i = 0; i < 2; ++i) {
                auth::Page page("error.tpl", "Error", base);
                std::string html = page.render(view);
                for (const std::string& w : wanted) CPPUNIT_ASSERT_MESSAGE(w + " in " + html, has(html, w));
                CPPUNIT_ASSERT_MESSAGE(html, !has(html, "{{") && !has(html, unwanted));
            }
        };
        auth::View escaped(templates(), "/a&b", "Ada's site");
        shows(escaped, "/a&b", {"href=\"/a&amp;b/css/site.css\"", "<a href=\"/a&amp;b/\">Back", "<title>Error · Ada&#39;s site</title>"},
              "/a&b/");
        auth::View plain(templates(), "/site", "My-site");
        shows(plain, "/site", {"href=\"/site/css/site.css\"", "<a href=\"/site/\">Back", "<title>Error · My-site</title>"});
    }

    void flash_and_csrf_token_are_shown_escaped() {
        auth::Page page("login.tpl", "Log in", "");
        page.set_flash("Saved <b>now</b>");
        page.set_csrf("tok\"en");
        std::string html = page.render(*view_);
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "Saved &lt;b&gt;now&lt;/b&gt;"));
        CPPUNIT_ASSERT_MESSAGE(html, has(html, "name=\"csrf_token\" value=\"tok&quot;en\""));
    }

    void missing_template_is_an_error() {
        auth::Page page("no-such-page.tpl", "Missing", "");
        CPPUNIT_ASSERT_THROW(page.render(*view_), std::runtime_error);
        CPPUNIT_ASSERT_THROW(page.render(*view_), std::runtime_error);  // the second time as well
        auth::View empty(test::source_dir() + "/no-such-dir", "");
        auth::Page page2("error.tpl", "Error", "");
        CPPUNIT_ASSERT_THROW(page2.render(empty), std::runtime_error);
    }

    void malformed_template_is_an_error() {
        test::TempDir dir;
        std::ofstream(dir.file("unquoted.tpl")) << "{{%AUTOESCAPE context=\"HTML\"}}<a href={{URL}}>x</a>\n";
        std::ofstream(dir.file("unclosed.tpl")) << "{{%AUTOESCAPE context=\"HTML\"}}{{#SECTION}}never closed\n";
        std::filesystem::copy_file(templates() + "/layout.tpl", dir.file("layout.tpl"));
        auth::View view(dir.path(), "");
        for (const char* tpl : {"unquoted.tpl", "unclosed.tpl"}) {
            auth::Page page(tpl, "Bad", "");
            page.set("URL", "/x");
            CPPUNIT_ASSERT_THROW_MESSAGE(tpl, page.render(view), std::runtime_error);
        }
    }

    void every_template_declares_its_escaping() {
        int count = 0;
        for (const auto& entry : std::filesystem::directory_iterator(templates())) {
            if (entry.path().extension() != ".tpl") continue;
            ++count;
            std::ifstream in(entry.path());
            std::string first;
            std::getline(in, first);
            const std::string name = entry.path().filename().string();
            bool html = first.rfind("{{%AUTOESCAPE context=\"HTML\"}}", 0) == 0;
            bool other = first.rfind("{{%AUTOESCAPE context=\"", 0) == 0;
            CPPUNIT_ASSERT_MESSAGE(name + " starts with: " + first, html || other);
            // Only mail templates may choose a non-HTML context.
            CPPUNIT_ASSERT_MESSAGE(name, html || name.find("mail") != std::string::npos);
        }
        CPPUNIT_ASSERT(count >= 6);
    }

    // Each freezes too (the view of these tests freezes at the first
    // request): a template that came to use an escaping FrozenPage does not
    // know would quietly cost a full expansion on every request.
    void every_template_expands() {
        std::size_t count = 0;
        for (const auto& entry : std::filesystem::directory_iterator(templates())) {
            if (entry.path().extension() != ".tpl") continue;
            ++count;
            const std::string name = entry.path().filename().string();
            auth::Page page(name, "Any", "");
            std::string out;
            try {
                out = page.render(*view_);
            } catch (const std::exception& e) {
                CPPUNIT_FAIL(name + ": " + e.what());
            }
            CPPUNIT_ASSERT_MESSAGE(name, !out.empty());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(name, count, view_->frozen_shapes());
        }
        CPPUNIT_ASSERT(count >= 30);
    }

    // The second page of a shape comes from the frozen text, with its own
    // values only: nothing of the first request's stays behind.
    void a_frozen_page_keeps_none_of_its_values() {
        auto profile = [&](const std::string& name, const std::string& email, const std::string& token) {
            auth::Page page("profile.tpl", "Your profile", "/auth");
            page.set("NAME", name);
            page.set("EMAIL", email);
            page.set_user(name);
            page.set_csrf(token);
            page.show("TWO_FACTOR_OFF");
            return page.render(*view_);
        };
        // Frozen at the second request of the shape (the first is only
        // expanded: a plain-CGI process serves one), used at the third;
        // without the tests' check, which freezes at once.
        view_->check_frozen_pages(false);
        std::string zeroth = profile("Cid", "cid@example.com", "token-of-cid");
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, view_->frozen_shapes());
        std::string first = profile("Ann <one>", "ann@example.com", "token-of-ann");
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, view_->frozen_shapes());
        std::string second = profile("Bob & two", "bob@example.com", "token-of-bob");
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, view_->frozen_shapes());  // the same shape
        CPPUNIT_ASSERT_MESSAGE(zeroth, has(zeroth, "cid@example.com") && !has(first, "Cid"));
        CPPUNIT_ASSERT_MESSAGE(first, has(first, "Ann &lt;one&gt;") && has(first, "token-of-ann"));
        CPPUNIT_ASSERT_MESSAGE(second, has(second, "value=\"Bob &amp; two\"") && has(second, "bob@example.com"));
        CPPUNIT_ASSERT_MESSAGE(second, has(second, "name=\"csrf_token\" value=\"token-of-bob\""));
        for (const char* theirs : {"Ann", "ann@example.com", "token-of-ann"})
            CPPUNIT_ASSERT_MESSAGE(theirs, !has(second, theirs));
    }

    void a_section_shown_is_another_shape() {
        auto login = [&](bool error) {
            auth::Page page("login.tpl", "Log in", "/auth");
            page.set("EMAIL", "ann@example.com");
            if (error) page.field_error("password", "Wrong <password>.");
            return page.render(*view_);
        };
        view_->check_frozen_pages(false);  // which freezes at once
        std::string wrong = login(true), plain = login(false);
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, view_->frozen_shapes());
        CPPUNIT_ASSERT_EQUAL(plain, login(false));
        std::string again = login(true);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, view_->frozen_shapes());
        CPPUNIT_ASSERT_EQUAL(plain, login(false));
        CPPUNIT_ASSERT_MESSAGE(wrong, has(wrong, "Wrong &lt;password&gt;.") && has(wrong, "<title>Error: Log in"));
        CPPUNIT_ASSERT_MESSAGE(plain, !has(plain, "Wrong") && !has(plain, "Error:") && !has(plain, "aria-invalid"));
        CPPUNIT_ASSERT_EQUAL(wrong, again);
    }

    // Text, an attribute, the start of a link (where a javascript: URL
    // becomes "#") and a query value, each frozen and each escaped as
    // ctemplate escapes it (check_frozen_pages compares every page).
    void frozen_values_are_escaped_as_ctemplate_escapes_them() {
        test::TempDir dir;
        std::filesystem::copy_file(templates() + "/layout.tpl", dir.file("layout.tpl"));
        std::ofstream(dir.file("kinds.tpl"))
            << "{{%AUTOESCAPE context=\"HTML\"}}<p title=\"{{T}}\">{{T}}</p><a href=\"{{URL}}\">a</a>"
               "<a href=\"/find?q={{Q:u}}\">b</a>\n";
        auth::View view(dir.path(), "");
        view.check_frozen_pages(true);
        auto page = [&](const std::string& t, const std::string& url, const std::string& q) {
            auth::Page p("kinds.tpl", "Kinds", "");
            p.set("T", t);
            p.set("URL", url);
            p.set("Q", q);
            return p.render(view);
        };
        std::string safe = page("plain", "/ok", "word");
        CPPUNIT_ASSERT_EQUAL(safe, page("plain", "/ok", "word"));  // frozen
        std::string evil = page("\"'><script>x</script>&\t", "javascript:alert(1)", "a b&c=d/é");
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, view.frozen_shapes());
        CPPUNIT_ASSERT_MESSAGE(safe, has(safe, "<p title=\"plain\">plain</p><a href=\"/ok\">a</a><a href=\"/find?q=word\">"));
        const std::string t = "&quot;&#39;&gt;&lt;script&gt;x&lt;/script&gt;&amp; ";
        CPPUNIT_ASSERT_MESSAGE(evil, has(evil, "<p title=\"" + t + "\">" + t + "</p>"));
        CPPUNIT_ASSERT_MESSAGE(evil, has(evil, "<a href=\"#\">a</a>"));
        CPPUNIT_ASSERT_MESSAGE(evil, has(evil, "/find?q=a+b%26c%3Dd/%C3%A9\""));
    }

    // A number in a script gets ctemplate's javascript_number, which this
    // view does not freeze: such a page is expanded by ctemplate each time.
    void an_escaping_not_known_is_expanded_each_time() {
        test::TempDir dir;
        std::filesystem::copy_file(templates() + "/layout.tpl", dir.file("layout.tpl"));
        std::ofstream(dir.file("script.tpl"))
            << "{{%AUTOESCAPE context=\"HTML\"}}<p>{{T}}</p><script>var n = {{N}};</script>\n";
        auth::View view(dir.path(), "");
        view.check_frozen_pages(true);
        for (std::string n : {"42", "alert(1)", "7"}) {
            auth::Page p("script.tpl", "Script", "");
            p.set("T", "<b>");
            p.set("N", n);
            std::string html = p.render(view);
            CPPUNIT_ASSERT_MESSAGE(html, has(html, "<p>&lt;b&gt;</p>"));
            CPPUNIT_ASSERT_MESSAGE(html, has(html, n == "alert(1)" ? "var n = null;" : "var n = " + n + ";"));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, view.frozen_shapes());
    }

    // A list makes a shape per length; past the view's limit they are
    // expanded each time, the same pages.
    void more_shapes_than_kept_still_render() {
        test::TempDir dir;
        std::filesystem::copy_file(templates() + "/layout.tpl", dir.file("layout.tpl"));
        std::ofstream(dir.file("list.tpl")) << "{{%AUTOESCAPE context=\"HTML\"}}<ul>{{#ROW}}<li>{{V}}</li>{{/ROW}}</ul>\n";
        auth::View view(dir.path(), "");
        view.check_frozen_pages(true);
        std::size_t kept = 0;
        for (int rows = 0; rows < 260; ++rows) {
            for (int twice = 0; twice < 2; ++twice) {
                auth::Page p("list.tpl", "List", "");
                for (int i = 0; i < rows; ++i) p.add_section("ROW").set("V", "<" + std::to_string(i + twice) + ">");
                std::string html = p.render(view);
                std::string expected = "<ul>";
                for (int i = 0; i < rows; ++i) expected += "<li>&lt;" + std::to_string(i + twice) + "&gt;</li>";
                CPPUNIT_ASSERT_MESSAGE(std::to_string(rows), has(html, expected + "</ul>"));
            }
            CPPUNIT_ASSERT(view.frozen_shapes() >= kept);
            kept = view.frozen_shapes();
        }
        CPPUNIT_ASSERT(kept >= 100 && kept < 260);
    }

    // What a process keeps of frozen pages is bounded in bytes: pages of
    // 100 KiB, each row count a shape of its own, stop being kept at 2 MiB
    // and are expanded from then on, the same pages.
    void frozen_pages_are_bounded_in_bytes() {
        test::TempDir dir;
        std::filesystem::copy_file(templates() + "/layout.tpl", dir.file("layout.tpl"));
        std::ofstream(dir.file("big.tpl")) << "{{%AUTOESCAPE context=\"HTML\"}}<p>" << std::string(100 * 1024, 'x')
                                           << "</p><ul>{{#ROW}}<li>{{V}}</li>{{/ROW}}</ul>\n";
        auth::View view(dir.path(), "");
        view.check_frozen_pages(true);
        for (int rows = 0; rows < 40; ++rows) {
            auth::Page p("big.tpl", "Big", "");
            for (int i = 0; i < rows; ++i) p.add_section("ROW").set("V", "<" + std::to_string(i) + ">");
            std::string html = p.render(view);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(rows), has(html, "<ul>" + std::string(rows ? "<li>&lt;0&gt;</li>" : "</ul>")));
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(view.frozen_shapes()), view.frozen_shapes() >= 15 && view.frozen_shapes() <= 20);
    }

    void markers_read_back() {
        for (std::size_t i : {0, 1, 24, 25, 26, 624, 625, 99999}) {
            std::string m = auth::PageFill::marker(i);
            CPPUNIT_ASSERT_MESSAGE(m, m.find_first_not_of("abcdefghijklmnopqrstuvwxyzZ") == std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, auth::PageFill::marker_index(m) == std::optional<std::size_t>(i));
        }
        for (const char* not_one : {"", "zZZz", "zZbaZz", "zZzZz", "zZAZz", "xzZaZz", "zZaZzx", "zZaZ"})
            CPPUNIT_ASSERT_MESSAGE(not_one, !auth::PageFill::marker_index(not_one));
    }

    // The copy FrozenPage makes of a value without escaping it is right
    // only for bytes ctemplate's html_escape leaves alone: all 256 checked.
    void html_escape_keeps_what_ctemplate_keeps() {
        for (int b = 0; b < 256; ++b) {
            std::string value = "a" + std::string(1, static_cast<char>(b)) + "b";
            bool same = ctemplate::html_escape(value) == value;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(b), same, auth::FrozenPage::html_escape_keeps(value));
        }
    }

private:
    std::unique_ptr<auth::View> view_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ViewTest);
