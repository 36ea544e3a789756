#include "web/view.hh"

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace auth {

namespace {
// Room for a whole page at once, so that the expansion does not grow the
// string a dozen times (the profile page is about 5 KiB).
constexpr std::size_t kPageReserve = 8 * 1024;

// A value's name as ctemplate wants it. Handed a plain string, a dictionary
// hashes the name and looks it up in ctemplate's global id-to-name table,
// under a lock, for every value and section set: about 400 instructions
// each, some 30 times a page (an eighth of GET /profile). A name made once
// into a StaticTemplateString carries its id, and the dictionary skips all
// that. The names are the pages' own (literals and field names, never
// request data), so the tables stay small. ctemplate's table keeps pointing
// at the names, so they live as long as the process, in one store (its lock
// taken only for a name not seen before); each thread looks them up in a
// table of its own, without a lock.
//
// Before even that table, a few recent names by where the caller's text is
// (a literal of the page's code, nearly always): a name found there costs
// a comparison of its text with the one kept, instead of hashing it.
ctemplate::TemplateString key(std::string_view name) {
    struct Recent {
        const char* where = nullptr;
        ctemplate::TemplateString name{""};
    };
    thread_local std::array<Recent, 64> recent;
    Recent& slot = recent[(reinterpret_cast<std::uintptr_t>(name.data()) >> 3) % recent.size()];
    if (slot.where == name.data() && std::string_view(slot.name.data(), slot.name.size()) == name) return slot.name;

    thread_local std::unordered_map<std::string_view, ctemplate::TemplateString> seen;
    auto it = seen.find(name);
    if (it != seen.end()) {
        slot = {name.data(), it->second};
        return it->second;
    }

    struct Interned {
        std::string name;
        ctemplate::StaticTemplateString sts{};
    };
    static std::mutex lock;
    static std::unordered_map<std::string_view, std::unique_ptr<Interned>> names;
    std::lock_guard<std::mutex> hold(lock);
    auto known = names.find(name);
    if (known == names.end()) {
        auto entry = std::make_unique<Interned>();
        entry->name = std::string(name);
        entry->sts.do_not_use_directly_ = {entry->name.data(), entry->name.size(), ctemplate::kIllegalTemplateId};
        ctemplate::StaticTemplateStringInitializer computes_id(&entry->sts);
        std::string_view stable = entry->name;  // the entry never moves: the map holds a pointer to it
        known = names.emplace(stable, std::move(entry)).first;
    }
    ctemplate::TemplateString made = seen.emplace(known->first, ctemplate::TemplateString(known->second->sts)).first->second;
    slot = {name.data(), made};
    return made;
}
}  // namespace

View::View(const std::string& template_dir, std::string base_path, std::string site_name)
    : cache_(std::make_unique<ctemplate::TemplateCache>()),
      template_dir_(template_dir),
      base_path_(std::move(base_path)),
      site_name_(std::move(site_name)) {
    cache_->SetTemplateRootDirectory(template_dir);
}

namespace {

// `placeholder` replaced by `value` throughout `text`, when `value` has only
// characters that no escaping of ctemplate changes (in text, attributes and
// URLs alike), so that the page is the same byte for byte; otherwise left
// for ctemplate.
void write_in(std::string& text, std::string_view placeholder, const std::string& value) {
    if (value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_.~") != std::string::npos)
        return;
    for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size()))
        text.replace(at, placeholder.size(), value);
}

}  // namespace

// {{BASE}} is in front of every link and form target, some twenty times a
// page, and {{SITE_NAME}} in the title and footer: the same for every
// request of the process, yet ctemplate looked them up and escaped them
// each time (a sixth of the expansion). Written into the template text
// once, when the template is first used, they cost nothing (Page still sets
// them, for a value write_in leaves). A template that cannot be read or
// parsed is left to ctemplate, which then fails as before.
void View::prepare(const std::string& tpl) {
    if (!prepared_.insert(tpl).second) return;
    std::ifstream in(template_dir_ + "/" + tpl, std::ios::binary);
    if (!in) return;
    std::ostringstream read;
    read << in.rdbuf();
    std::string text = read.str();
    write_in(text, "{{BASE}}", base_path_);
    write_in(text, "{{SITE_NAME}}", site_name_);
    cache_->StringToTemplateCache(tpl, text, ctemplate::STRIP_BLANK_LINES);
}

namespace {
// A shape with more steps than this (a long list) is expanded each time:
// its key and text would be large, and lists vary in length anyway.
constexpr std::size_t kMaxSteps = 256;
// What a process keeps of shapes at most, keys and frozen text together: a
// page has a handful of shapes (logged in or not, a flash, field errors)
// of about its size (5 KiB for the profile); lists make one per length.
// Shapes met after that are expanded each time.
constexpr std::size_t kShapeBytes = 2 * 1024 * 1024;
}  // namespace

