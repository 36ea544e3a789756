// HTML through ctemplate only, with auto-escaping: every template starts with
// {{%AUTOESCAPE context="HTML"}}. A page template is included into the
// shared layout (templates/layout.tpl) as CONTENT; its values go into
// content(), the layout's (title, navigation, flash) are set here.
#pragma once
#include <ctemplate/template.h>

#include <memory>
#include <optional>
#include <string>

namespace auth {

class View {
public:
    View(const std::string& template_dir, std::string base_path);
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    // Expands `tpl` with `dict`; throws std::runtime_error on any failure
    // (a missing or malformed template), never returns half a page.
    std::string expand(const std::string& tpl, const ctemplate::TemplateDictionary& dict);
    // The same for plain-text templates (mail bodies): whitespace kept.
    std::string expand_text(const std::string& tpl, const ctemplate::TemplateDictionary& dict);
    const std::string& base_path() const { return base_path_; }

private:
    std::unique_ptr<ctemplate::TemplateCache> cache_;
    std::string base_path_;
};

// One page being built: the layout's dictionary and, inside it, the page's.
class Page {
public:
    Page(std::string tpl, std::string title, const std::string& base_path);
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    ctemplate::TemplateDictionary& content() { return *content_; }
    // Text for the page template: set and show the section of the same name.
    void set(const std::string& key, const std::string& value);
    void show(const std::string& section) { content_->ShowSection(section); }
    // An error message tied to a field: shows FIELD_ERROR with its text.
    void field_error(const std::string& field, const std::string& message);

    void set_user(const std::optional<std::string>& name);
    // The logged-in person's picture in the navigation: its file name in PICTURE_DIR.
    void set_user_picture(const std::string& name);
    void set_flash(const std::string& text);
    void set_csrf(const std::string& token) { root_.SetTemplateGlobalValue("CSRF_TOKEN", token); }

    std::string render(View& view);

private:
    ctemplate::TemplateDictionary root_;
    ctemplate::TemplateDictionary* content_;
    bool has_errors_ = false;
};

}  // namespace auth
