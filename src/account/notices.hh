// Mails that tell a person something happened to their account (OWASP ASVS
// 2.2.3, 2.5.5): the password was changed or reset, a change of the email
// address was asked for or made, two-step login turned on or off, a
// recovery code used, new recovery codes made, the account locked or
// unlocked by the administrator, the account deleted. Each says what happened, when, and from
// which client address, and carries no password and no token. They go
// through the outbox, queued in the write transaction of the change they
// report, so a change is never made without its notice.
#pragma once
#include <cstdint>
#include <string>

namespace auth {

class Clock;
class MailComposer;
class Outbox;

enum class Notice {
    PasswordChanged,       // on the profile page, with the current password
    PasswordReset,         // with a reset link
    EmailChangeRequested,  // to the old address: a link went to the new one
    EmailChanged,          // to the old address: the new one is in use now
    TwoFactorOn,           // two-step login turned on
    TwoFactorOff,          // two-step login turned off
    RecoveryCodeUsed,      // a recovery code was used, with how many are left
    RecoveryCodesMade,     // new recovery codes (the old ones no longer work)
    PasskeyAdded,          // a passkey was added (its name in `passkey`)
    PasskeyNewBrowser,     // a passkey login from a browser not seen before
    AccountDeleted,        // the last mail: the account and what the site kept of it are gone
    PasskeyRemoved,        // a passkey was removed (its name in `passkey`)
    AccountLocked,         // by the administrator: no login, every session ended
    AccountUnlocked,       // by the administrator: logging in works again
};

struct NoticeDetails {
    std::string to;         // the account's address (the old one for email changes)
    std::string name;       // the account's full name
    std::string client_ip;  // where the request came from
    std::string new_email;  // email changes only
    std::int64_t codes_left = 0;  // RecoveryCodeUsed only
    std::string passkey = {};     // the passkey's name (PasskeyAdded, PasskeyNewBrowser, PasskeyRemoved)
    std::string browser = {};     // "Firefox on Linux" (PasskeyNewBrowser)
};

// Builds notices from templates/notice_mail.* and queues them in the outbox.
class Notices {
public:
    // `site` is BASE_URL; `reset_url` the page that asks for a reset link.
    Notices(const MailComposer& composer, Outbox& outbox, const Clock& clock, std::string site, std::string reset_url)
        : composer_(composer), outbox_(outbox), clock_(clock), site_(std::move(site)), reset_url_(std::move(reset_url)) {}

    // Queues the notice; call inside the write transaction of the change.
    void queue(Notice what, const NoticeDetails& details);
    // The message (RFC 5322) queue() would queue.
    std::string message(Notice what, const NoticeDetails& details) const;

private:
    const MailComposer& composer_;
    Outbox& outbox_;
    const Clock& clock_;
    std::string site_;
    std::string reset_url_;
};

}  // namespace auth
