#include "core/user_agent.hh"

namespace auth {

namespace {

struct Rule {
    const char* token;  // looked for in the header, case-sensitive
    const char* name;   // what is shown
};

bool has(std::string_view ua, const char* token) { return ua.find(token) != std::string_view::npos; }

const char* first_match(std::string_view ua, std::initializer_list<Rule> rules) {
    for (const Rule& r : rules)
        if (has(ua, r.token)) return r.name;
    return nullptr;
}

// The browser's name, or nullptr. Order matters: Edge and Opera also say
// Chrome, Chrome also says Safari.
const char* browser_of(std::string_view ua) {
    const char* browser = first_match(ua, {
        {"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
        {"OPR/", "Opera"}, {"Opera", "Opera"},
        {"SamsungBrowser/", "Samsung Internet"},
        {"Vivaldi/", "Vivaldi"},
        {"YaBrowser/", "Yandex Browser"},
        {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
        {"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
        {"Safari/", "Safari"},
        {"MSIE ", "Internet Explorer"}, {"Trident/", "Internet Explorer"},
        {"curl/", "curl"}, {"Wget/", "Wget"}, {"python-requests/", "Python"}, {"Python-urllib/", "Python"},
    });
    // Safari's token is in every WebKit browser: only call it Safari when
    // it names its Version, as Safari does.
    if (browser && std::string_view(browser) == "Safari" && !has(ua, "Version/")) browser = nullptr;
    return browser;
}

}  // namespace

std::string browser_family(std::string_view ua) {
    const char* browser = browser_of(ua);
    return browser ? browser : "Unknown";
}

std::string describe_user_agent(std::string_view ua) {
    // Android also says Linux, iOS browsers say "like Mac OS X".
    const char* browser = browser_of(ua);
    const char* system = first_match(ua, {
        {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"iPod", "iOS"},
        {"Android", "Android"},
        {"CrOS", "ChromeOS"},
        {"Windows", "Windows"},
        {"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
        {"Linux", "Linux"}, {"X11", "Linux"},
        {"FreeBSD", "FreeBSD"}, {"OpenBSD", "OpenBSD"},
    });
    if (browser && system) return std::string(browser) + " on " + system;
    if (browser) return browser;
    if (system) return std::string(system) + " browser";
    return "Unknown browser";
}

}  // namespace auth
