// A page of one shape (see page_fill.hh) expanded once by ctemplate: its
// fixed text, and for each value the place it goes and the escaping
// ctemplate's auto-escaping chose for that place (ctemplate's own modifier,
// which then escapes the request's value). Filling it costs a copy of the
// text and the escaping of the values, where a full expansion walks the
// template tree and looks every name up in the dictionaries: the larger part
// of what a page request cost.
#pragma once
#include <ctemplate/template.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "web/page_fill.hh"

namespace auth {

class FrozenPage {
public:
    // Expands `layout` (which includes fill.tpl()) with `fill`'s shape and a
    // marker for each value, and keeps what came out. Nothing when the page
    // cannot be kept this way (a value escaped by a chain of modifiers or by
    // one not known here, a value ctemplate takes from elsewhere such as
    // {{BI_SPACE}}, a template that fails to expand, or a result that
    // differs from ctemplate's by a single byte, filled with the markers or
    // with markers followed by every character escaping changes): the
    // caller then expands the page with ctemplate each time.
    static std::optional<FrozenPage> freeze(ctemplate::TemplateCache& cache, const std::string& layout,
                                            ctemplate::Strip strip, const PageFill& fill);

    // The page for `fill`, which must be of the shape it was frozen with.
    std::string fill(const PageFill& fill) const;

    // What it keeps: its text and slots.
    std::size_t bytes() const { return text_.size() + slots_.size() * sizeof(Slot); }

    // Whether ctemplate's html_escape would leave `value` as it is.
    static bool html_escape_keeps(std::string_view value);

private:
    struct Slot {
        std::size_t at;                             // where in text_ the value goes
        std::size_t value;                          // which step of the fill set the value
        const ctemplate::TemplateModifier* escape;  // ctemplate's, as auto-escaping chose it
    };
    std::string text_;
    std::vector<Slot> slots_;
};

}  // namespace auth
