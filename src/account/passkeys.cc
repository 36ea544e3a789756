// The account service's part of passkeys (declared in accounts.hh): adding,
// renaming and removing them, logging in with one, and a passkey in place
// of the code a form asks for again. What a response must hold is checked
// by webauthn/ (WebAuthn Level 2's ceremonies); what only the site can
// know is checked here: the challenge (issued by this site, for this
// ceremony, to this browser, and for a step-up or a registration to this
// account and session, taken once), which account a credential belongs to
// and its counter. Only the programs that verify passkeys link this file
// (and with it libcbor and libcrypto).
#include <algorithm>

#include "account/accounts.hh"
#include "core/clock.hh"
#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/net_address.hh"
#include "core/user_agent.hh"
#include "core/validate.hh"
#include "webauthn/ceremony.hh"
#include "webauthn/libcrypto.hh"

namespace auth {

namespace {

std::string account(std::int64_t id) { return "account " + std::to_string(id); }

constexpr std::size_t kChallengeBytes = 32;

PasskeyProblem problem_of(webauthn::Verdict v) {
    using webauthn::Verdict;
    switch (v) {
        case Verdict::Ok: return PasskeyProblem::None;
        case Verdict::Malformed: return PasskeyProblem::Malformed;
        case Verdict::WrongType: return PasskeyProblem::WrongType;
        case Verdict::WrongOrigin: return PasskeyProblem::WrongOrigin;
        case Verdict::WrongRpId: return PasskeyProblem::WrongRpId;
        case Verdict::NotPresent: return PasskeyProblem::NotPresent;
        case Verdict::NotVerified: return PasskeyProblem::NotVerified;
        case Verdict::BadAttestation: return PasskeyProblem::BadAttestation;
        case Verdict::UnsupportedKey: return PasskeyProblem::UnsupportedKey;
        case Verdict::BadSignature: return PasskeyProblem::BadSignature;
        case Verdict::CounterBackwards: return PasskeyProblem::CounterBackwards;
    }
    return PasskeyProblem::Malformed;
}

const char* describe(PasskeyProblem p) {
    switch (p) {
        case PasskeyProblem::Challenge: return "challenge unknown, used, expired or issued to another browser";
        case PasskeyProblem::UnknownCredential: return "unknown credential";
        case PasskeyProblem::OtherAccount: return "credential of another account";
        case PasskeyProblem::Taken: return "credential already registered";
        default: return nullptr;
    }
}

// Refuses with `problem`, and the one log line that says why.
void refuse(PasskeyOutcome& out, PasskeyProblem problem, const std::string& what, const Client& client,
            const char* detail = nullptr) {
    out.result = PasskeyResult::Refused;
    out.problem = problem;
    const char* why = detail ? detail : describe(problem);
    log_line(what + " refused from " + client.ip + ": " + (why ? why : "refused"));
}

void refuse(PasskeyOutcome& out, webauthn::Verdict v, const std::string& what, const Client& client) {
    refuse(out, problem_of(v), what, client, webauthn::describe(v));
}

std::vector<std::string> credential_ids(const std::vector<Passkey>& passkeys) {
    std::vector<std::string> out;
    for (const Passkey& p : passkeys) out.push_back(base64url_encode(p.credential_id));
    return out;
}

// The user handle the authenticator keeps for the account: a MAC of its id,
// so that it names the account to this site only and needs no table. The
// passkey keeps its own copy (a new SECRET_KEY leaves old passkeys working).
std::string user_handle(const Config& config, std::int64_t user_id) {
    return mac(config.secret_key, "passkey-user:" + std::to_string(user_id));
}

}  // namespace

std::optional<std::string> Accounts::new_passkey_challenge(const char* purpose, std::string_view browser_secret,
                                                           std::int64_t user_id, std::int64_t session_id,
                                                           std::string_view client_net) {
    std::string raw = *base64url_decode(random_token(kChallengeBytes));
    const std::int64_t now = clock_.now();
    auto tx = store_.begin_write();
    if (!client_net.empty() && store_.passkeys().live_challenges_from(client_net, now) >= kLoginChallengesPerNetwork)
        return std::nullopt;
    store_.passkeys().add_challenge(
        raw, PasskeyChallenge{purpose, token_digest(browser_secret), user_id, session_id, std::string(client_net)},
        now + kPasskeyChallengeLifetime);
    tx->commit();
    return base64url_encode(raw);
}

PasskeyOutcome Accounts::start_passkey_registration(const Identity& who, const Proof& current, const Client& client,
                                                    std::string_view browser_secret) {
    PasskeyOutcome out;
    out.reauth = reauthenticate(who.user, current, client, "adding a passkey");
    if (!out.reauth.ok()) {
        out.result = PasskeyResult::Reauth;
        return out;
    }
    out.challenge = *new_passkey_challenge("register", browser_secret, who.user.id, who.session.id);
    out.user_handle = base64url_encode(user_handle(config_, who.user.id));
    out.credentials = credential_ids(store_.passkeys().list_for_user(who.user.id));
    out.result = PasskeyResult::Done;
    return out;
}

// The challenge named in verified client data, taken (once, whatever
// follows) and checked against what it was issued for.
static bool take_challenge(Store& store, const Clock& clock, const std::string& challenge_text, const char* purpose,
                           std::string_view browser_secret, const std::optional<Identity>& who) {
    auto raw = base64url_decode(challenge_text);
    if (!raw || raw->size() != kChallengeBytes) return false;
    std::optional<PasskeyChallenge> issued;
    {
        auto tx = store.begin_write();
        issued = store.passkeys().take_challenge(*raw, clock.now());
        tx->commit();
    }
    if (!issued || issued->purpose != purpose) return false;
    if (!constant_time_equal(issued->browser_digest, token_digest(browser_secret))) return false;
    if (who && (issued->user_id != who->user.id || issued->session_id != who->session.id)) return false;
    return true;
}

PasskeyOutcome Accounts::add_passkey(const Identity& who, const PasskeyResponse& response, const std::string& name,
                                     const Client& client, std::string_view browser_secret) {
    PasskeyOutcome out;
    const std::string what = "adding a passkey to " + account(who.user.id);
    auto rp = webauthn::RelyingParty::of_base_url(config_.base_url);
    auto data = webauthn::check_client_data(rp, response.client_data_json, "webauthn.create");
    if (data.verdict != webauthn::Verdict::Ok) {
        refuse(out, data.verdict, what, client);
        return out;
    }
    if (!take_challenge(store_, clock_, data.data.challenge, "register", browser_secret, who)) {
        refuse(out, PasskeyProblem::Challenge, what, client);
        return out;
    }
    webauthn::Registration reg;
    try {  // an ES256 key needs libcrypto
        reg = webauthn::check_registration(rp, response.attestation_object);
    } catch (const webauthn::LibcryptoError& e) {
        refuse(out, PasskeyProblem::Unavailable, what, client, e.what());
        return out;
    }
    if (reg.verdict != webauthn::Verdict::Ok) {
        refuse(out, reg.verdict, what, client);
        return out;
    }
    // The id the browser named must be the one the authenticator attested.
    if (reg.credential.credential_id != response.credential_id) {
        refuse(out, PasskeyProblem::Malformed, what, client, "credential id differs from the attested one");
        return out;
    }
    Passkey p;
    p.user_id = who.user.id;
    p.credential_id = reg.credential.credential_id;
    p.public_key = reg.credential.public_key;
    p.user_handle = user_handle(config_, who.user.id);
    p.sign_count = reg.sign_count;
    p.name = name;
    p.created_at = clock_.now();
    auto tx = store_.begin_write();
    auto id = store_.passkeys().add(p);
    if (!id) {
        refuse(out, PasskeyProblem::Taken, what, client);
        return out;
    }
    NoticeDetails d{who.user.email, who.user.name, client.ip, ""};
    d.passkey = name;
    notices_.queue(Notice::PasskeyAdded, d);
    tx->commit();
    out.result = PasskeyResult::Done;
    out.user_id = who.user.id;
    events_.record(client, events::kPasskeyAdded, Outcome::Ok, who.user.id);
    return out;
}

PasskeyOutcome Accounts::rename_passkey(const User& user, std::int64_t id, const std::string& name,
                                        const Client& client) {
    PasskeyOutcome out;
    auto tx = store_.begin_write();
    if (!store_.passkeys().rename(user.id, id, name)) {
        out.result = PasskeyResult::NotFound;
        log_line("renaming a passkey refused for " + account(user.id) + ": no such passkey of the account");
        return out;
    }
    tx->commit();
    out.result = PasskeyResult::Done;
    events_.record(client, events::kPasskeyRenamed, Outcome::Ok, user.id);
    return out;
}

PasskeyOutcome Accounts::remove_passkey(const User& user, std::int64_t id, const Client& client) {
    PasskeyOutcome out;
    auto tx = store_.begin_write();
    auto passkeys = store_.passkeys().list_for_user(user.id);
    auto mine = std::find_if(passkeys.begin(), passkeys.end(), [&](const Passkey& p) { return p.id == id; });
    if (mine == passkeys.end()) {
        out.result = PasskeyResult::NotFound;
        log_line("removing a passkey refused for " + account(user.id) + ": no such passkey of the account");
        return out;
    }
    // Read inside the transaction: an account without a password (none is
    // made so today, but the rule is the account's, not the form's) keeps
    // its last passkey.
    auto fresh = store_.users().find_by_id(user.id);
    if (fresh && fresh->password_hash.empty() && passkeys.size() == 1) {
        out.result = PasskeyResult::LastWay;
        log_line("removing a passkey refused for " + account(user.id) + ": it is the last way to log in");
        return out;
    }
    store_.passkeys().remove(user.id, id);
    // As for adding one (ASVS 2.5.5): a session someone stole may remove
    // passkeys without the password, so the owner hears of it.
    NoticeDetails d{user.email, user.name, client.ip, ""};
    d.passkey = mine->name;
    notices_.queue(Notice::PasskeyRemoved, d);
    tx->commit();
    out.result = PasskeyResult::Done;
    events_.record(client, events::kPasskeyRemoved, Outcome::Ok, user.id);
    return out;
}

PasskeyOutcome Accounts::passkey_login_challenge(std::string_view browser_secret, const Client& client) {
    PasskeyOutcome out;
    // A client without an address (never behind a server that works) shares
    // one allowance with every other such client rather than having none.
    std::string net = address_for_limits(client.ip);
    if (net.empty()) net = "unknown";
    auto challenge = new_passkey_challenge("login", browser_secret, 0, 0, net);
    if (!challenge) {
        // A log line, not an event: the refusal concerns no account, and an
        // event row would outlive the challenge rows it saves by months.
        log_line("passkey login challenge refused to " + net + ": " +
                 std::to_string(kLoginChallengesPerNetwork) + " alive from that network");
        out.result = PasskeyResult::Throttled;
        return out;
    }
    out.challenge = *challenge;
    out.result = PasskeyResult::Done;
    return out;
}

std::optional<Passkey> Accounts::verify_assertion(const PasskeyResponse& response, const char* purpose,
                                                  std::string_view browser_secret, const std::optional<Identity>& who,
                                                  const Client& client, PasskeyOutcome& out) {
    const std::string what = std::string(who ? "passkey step-up for " + account(who->user.id) : "passkey login");
    auto rp = webauthn::RelyingParty::of_base_url(config_.base_url);
    auto data = webauthn::check_client_data(rp, response.client_data_json, "webauthn.get");
    if (data.verdict != webauthn::Verdict::Ok) {
        refuse(out, data.verdict, what, client);
        return std::nullopt;
    }
    if (!take_challenge(store_, clock_, data.data.challenge, purpose, browser_secret, who)) {
        refuse(out, PasskeyProblem::Challenge, what, client);
        return std::nullopt;
    }
    auto passkey = store_.passkeys().find(response.credential_id);
    if (!passkey) {
        refuse(out, PasskeyProblem::UnknownCredential, what, client);
        return std::nullopt;
    }
    if (who && passkey->user_id != who->user.id) {
        refuse(out, PasskeyProblem::OtherAccount, what, client);
        return std::nullopt;
    }
    // A login by a discoverable credential names its account by the user
    // handle: it must be there and be the passkey's (§7.2 step 6).
    if ((!who && response.user_handle.empty()) ||
        (!response.user_handle.empty() && !constant_time_equal(response.user_handle, passkey->user_handle))) {
        refuse(out, PasskeyProblem::OtherAccount, what, client, "user handle is not the credential's");
        return std::nullopt;
    }
    std::optional<webauthn::CoseKey> key;
    webauthn::Assertion a;
    try {  // an ES256 key needs libcrypto
        key = webauthn::parse_cose_key(passkey->public_key);
        if (key)
            a = webauthn::check_assertion(rp, response.authenticator_data, response.client_data_json,
                                          response.signature, *key, static_cast<std::uint32_t>(passkey->sign_count));
    } catch (const webauthn::LibcryptoError& e) {
        refuse(out, PasskeyProblem::Unavailable, what, client, e.what());
        return std::nullopt;
    }
    if (!key) {
        refuse(out, PasskeyProblem::UnsupportedKey, what, client, "stored key unreadable");
        return std::nullopt;
    }
    if (a.verdict != webauthn::Verdict::Ok) {
        refuse(out, a.verdict, what + " (" + account(passkey->user_id) + ")", client);
        return std::nullopt;
    }
    // The counter moves only from the value checked: of two assertions
    // racing with one counter value, the second is refused.
    auto tx = store_.begin_write();
    if (!store_.passkeys().record_use(passkey->id, passkey->sign_count, a.sign_count, clock_.now())) {
        refuse(out, PasskeyProblem::CounterBackwards, what, client, "signature counter did not grow (concurrent use)");
        return std::nullopt;
    }
    tx->commit();
    passkey->sign_count = a.sign_count;
    out.result = PasskeyResult::Done;
    out.user_id = passkey->user_id;
    return passkey;
}

PasskeyOutcome Accounts::log_in_with_passkey(const PasskeyResponse& response, const Client& client,
                                             std::string_view old_session_token, std::string_view browser_secret,
                                             std::string_view browser_token) {
    PasskeyOutcome out;
    auto passkey = verify_assertion(response, "login", browser_secret, std::nullopt, client, out);
    if (!passkey) {
        // Unavailable is no failed login but this host's lack, which its log line names.
        if (out.problem != PasskeyProblem::Unavailable)
            events_.record(client, events::kLogin, Outcome::Failed, std::nullopt, "passkey");
        return out;
    }
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_id(passkey->user_id);
    if (!user) {
        refuse(out, PasskeyProblem::UnknownCredential, "passkey login", client, "its account is gone");
        return out;
    }
    if (user->locked()) {
        // Locked by an administrator: a passkey opens it no more than a password.
        tx.reset();  // nothing of this login is kept; the event is
        refuse(out, PasskeyProblem::Locked, "passkey login", client, "the account is locked");
        events_.record(client, events::kLogin, Outcome::Refused, user->id, "passkey: the account is locked");
        return out;
    }
    // The browser's own mark, kept as a digest: a browser that never logged
    // in to this account with a passkey gets one, and the owner a notice.
    std::string token(browser_token);
    if (!looks_like_token(token)) token.clear();
    if (token.empty() || !store_.passkeys().known_browser(user->id, token_digest(token))) {
        if (token.empty()) token = out.browser_token = random_token(32);
        NoticeDetails d{user->email, user->name, client.ip, ""};
        d.passkey = passkey->name;
        d.browser = describe_user_agent(client.user_agent);
        notices_.queue(Notice::PasskeyNewBrowser, d);
    }
    store_.passkeys().remember_browser(user->id, token_digest(token), clock_.now());
    if (!old_session_token.empty()) store_.sessions().destroy(old_session_token);
    out.session_token = store_.sessions().create(user->id, client.ip, client.user_agent, true);
    tx->commit();
    out.result = PasskeyResult::Done;
    events_.record(client, events::kLogin, Outcome::Ok, user->id, "passkey");
    return out;
}

PasskeyOutcome Accounts::passkey_step_up_challenge(const Identity& who, std::string_view browser_secret) {
    PasskeyOutcome out;
    out.credentials = credential_ids(store_.passkeys().list_for_user(who.user.id));
    if (out.credentials.empty()) {
        out.result = PasskeyResult::NotFound;
        return out;
    }
    out.challenge = *new_passkey_challenge("step-up", browser_secret, who.user.id, who.session.id);
    out.result = PasskeyResult::Done;
    return out;
}

PasskeyOutcome Accounts::passkey_step_up(const Identity& who, const PasskeyResponse& response, const Client& client,
                                         std::string_view browser_secret) {
    PasskeyOutcome out;
    if (!verify_assertion(response, "step-up", browser_secret, who, client, out)) return out;
    auto tx = store_.begin_write();
    out.grant = std::string(kGrantPrefix) +
                store_.passkeys().add_grant(who.user.id, who.session.id, clock_.now() + kPasskeyChallengeLifetime);
    tx->commit();
    log_line(account(who.user.id) + " confirmed with a passkey from " + client.ip);
    return out;
}

}  // namespace auth
