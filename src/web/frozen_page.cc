#include "web/frozen_page.hh"

#include <ctemplate/per_expand_data.h>
#include <ctemplate/template_annotator.h>
#include <ctemplate/template_emitter.h>
#include <ctemplate/template_modifiers.h>

#include <array>
#include <string_view>
#include <utility>

namespace auth {

namespace {

// Bytes no template of the site holds (freeze checks it): where ctemplate
// starts and ends writing a variable.
constexpr char kOpen = '\x01', kClose = '\x02';

// What follows each marker in freeze's last check: what HTML, attribute,
// URL and query escaping change, a scheme ctemplate refuses in a link, and
// bytes beyond ASCII.
constexpr std::string_view kProbe = " \"'<>&\t\r\n\v\f=:/?#%+;javascript:\xc3\xa9\x7f";

// ctemplate tells an annotator, for each variable it writes, the variable's
// name and its modifiers' long names ("EMAIL:html_escape"). This one marks
// the place in the page and keeps the modifiers, in order.
class Places final : public ctemplate::TemplateAnnotator {
public:
    std::vector<std::string> variables;
    bool missing_file = false;

    void EmitOpenVariable(ctemplate::ExpandEmitter* out, const std::string& variable) override {
        variables.push_back(variable);
        out->Emit(kOpen);
    }
    void EmitCloseVariable(ctemplate::ExpandEmitter* out) override { out->Emit(kClose); }
    void EmitFileIsMissing(ctemplate::ExpandEmitter*, const std::string&) override { missing_file = true; }
    void EmitOpenInclude(ctemplate::ExpandEmitter*, const std::string&) override {}
    void EmitCloseInclude(ctemplate::ExpandEmitter*) override {}
    void EmitOpenFile(ctemplate::ExpandEmitter*, const std::string&) override {}
    void EmitCloseFile(ctemplate::ExpandEmitter*) override {}
    void EmitOpenSection(ctemplate::ExpandEmitter*, const std::string&) override {}
    void EmitCloseSection(ctemplate::ExpandEmitter*) override {}
};

// The modifier behind a variable's annotation, for the single modifiers that
// auto-escaping in HTML chooses (the site's templates use the first three).
// None for anything else, a chain included: such a page is not frozen.
const ctemplate::TemplateModifier* escape_of(std::string_view variable) {
    auto colon = variable.find(':');
    if (colon == std::string_view::npos) return &ctemplate::null_modifier;  // written as it is
    std::string_view name = variable.substr(colon + 1);
    if (name.find(':') != std::string_view::npos) return nullptr;
    static const std::pair<std::string_view, const ctemplate::TemplateModifier*> known[] = {
        {"html_escape", &ctemplate::html_escape},
        {"url_escape_with_arg=html", &ctemplate::validate_url_and_html_escape},
        {"url_query_escape", &ctemplate::url_query_escape},
        {"html_escape_with_arg=attribute", &ctemplate::cleanse_attribute},
        {"img_src_url_escape_with_arg=html", &ctemplate::validate_img_src_url_and_html_escape},
        {"none", &ctemplate::null_modifier},
    };
    for (const auto& [long_name, modifier] : known)
        if (name == long_name) return modifier;
    return nullptr;
}

// The bytes ctemplate's html_escape changes: & " ' < > and the whitespace
// other than space.
constexpr auto kHtmlSpecial = [] {
    std::array<bool, 256> special{};
    for (unsigned char c : std::string_view("&\"'<>\r\n\v\f\t")) special[c] = true;
    return special;
}();

bool expand(ctemplate::TemplateCache& cache, const std::string& layout, ctemplate::Strip strip,
            const PageFill& fill, ctemplate::PerExpandData* data, std::string* out) {
    ctemplate::TemplateDictionary dict("layout");
    fill.replay(dict);
    return cache.ExpandWithData(layout, strip, &dict, data, out);
}

}  // namespace

bool FrozenPage::html_escape_keeps(std::string_view value) {
    for (unsigned char c : value)
        if (kHtmlSpecial[c]) return false;
    return true;
}

std::optional<FrozenPage> FrozenPage::freeze(ctemplate::TemplateCache& cache, const std::string& layout,
                                             ctemplate::Strip strip, const PageFill& fill) {
    const PageFill marked = fill.marked();
    Places places;
    ctemplate::PerExpandData data;
    data.SetAnnotateOutput("");
    data.SetAnnotator(&places);
    std::string annotated, plain;
    if (!expand(cache, layout, strip, marked, &data, &annotated) || places.missing_file) return std::nullopt;
    if (!expand(cache, layout, strip, marked, nullptr, &plain)) return std::nullopt;
    if (plain.find_first_of(std::string_view("\x01\x02", 2)) != std::string::npos) return std::nullopt;

    FrozenPage page;
    std::size_t at = 0, next = 0;
    for (;;) {
        std::size_t open = annotated.find(kOpen, at);
        page.text_.append(annotated, at, open == std::string::npos ? std::string::npos : open - at);
        if (open == std::string::npos) break;
        std::size_t close = annotated.find(kClose, open + 1);
        if (close == std::string::npos || next == places.variables.size()) return std::nullopt;
        const ctemplate::TemplateModifier* escape = escape_of(places.variables[next++]);
        if (!escape) return std::nullopt;
        std::string_view written(annotated.data() + open + 1, close - open - 1);
        if (!written.empty()) {
            // A value the page set, found by its marker. Anything else (a
            // value ctemplate found elsewhere, such as {{BI_SPACE}}) leaves
            // the page to ctemplate.
            std::optional<std::size_t> value = PageFill::marker_index(written);
            if (!value || !marked.has_value(*value)) return std::nullopt;
            page.slots_.push_back({page.text_.size(), *value, escape});
        }
        at = close + 1;
    }
    if (next != places.variables.size()) return std::nullopt;
    // Filled with the markers, it must be ctemplate's page byte for byte.
    if (page.fill(marked) != plain) return std::nullopt;
    // The markers are letters, which no escaping changes: with each followed
    // by the characters that escaping does change, the page must still be
    // ctemplate's, or an escaping was taken for another.
    const PageFill probed = fill.marked(kProbe);
    std::string expected;
    if (!expand(cache, layout, strip, probed, nullptr, &expected) || page.fill(probed) != expected) return std::nullopt;
    return page;
}

std::string FrozenPage::fill(const PageFill& fill) const {
    std::string out;
    out.reserve(text_.size() + fill.value_bytes() + fill.value_bytes() / 4 + 256);
    ctemplate::StringEmitter emitter(&out);
    // Most values (the CSRF token, an address, a date) have nothing to
    // escape: copied at once rather than through ctemplate's emitter. Each
    // of the first values is looked at once, however often the page shows
    // it (the CSRF token in each form).
    enum : unsigned char { kUnknown, kKeeps, kChanges };
    std::array<unsigned char, 256> looked{};
    std::size_t at = 0;
    for (const Slot& slot : slots_) {
        out.append(text_, at, slot.at - at);
        at = slot.at;
        std::string_view value = fill.value_at(slot.value);
        bool keeps = false;
        if (slot.escape == &ctemplate::html_escape) {
            if (slot.value >= looked.size())
                keeps = html_escape_keeps(value);
            else if (looked[slot.value] == kUnknown)
                looked[slot.value] = (keeps = html_escape_keeps(value)) ? kKeeps : kChanges;
            else
                keeps = looked[slot.value] == kKeeps;
        }
        if (keeps)
            out.append(value);
        else
            slot.escape->Modify(value.data(), value.size(), nullptr, &emitter, "");
    }
    out.append(text_, at, std::string::npos);
    return out;
}

}  // namespace auth
