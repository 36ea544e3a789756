#include "web/view.hh"

#include <stdexcept>

namespace auth {

namespace {
// Room for a whole page at once, so that the expansion does not grow the
// string a dozen times (the profile page is about 4 KiB).
constexpr std::size_t kPageReserve = 8 * 1024;
}  // namespace

View::View(const std::string& template_dir, std::string base_path, std::string site_name)
    : cache_(std::make_unique<ctemplate::TemplateCache>()),
      base_path_(std::move(base_path)),
      site_name_(std::move(site_name)) {
    cache_->SetTemplateRootDirectory(template_dir);
}

std::string View::expand(const std::string& tpl, const ctemplate::TemplateDictionary& dict) {
    std::string out;
    out.reserve(kPageReserve);
    if (!cache_->ExpandWithData(tpl, ctemplate::STRIP_BLANK_LINES, &dict, nullptr, &out))
        throw std::runtime_error("template " + tpl + " could not be expanded (missing or malformed)");
    return out;
}

Page::Page(std::string tpl, std::string title, const std::string& base_path) : root_("layout") {
    root_.SetTemplateGlobalValue("BASE", base_path);
    root_.SetTemplateGlobalValue("TITLE", title);
    content_ = root_.AddIncludeDictionary("CONTENT");
    content_->SetFilename(tpl);
}

void Section::set(const std::string& key, const std::string& value) { dict_->SetValue(key, value); }
void Section::show(const std::string& section) { dict_->ShowSection(section); }

void Page::set(const std::string& key, const std::string& value) { content_->SetValue(key, value); }

void Page::set_in(const std::string& section, const std::string& key, const std::string& value) {
    content_->SetValueAndShowSection(key, value, section);
}

void Page::field_error(const std::string& field, const std::string& message) {
    std::string key = field;
    for (char& c : key) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    content_->SetValueAndShowSection(key + "_ERROR", message, key + "_ERROR");
    if (!has_errors_) {
        has_errors_ = true;
        content_->ShowSection("HAS_ERRORS");
        root_.SetValue("ERROR_PREFIX", "Error: ");
    }
}

void Page::set_user(const std::optional<std::string>& name) {
    if (name) {
        root_.ShowSection("LOGGED_IN");
        root_.SetValue("USER_NAME", *name);
    } else {
        root_.ShowSection("LOGGED_OUT");
    }
}

void Page::set_user_picture(const std::string& name) {
    if (!name.empty()) root_.SetValueAndShowSection("USER_PICTURE", name, "HAS_USER_PICTURE");
}

void Page::set_flash(const std::string& text) {
    root_.SetValueAndShowSection("FLASH_TEXT", text, "FLASH");
}

std::string Page::render(View& view) {
    root_.SetTemplateGlobalValue("SITE_NAME", view.site_name());
    return view.expand("layout.tpl", root_);
}

}  // namespace auth
