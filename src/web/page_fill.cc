#include "web/page_fill.hh"

#include <cstdint>
#include <functional>

namespace auth {

namespace {
// A marker is "zZ", the number in letters a to y (the lowest first), "Zz":
// letters only, which neither HTML, URL nor query escaping changes.
constexpr std::string_view kMarkerStart = "zZ", kMarkerEnd = "Zz";
constexpr std::size_t kMarkerBase = 25;
}  // namespace

// Room for a page's steps and values at once (the profile page has about
// 30 steps and 1 KiB of values), so that they are not grown step by step.
PageFill::PageFill(std::string tpl) : tpl_(std::move(tpl)), hash_(std::hash<std::string>{}(tpl_)) {
    steps_.reserve(48);
    values_.reserve(1024);
}

namespace {
std::uint64_t mix(std::uint64_t hash, std::uint64_t word) {
    return (hash ^ (word + 0x9e3779b97f4a7c15 + (hash << 6) + (hash >> 2))) * 0xff51afd7ed558ccd;
}
}  // namespace

// The shape tells names apart by where their text is (see the header).
void PageFill::add(Op op, Dict dict, const ctemplate::TemplateString& name, std::string_view value) {
    steps_.push_back({op, dict, name, static_cast<std::uint32_t>(values_.size()), static_cast<std::uint32_t>(value.size())});
    values_.append(value);
    hash_ = static_cast<std::size_t>(mix(mix(hash_, std::uint64_t{static_cast<unsigned char>(op)} << 32 | dict),
                                         reinterpret_cast<std::uintptr_t>(name.data())));
}

void PageFill::value(Dict dict, const ctemplate::TemplateString& name, std::string_view value) {
    add(Op::Value, dict, name, value);
}

void PageFill::global(const ctemplate::TemplateString& name, std::string_view value) {
    add(Op::Global, kLayout, name, value);
}

void PageFill::show(Dict dict, const ctemplate::TemplateString& section) { add(Op::Show, dict, section); }

PageFill::Dict PageFill::section(Dict dict, const ctemplate::TemplateString& section) {
    add(Op::Section, dict, section);
    return dicts_++;
}

bool PageFill::same_shape(const PageFill& other) const {
    if (hash_ != other.hash_ || steps_.size() != other.steps_.size() || tpl_ != other.tpl_) return false;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        const Step &a = steps_[i], &b = other.steps_[i];
        if (a.op != b.op || a.dict != b.dict || a.name.data() != b.name.data()) return false;
    }
    return true;
}

bool PageFill::has_value(std::size_t i) const {
    return i < steps_.size() && (steps_[i].op == Op::Value || steps_[i].op == Op::Global);
}

PageFill PageFill::marked(std::string_view then) const {
    PageFill copy = *this;
    copy.values_.clear();
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        if (!has_value(i)) continue;
        copy.steps_[i].start = static_cast<std::uint32_t>(copy.values_.size());
        copy.values_ += marker(i);
        copy.values_ += then;
        copy.steps_[i].size = static_cast<std::uint32_t>(copy.values_.size()) - copy.steps_[i].start;
    }
    return copy;
}

PageFill PageFill::shape_only() const {
    PageFill copy = *this;
    copy.values_ = std::string();
    for (Step& step : copy.steps_) step.start = step.size = 0;
    copy.steps_.shrink_to_fit();
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
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        const Step& step = steps_[i];
        switch (step.op) {
            case Op::Value: {
                std::string_view text = value_at(i);
                dicts[step.dict]->SetValue(step.name, ctemplate::TemplateString(text.data(), text.size()));
                break;
            }
            case Op::Global: {
                std::string_view text = value_at(i);
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
