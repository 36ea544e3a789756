#include "mail/compose.hh"

#include <ctemplate/template.h>

#include <stdexcept>

#include "mail/mailer.hh"

namespace auth {

namespace {

std::string expand(ctemplate::TemplateCache& cache, const std::string& tpl, ctemplate::Strip strip,
                   const ctemplate::TemplateDictionary& dict) {
    std::string out;
    if (!cache.ExpandWithData(tpl, strip, &dict, nullptr, &out))
        throw std::runtime_error("template " + tpl + " could not be expanded (missing or malformed)");
    return out;
}

}  // namespace

MailComposer::MailComposer(const std::string& template_dir, std::string from, std::string site_name)
    : cache_(std::make_unique<ctemplate::TemplateCache>()), from_(std::move(from)), site_name_(std::move(site_name)) {
    cache_->SetTemplateRootDirectory(template_dir);
}

MailComposer::~MailComposer() = default;

std::string MailComposer::compose(const std::string& name, const std::string& to, const std::string& subject,
                                  const MailFields& fields, std::int64_t now) const {
    ctemplate::TemplateDictionary dict(name);
    for (const auto& [key, value] : fields.values) dict.SetValue(key, value);
    for (const auto& section : fields.sections) dict.ShowSection(section);
    dict.SetValue("SITE_NAME", site_name_);
    MailMessage m;
    m.from = from_;
    m.from_name = site_name_;
    m.to = to;
    m.subject = subject + " - " + site_name_;
    m.text = expand(*cache_, name + ".txt", ctemplate::DO_NOT_STRIP, dict);
    m.html = expand(*cache_, name + ".html.tpl", ctemplate::STRIP_BLANK_LINES, dict);
    return build_message(m, now);
}

}  // namespace auth
