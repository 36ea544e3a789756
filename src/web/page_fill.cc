#include "web/page_fill.hh"

#include <cstring>

namespace auth {

namespace {
// A marker is "zZ", the number in letters a to y (the lowest first), "Zz":
// letters only, which neither HTML, URL nor query escaping changes.
constexpr std::string_view kMarkerStart = "zZ", kMarkerEnd = "Zz";
constexpr std::size_t kMarkerBase = 25;
}  // namespace

// Room for a page's steps and values at once (the profile page has about
// 30 steps and 1 KiB of values), so that they are not grown step by step.
PageFill::PageFill(std::string tpl) : tpl_(std::move(tpl)) {
    steps_.reserve(48);
    ends_.reserve(48);
    values_.reserve(1024);
    shape_.reserve(tpl_.size() + 1 + 48 * kStepBytes);
    shape_ = tpl_;
    shape_ += '\0';
}

// A step of the shape: the operation, the dictionary and where the name's
// text lives. Names live as long as the process (see the header), so one
// place is always one name.
void PageFill::add(Op op, Dict dict, const ctemplate::TemplateString& name) {
    steps_.push_back({op, dict, name});
    char step[kStepBytes];
    const char* where = name.data();
    step[0] = static_cast<char>(op);
    std::memcpy(step + 1, &dict, sizeof dict);
    std::memcpy(step + 1 + sizeof dict, &where, sizeof where);
    shape_.append(step, kStepBytes);
}

void PageFill::keep(std::string_view value) {
    values_.append(value);
    ends_.push_back(static_cast<std::uint32_t>(values_.size()));
}

void PageFill::value(Dict dict, const ctemplate::TemplateString& name, std::string_view value) {
    add(Op::Value, dict, name);
    keep(value);
}

void PageFill::global(const ctemplate::TemplateString& name, std::string_view value) {
    add(Op::Global, kLayout, name);
    keep(value);
}

void PageFill::show(Dict dict, const ctemplate::TemplateString& section) { add(Op::Show, dict, section); }

PageFill::Dict PageFill::section(Dict dict, const ctemplate::TemplateString& section) {
    add(Op::Section, dict, section);
    return dicts_++;
}

std::string_view PageFill::value_at(std::size_t i) const {
    std::size_t start = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(values_).substr(start, ends_[i] - start);
}

PageFill PageFill::marked(std::string_view then) const {
    PageFill copy = *this;
    copy.values_.clear();
    copy.ends_.clear();
    for (std::size_t i = 0; i < ends_.size(); ++i) copy.keep(marker(i) + std::string(then));
    return copy;
}

std::string PageFill::marker(std::size_t i) {
    std::string text(kMarkerStart);
    do {
        text += static_cast<char>('a' + i % kMarkerBase);
        i /= kMarkerBase;
    } while (i != 0);
    text += kMarkerEnd;
    return text;
}

std::optional<std::size_t> PageFill::marker_index(std::string_view text) {
    if (text.size() <= kMarkerStart.size() + kMarkerEnd.size() || !text.starts_with(kMarkerStart) ||
        !text.ends_with(kMarkerEnd))
        return std::nullopt;
    std::string_view digits = text.substr(kMarkerStart.size(), text.size() - kMarkerStart.size() - kMarkerEnd.size());
    if (digits.size() > 6) return std::nullopt;
    std::size_t i = 0;
    for (auto d = digits.rbegin(); d != digits.rend(); ++d) {
        if (*d < 'a' || *d >= static_cast<char>('a' + kMarkerBase)) return std::nullopt;
        i = i * kMarkerBase + static_cast<std::size_t>(*d - 'a');
    }
    if (marker(i) != text) return std::nullopt;  // "zZbaZz" is 1, written "zZbZz"
    return i;
}

void PageFill::replay(ctemplate::TemplateDictionary& layout) const {
    std::vector<ctemplate::TemplateDictionary*> dicts{&layout, layout.AddIncludeDictionary("CONTENT")};
    dicts[kContent]->SetFilename(tpl_);
    std::size_t v = 0;
    for (const Step& step : steps_) {
        switch (step.op) {
            case Op::Value: {
                std::string_view text = value_at(v++);
                dicts[step.dict]->SetValue(step.name, ctemplate::TemplateString(text.data(), text.size()));
                break;
            }
            case Op::Global: {
                std::string_view text = value_at(v++);
                layout.SetTemplateGlobalValue(step.name, ctemplate::TemplateString(text.data(), text.size()));
                break;
            }
            case Op::Show:
                dicts[step.dict]->ShowSection(step.name);
                break;
            case Op::Section:
                dicts.push_back(dicts[step.dict]->AddSectionDictionary(step.name));
                break;
        }
    }
}

}  // namespace auth
