#include "account/notices.hh"

#include "web/app.hh"
#include "mail/mailer.hh"

namespace auth {

namespace {

// A notice is worth sending for a week; undelivered after that, it is dropped.
constexpr std::int64_t kNoticeLifetime = 7 * 24 * 3600;

struct Wording {
    const char* subject;
    std::string what;
    std::string advice;
    bool reset_link = true;  // the advice points to the reset page
};

Wording wording(Notice what, const NoticeDetails& d, const std::string& site) {
    switch (what) {
        case Notice::PasswordChanged:
            return {"Your password was changed",
                    "The password of your account at " + site + " was changed. Every other session of the account was ended.",
                    "If you did this, there is nothing more to do. If you did not, someone knows your password: set a new "
                    "one now with the reset link below."};
        case Notice::PasswordReset:
            return {"Your password was reset",
                    "The password of your account at " + site + " was set anew with a reset link sent to this address. "
                    "Every session of the account was ended.",
                    "If you did not do this, someone can read your email: secure your mailbox, then reset your password "
                    "again with the link below."};
        case Notice::EmailChangeRequested:
            return {"Someone asked to change your email address",
                    "Someone logged in to your account at " + site + " asked to change its email address to " + d.new_email +
                        ". Nothing changes unless the link we sent to that address is opened.",
                    "If this was you, open the link in the mail sent to " + d.new_email +
                        ". If it was not, someone knows your password: reset it now with the link below, which also "
                        "cancels the change."};
        case Notice::EmailChanged:
            return {"Your email address was changed",
                    "The email address of your account at " + site + " was changed to " + d.new_email +
                        ". From now on you log in with that address, and mail for the account goes there.",
                    "If you did not do this, contact the people who run " + site + " at once: this address can no longer "
                    "reset the password.",
                    false};
    }
    return {"Account notice", "Something changed in your account at " + site + ".", ""};
}

}  // namespace

std::string notice_message(App& app, Notice what, const NoticeDetails& d) {
    const Config& config = app.config();
    Wording w = wording(what, d, config.base_url);
    ctemplate::TemplateDictionary dict("notice_mail");
    dict.SetValue("NAME", d.name);
    dict.SetValue("WHAT", w.what);
    dict.SetValue("WHEN", utc_text(app.clock().now()));
    dict.SetValue("FROM_ADDRESS", d.client_ip.empty() ? "unknown" : d.client_ip);
    dict.SetValue("ADVICE", w.advice);
    if (w.reset_link) dict.SetValueAndShowSection("RESET_LINK", config.url("/reset"), "RESET");
    dict.SetValue("SITE", config.base_url);
    MailMessage m;
    m.from = config.mail_from;
    m.to = d.to;
    m.subject = w.subject;
    m.text = app.view.expand_text("notice_mail.txt", dict);
    m.html = app.view.expand("notice_mail.html.tpl", dict);
    return build_message(m, app.clock().now());
}

void queue_notice(App& app, Notice what, const NoticeDetails& d) {
    std::string message = notice_message(app, what, d);
    app.outbox.enqueue(app.config().mail_from, d.to, message, app.clock().now() + kNoticeLifetime);
}

}  // namespace auth
