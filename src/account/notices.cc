#include "account/notices.hh"

#include "core/clock.hh"
#include "mail/compose.hh"
#include "mail/outbox.hh"

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
        case Notice::TwoFactorOn:
            return {"Two-step login was turned on",
                    "Two-step login was turned on for your account at " + site +
                        ". From now on, logging in asks for a code from your authenticator app after the password.",
                    "If you did not do this, someone knows your password: reset it now with the link below, then "
                    "contact the people who run " + site + "."};
        case Notice::TwoFactorOff:
            return {"Two-step login was turned off",
                    "Two-step login was turned off for your account at " + site +
                        ". Logging in now asks for the password only.",
                    "If you did not do this, someone has your password and your codes: reset your password now with "
                    "the link below, then turn two-step login on again."};
        case Notice::RecoveryCodeUsed:
            return {"A recovery code was used",
                    "A recovery code of your account at " + site + " was used in place of a code from your app. " +
                        (d.codes_left == 1 ? std::string("1 recovery code is left.")
                                           : std::to_string(d.codes_left) + " recovery codes are left.") +
                        " Each code works once.",
                    "If you did not do this, someone has your password and your recovery codes: reset your password "
                    "now with the link below, and make new recovery codes on your profile page."};
        case Notice::RecoveryCodesMade:
            return {"New recovery codes were made",
                    "New recovery codes were made for your account at " + site +
                        ". The codes made before no longer work.",
                    "If you did not do this, someone is logged in to your account: reset your password now with the "
                    "link below."};
        case Notice::PasskeyAdded:
            return {"A passkey was added to your account",
                    "A passkey named \"" + d.passkey + "\" was added to your account at " + site +
                        ". It opens the account without a password or a code.",
                    "If you did not do this, someone is logged in to your account: reset your password now with the "
                    "link below, then remove the passkey on your profile page."};
        case Notice::PasskeyNewBrowser:
            return {"Passkey login from a new browser",
                    "Your passkey \"" + d.passkey + "\" was used to log in to your account at " + site + " from " +
                        d.browser + ", a browser that had not logged in with a passkey before.",
                    "If this was you, there is nothing to do. If it was not, someone has your passkey's device: remove "
                    "the passkey on your profile page and reset your password with the link below."};
        case Notice::AccountDeleted:
            return {"Your account was deleted",
                    "Your account at " + site + " was deleted, with everything the site kept about it: your profile, "
                    "picture, sessions and the record of its activity. This is the last mail it sends you.",
                    "If you did not do this, contact the people who run " + site + ": the account cannot be brought back, "
                    "but they can look into how it happened.",
                    false};
        case Notice::PasskeyRemoved:
            return {"A passkey was removed from your account",
                    "The passkey named \"" + d.passkey + "\" was removed from your account at " + site +
                        ". It no longer opens the account.",
                    "If you did not do this, someone is logged in to your account: reset your password now with the "
                    "link below."};
        case Notice::AccountLocked:
            return {"Your account was locked",
                    "Your account at " + site + " was locked by the people who run the site. It cannot be used to log "
                    "in, and every session of it was ended.",
                    "If you do not know why, contact the people who run " + site + ".", false};
        case Notice::AccountUnlocked:
            return {"Your account was unlocked",
                    "Your account at " + site + " was unlocked by the people who run the site: you can log in again.",
                    "If you did not expect this, contact the people who run " + site + ".", false};
    }
    return {"Account notice", "Something changed in your account at " + site + ".", ""};
}

}  // namespace

std::string Notices::message(Notice what, const NoticeDetails& d) const {
    Wording w = wording(what, d, site_);
    MailFields f;
    f.values = {{"NAME", d.name},
                {"WHAT", w.what},
                {"WHEN", utc_text(clock_.now())},
                {"FROM_ADDRESS", d.client_ip},
                {"ADVICE", w.advice},
                {"SITE", site_}};
    // Not for what the administrator or the site did (a lock, a deletion):
    // no address is the person's to know there.
    if (!d.client_ip.empty()) f.sections.insert("FROM");
    if (w.reset_link) {
        f.values["RESET_LINK"] = reset_url_;
        f.sections.insert("RESET");
    }
    return composer_.compose("notice_mail", d.to, w.subject, f, clock_.now());
}

void Notices::queue(Notice what, const NoticeDetails& d) {
    outbox_.enqueue(MailKind::Notice, composer_.from(), d.to, message(what, d), clock_.now() + kNoticeLifetime);
}

}  // namespace auth