// The first request of a shape is expanded by ctemplate; the second
// freezes the shape (three expansions more); from then on a request copies
// its fixed text and escapes its values into it. What the cache holds comes
// from the templates and the pages' shapes alone, never from a request's
// values.
std::string View::render(const PageFill& fill) {
    const bool keepable = fill.step_count() <= kMaxSteps;
    auto known = keepable ? shapes_.find(fill) : shapes_.end();
    if (known == shapes_.end()) {
        prepare("layout.tpl");
        prepare(fill.tpl());
        if (!keepable || shape_bytes_ + fill.shape_bytes() > kShapeBytes) return expand(fill);
        known = shapes_.emplace(fill.shape_only(), Shape{}).first;
        shape_bytes_ += fill.shape_bytes();
        if (!check_frozen_) return expand(fill);  // tests freeze at once, to compare every page
    }
    Shape& shape = known->second;
    if (!shape.tried) {
        shape.tried = true;
        shape.page = FrozenPage::freeze(*cache_, "layout.tpl", ctemplate::STRIP_BLANK_LINES, fill);
        if (shape.page && shape_bytes_ + shape.page->bytes() > kShapeBytes) shape.page.reset();
        if (shape.page) shape_bytes_ += shape.page->bytes();
    }
    if (!shape.page) return expand(fill);
    std::string page = shape.page->fill(fill);
    if (check_frozen_ && page != expand(fill))
        throw std::logic_error("the frozen page " + fill.tpl() + " differs from ctemplate's expansion");
    return page;
}

std::size_t View::frozen_shapes() const {
    std::size_t n = 0;
    for (const auto& [text, shape] : shapes_) n += shape.page.has_value();
    return n;
}

std::string View::expand(const PageFill& fill) {
    ctemplate::TemplateDictionary layout("layout");
    fill.replay(layout);
    std::string out;
    out.reserve(kPageReserve);
    if (!cache_->ExpandWithData("layout.tpl", ctemplate::STRIP_BLANK_LINES, &layout, nullptr, &out))
        throw std::runtime_error("template " + fill.tpl() + " could not be expanded (missing or malformed)");
    return out;
}

Page::Page(std::string tpl, std::string title, const std::string& base_path) : fill_(std::move(tpl)) {
    fill_.global(key("BASE"), base_path);
    fill_.global(key("TITLE"), title);
}

void Section::set(std::string_view name, const std::string& value) { fill_.value(dict_, key(name), value); }
void Section::show(std::string_view section) { fill_.show(dict_, key(section)); }

void Page::set(std::string_view name, const std::string& value) { fill_.value(PageFill::kContent, key(name), value); }

// As ctemplate's SetValueAndShowSection: a section of its own holding the
// value, and nothing for an empty value.
void Page::value_in_section(PageFill::Dict dict, std::string_view section, std::string_view name,
                            const std::string& value) {
    if (!value.empty()) fill_.value(fill_.section(dict, key(section)), key(name), value);
}

void Page::set_in(std::string_view section, std::string_view name, const std::string& value) {
    value_in_section(PageFill::kContent, section, name, value);
}

void Page::show(std::string_view section) { fill_.show(PageFill::kContent, key(section)); }

Section Page::add_section(std::string_view section) {
    return Section(fill_, fill_.section(PageFill::kContent, key(section)));
}

void Page::set_csrf(const std::string& token) { fill_.global(key("CSRF_TOKEN"), token); }

void Page::noindex() { fill_.show(PageFill::kLayout, key("NOINDEX")); }

void Page::field_error(const std::string& field, const std::string& message) {
    std::string name = field;
    for (char& c : name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    name += "_ERROR";
    value_in_section(PageFill::kContent, name, name, message);
    if (!has_errors_) {
        has_errors_ = true;
        fill_.show(PageFill::kContent, key("HAS_ERRORS"));
        fill_.value(PageFill::kLayout, key("ERROR_PREFIX"), "Error: ");
    }
}

void Page::set_user(const std::optional<std::string>& name) {
    if (name) {
        fill_.show(PageFill::kLayout, key("LOGGED_IN"));
        fill_.value(PageFill::kLayout, key("USER_NAME"), *name);
    } else {
        fill_.show(PageFill::kLayout, key("LOGGED_OUT"));
    }
}

void Page::set_user_picture(const std::string& name) {
    value_in_section(PageFill::kLayout, "HAS_USER_PICTURE", "USER_PICTURE", name);
}

void Page::set_flash(const std::string& text) {
    value_in_section(PageFill::kLayout, "FLASH", "FLASH_TEXT", text);
}

std::string Page::render(View& view) {
    fill_.global(key("SITE_NAME"), view.site_name());
    return view.render(fill_);
}

}  // namespace auth
