// A short, fixed description of a browser from its User-Agent header, such
// as "Firefox on Linux", for the list of a person's sessions. Only words
// from a fixed list come out, never text from the header itself.
#pragma once
#include <string>
#include <string_view>

namespace auth {

// "<browser> on <system>", "<browser>", "<system> browser" or "Unknown browser".
std::string describe_user_agent(std::string_view user_agent);

// The browser alone ("Firefox", "Chrome", "curl"), or "Unknown": what the
// security event log keeps.
std::string browser_family(std::string_view user_agent);

}  // namespace auth
