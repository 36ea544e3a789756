// Mails from templates: TEMPLATE_DIR/<name>.txt (plain text, whitespace
// kept) and <name>.html.tpl (HTML, auto-escaped), filled with the same
// values, as one RFC 5322 message from MAIL_FROM. The one place a mail is
// put together; what it says is up to the caller.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace ctemplate {
class TemplateCache;
}

namespace auth {

struct MailFields {
    std::map<std::string, std::string> values;  // {{KEY}} -> text
    std::set<std::string> sections;              // {{#SECTION}} shown
};

class MailComposer {
public:
    // `site_name` (SITE_NAME): the From display name, the end of every
    // subject ("Reset your password - <site name>") and {{SITE_NAME}} in the
    // templates.
    MailComposer(const std::string& template_dir, std::string from, std::string site_name = "sessionauth");
    ~MailComposer();
    MailComposer(const MailComposer&) = delete;
    MailComposer& operator=(const MailComposer&) = delete;

    // The message to `to`; throws if a template is missing or malformed,
    // and MailError if an address is not one.
    std::string compose(const std::string& name, const std::string& to, const std::string& subject,
                        const MailFields& fields, std::int64_t now) const;
    const std::string& from() const { return from_; }

private:
    std::unique_ptr<ctemplate::TemplateCache> cache_;
    std::string from_;
    std::string site_name_;
};

}  // namespace auth
