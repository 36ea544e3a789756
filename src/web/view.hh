// HTML through ctemplate only, with auto-escaping: every template starts with
// {{%AUTOESCAPE context="HTML"}}. A page template is included into the
// shared layout (templates/layout.tpl) as CONTENT; a Page sets its values,
// and the layout's (title, navigation, flash), and a View makes the HTML.
#pragma once
#include <ctemplate/template.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "web/frozen_page.hh"
#include "web/page_fill.hh"

namespace auth {

// One request at a time: a process's requests take turns (serve.cc), and
// no other thread renders pages.
class View {
public:
    // `site_name` (SITE_NAME) is {{SITE_NAME}} in every page.
    View(const std::string& template_dir, std::string base_path, std::string site_name = "sessionauth");
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    // The page `fill` makes in the layout; throws std::runtime_error on any
    // failure (a missing or malformed template), never returns half a page.
    std::string render(const PageFill& fill);
    const std::string& site_name() const { return site_name_; }
    // Tests: freeze every page shape at its first request, expand each page
    // with ctemplate as well and throw std::logic_error if the frozen page
    // differs by a byte.
    void check_frozen_pages(bool on) { check_frozen_ = on; }
    // How many page shapes this view keeps frozen.
    std::size_t frozen_shapes() const;

private:
    // Loads `tpl` (once) with the base path written in for {{BASE}}.
    void prepare(const std::string& tpl);
    std::string expand(const PageFill& fill);

    // A request's fill is looked up among the shapes kept (shape_only()).
    struct ShapeHash {
        std::size_t operator()(const PageFill& fill) const { return fill.shape_hash(); }
    };
    struct SameShape {
        bool operator()(const PageFill& a, const PageFill& b) const { return a.same_shape(b); }
    };
    std::unique_ptr<ctemplate::TemplateCache> cache_;
    std::string template_dir_;
    std::unordered_set<std::string> prepared_;
    // A page shape seen: frozen the second time it is asked for, so that a
    // process that serves one request (plain CGI) never pays for freezing.
    struct Shape {
        bool tried = false;
        std::optional<FrozenPage> page;  // nothing when it cannot be frozen
    };
    // Up to kShapeBytes of keys and frozen text (view.cc).
    std::unordered_map<PageFill, Shape, ShapeHash, SameShape> shapes_;
    std::size_t shape_bytes_ = 0;
    bool check_frozen_ = false;
    std::string base_path_;
    std::string site_name_;
};

// A section of a page template that repeats or holds its own values
// ({{#NAME}}...{{/NAME}}), filled like the page.
class Section {
public:
    Section(PageFill& fill, PageFill::Dict dict) : fill_(fill), dict_(dict) {}
    void set(std::string_view key, const std::string& value);
    void show(std::string_view section);

private:
    PageFill& fill_;
    PageFill::Dict dict_;
};

// One page being built: what it sets for the layout and, inside it, for the
// page template, recorded in order (PageFill) until it is rendered.
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
    void value_in_section(PageFill::Dict dict, std::string_view section, std::string_view name,
                          const std::string& value);
    PageFill fill_;
    bool has_errors_ = false;
};

}  // namespace auth
