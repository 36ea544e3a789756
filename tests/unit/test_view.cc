// Tests for view: pages in the shared layout, auto-escaping of every value,
// field errors, and the rule that every template declares its escaping.
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <memory>
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
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { view_ = std::make_unique<auth::View>(templates(), "/auth"); }
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
        ctemplate::TemplateDictionary dict("d");
        CPPUNIT_ASSERT_THROW(view_->expand("no-such-page.tpl", dict), std::runtime_error);
        auth::View empty(test::source_dir() + "/no-such-dir", "");
        auth::Page page2("error.tpl", "Error", "");
        CPPUNIT_ASSERT_THROW(page2.render(empty), std::runtime_error);
    }

    void malformed_template_is_an_error() {
        test::TempDir dir;
        std::ofstream(dir.file("unquoted.tpl")) << "{{%AUTOESCAPE context=\"HTML\"}}<a href={{URL}}>x</a>\n";
        std::ofstream(dir.file("unclosed.tpl")) << "{{%AUTOESCAPE context=\"HTML\"}}{{#SECTION}}never closed\n";
        auth::View view(dir.path(), "");
        ctemplate::TemplateDictionary dict("d");
        dict.SetValue("URL", "/x");
        CPPUNIT_ASSERT_THROW(view.expand("unquoted.tpl", dict), std::runtime_error);
        CPPUNIT_ASSERT_THROW(view.expand("unclosed.tpl", dict), std::runtime_error);
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

    void every_template_expands() {
        for (const auto& entry : std::filesystem::directory_iterator(templates())) {
            if (entry.path().extension() != ".tpl") continue;
            const std::string name = entry.path().filename().string();
            ctemplate::TemplateDictionary dict("d");
            std::string out;
            try {
                out = view_->expand(name, dict);
            } catch (const std::exception& e) {
                CPPUNIT_FAIL(name + ": " + e.what());
            }
            CPPUNIT_ASSERT_MESSAGE(name, !out.empty());
        }
    }

private:
    std::unique_ptr<auth::View> view_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ViewTest);
