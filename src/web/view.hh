// HTML through ctemplate only, with auto-escaping: every template starts with
// {{%AUTOESCAPE context="HTML"}}. A page template is included into the
// shared layout (templates/layout.tpl) as CONTENT; its values go into
// content(), the layout's (title, navigation, flash) are set here.
#pragma once
#include <ctemplate/template.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace auth {

class View {
public:
    // `site_name` (SITE_NAME) is {{SITE_NAME}} in every page.
    View(const std::string& template_dir, std::string base_path, std::string site_name = "sessionauth");
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    // Expands `tpl` with `dict`; throws std::runtime_error on any failure
    // (a missing or malformed template), never returns half a page.
    std::string expand(const std::string& tpl, const ctemplate::TemplateDictionary& dict);
    // Loads `tpl` (once) with the base path written in for {{BASE}}.
    void prepare(const std::string& tpl);
    const std::string& site_name() const { return site_name_; }

private:
    std::unique_ptr<ctemplate::TemplateCache> cache_;
    std::string template_dir_;
    std::unordered_set<std::string> prepared_;
    std::string base_path_;
    std::string site_name_;
};

// A section of a page template that repeats or holds its own values
// ({{#NAME}}...{{/NAME}}), filled like the page.
class Section {
public:
    explicit Section(ctemplate::TemplateDictionary* dict) : dict_(dict) {}
    void set(std::string_view key, const std::string& value);
    void show(std::string_view section);

private:
    ctemplate::TemplateDictionary* dict_;
};

// One page being built: the layout's dictionary and, inside it, the page's.
// Pages fill it through set/show/add_section, never through ctemplate.
// `base_path` is the View's (both are BASE_URL's path): the View writes it
// into the templates where it can (View::prepare).
class Page {
public:
    Page(std::string tpl, std::string title, const std::string& base_path);
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    // A value for the page template ({{KEY}}).
    void set(std::string_view key, const std::string& value);
    // A value that shows its section too: {{#SECTION}}...{{KEY}}...{{/SECTION}}.
    void set_in(std::string_view section, std::string_view key, const std::string& value);
    void show(std::string_view section);
    // One more instance of a repeated section (a row of a list), to fill.
    Section add_section(std::string_view section);
    // An error message tied to a field: shows FIELD_ERROR with its text.
    void field_error(const std::string& field, const std::string& message);

    void set_user(const std::optional<std::string>& name);
    // The logged-in person's picture in the navigation: its file name in PICTURE_DIR.
    void set_user_picture(const std::string& name);
    void set_flash(const std::string& text);
    void set_csrf(const std::string& token);
    // <meta name="robots" content="noindex"> in the layout (the admin area).
    void noindex();

    std::string render(View& view);

private:
    ctemplate::TemplateDictionary root_;
    std::string tpl_;  // the page template, included as CONTENT
    ctemplate::TemplateDictionary* content_;
    bool has_errors_ = false;
};

}  // namespace auth
