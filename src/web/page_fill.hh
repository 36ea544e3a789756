// What a page put into its template dictionaries, in order, with the values
// kept apart from the rest. The rest (which names were set, which sections
// shown and how many rows added, in which dictionary) is the page's shape.
// ctemplate's auto-escaping chooses each value's escaping from the template
// text alone, never from the values, so two fills of one shape expand to the
// same fixed text with only the values in between, each escaped the same
// way: what lets a View keep that text once per shape (FrozenPage) instead
// of expanding the whole page for every request.
#pragma once
#include <ctemplate/template.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

class PageFill {
public:
    using Dict = std::uint32_t;
    static constexpr Dict kLayout = 0;   // the layout's dictionary
    static constexpr Dict kContent = 1;  // the page template's, included as CONTENT

    explicit PageFill(std::string tpl);

    // The page template, included into layout.tpl.
    const std::string& tpl() const { return tpl_; }
    // Everything but the values: equal shapes, equal pages but for them.
    bool same_shape(const PageFill& other) const;
    std::size_t shape_hash() const { return hash_; }
    // What the shape takes in memory, the values left out.
    std::size_t shape_bytes() const { return tpl_.size() + steps_.size() * sizeof(Step); }
    std::size_t step_count() const { return steps_.size(); }
    // Whether step i set a value, and the value it set (step i's).
    bool has_value(std::size_t i) const;
    std::string_view value_at(std::size_t i) const { return {values_.data() + steps_[i].start, steps_[i].size}; }
    std::size_t value_bytes() const { return values_.size(); }

    // The same fill with each value (of step i) replaced by marker(i) and
    // `then`: a marker is text that no escaping changes, so it shows where
    // each value lands in the page.
    PageFill marked(std::string_view then = {}) const;
    // The same shape without its values: what a View keeps.
    PageFill shape_only() const;
    static std::string marker(std::size_t i);
    static std::optional<std::size_t> marker_index(std::string_view text);

    // ctemplate's dictionaries for this fill: `layout` is the layout's, with
    // the page template's included as CONTENT.
    void replay(ctemplate::TemplateDictionary& layout) const;

private:
    // Filled only by Page and Section (view.hh), whose names come from
    // view.cc's key(): made once and kept for the process. The shape tells
    // names apart by where their text is, which costs less than copying it
    // into the shape, and needs exactly that.
    friend class Page;
    friend class Section;
    void value(Dict dict, const ctemplate::TemplateString& name, std::string_view value);
    // A value every dictionary sees (ctemplate's template-global values).
    void global(const ctemplate::TemplateString& name, std::string_view value);
    void show(Dict dict, const ctemplate::TemplateString& section);
    // One more instance of a section in `dict`: a dictionary of its own.
    Dict section(Dict dict, const ctemplate::TemplateString& section);

    enum class Op : char { Value = 'v', Global = 'g', Show = 's', Section = 'n' };
    struct Step {
        Op op;
        Dict dict;
        ctemplate::TemplateString name;
        std::uint32_t start = 0, size = 0;  // its value in values_
    };
    void add(Op op, Dict dict, const ctemplate::TemplateString& name, std::string_view value = {});

    std::string tpl_;
    std::vector<Step> steps_;
    std::string values_;  // the values one after the other
    std::size_t hash_;    // of tpl_ and the steps' operations, dictionaries and names
    Dict dicts_ = 2;
};

}  // namespace auth
