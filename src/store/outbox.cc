#include "store/outbox.hh"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/db.hh"
#include "core/log.hh"
#include "mail/mailer.hh"

namespace auth {

namespace {
constexpr std::int64_t kClaimSeconds = 120;
}

Outbox::Outbox(Db& db, const Clock& clock, const std::string& secret_key)
    : db_(db), clock_(clock), key_(mac(secret_key, "sessionauth outbox key v1")) {}

std::int64_t Outbox::backoff(std::int64_t attempts) {
    std::int64_t wait = 5;
    for (std::int64_t i = 1; i < attempts && wait < 600; ++i) wait *= 2;
    return std::min<std::int64_t>(wait, 600);
}

std::string Outbox::seal(const std::string& plain, std::string& nonce) const {
    nonce.assign(crypto_secretbox_NONCEBYTES, '\0');
    randombytes_buf(nonce.data(), nonce.size());
    std::string out(plain.size() + crypto_secretbox_MACBYTES, '\0');
    crypto_secretbox_easy(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(plain.data()),
                          plain.size(), reinterpret_cast<const unsigned char*>(nonce.data()),
                          reinterpret_cast<const unsigned char*>(key_.data()));
    return out;
}

std::string Outbox::open(const std::string& nonce, const std::string& sealed) const {
    if (nonce.size() != crypto_secretbox_NONCEBYTES || sealed.size() < crypto_secretbox_MACBYTES)
        throw CryptoError("outbox message damaged");
    std::string out(sealed.size() - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                                   reinterpret_cast<const unsigned char*>(nonce.data()),
                                   reinterpret_cast<const unsigned char*>(key_.data())) != 0)
        throw CryptoError("outbox message cannot be opened (was SECRET_KEY changed?)");
    return out;
}

void Outbox::enqueue(const std::string& from, const std::string& to, const std::string& rfc5322, std::int64_t expires_at) {
    std::string nonce;
    std::string sealed = seal(rfc5322, nonce);
    std::int64_t now = clock_.now();
    auto q = db_.query(
        "INSERT INTO outbox (sender, recipient, nonce, ciphertext, created_at, expires_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, from).bind(2, to).bind_blob(3, nonce).bind_blob(4, sealed).bind(5, now).bind(6, expires_at).bind(7, now);
    q.exec();
}

bool Outbox::has_due() {
    auto q = db_.query("SELECT 1 FROM outbox WHERE next_attempt_at <= ? AND claimed_until <= ? LIMIT 1");
    std::int64_t now = clock_.now();
    q.bind(1, now).bind(2, now);
    return q.step();
}

std::int64_t Outbox::pending() {
    auto q = db_.query("SELECT count(*) FROM outbox");
    q.step();
    return q.int64(0);
}

int Outbox::deliver_due(Mailer& mailer, int max) {
    std::int64_t now = clock_.now();
    {
        auto expired = db_.query("SELECT id, attempts, last_error FROM outbox WHERE expires_at <= ?");
        expired.bind(1, now);
        std::vector<std::int64_t> ids;
        while (expired.step()) {
            log_line("outbox: message " + std::to_string(expired.int64(0)) + " dropped unsent after " +
                     std::to_string(expired.int64(1)) + " attempts; its link has expired (last error: " + expired.text(2) + ")");
            ids.push_back(expired.int64(0));
        }
        for (auto id : ids) db_.query("DELETE FROM outbox WHERE id = ?").bind(1, id).exec();
    }
    int sent = 0;
    for (int i = 0; i < max; ++i) {
        struct Row {
            std::int64_t id, attempts;
            std::string sender, recipient, nonce, sealed;
        } row;
        {
            Transaction tx(db_);
            auto q = db_.query(
                "SELECT id, attempts, sender, recipient, nonce, ciphertext FROM outbox "
                "WHERE next_attempt_at <= ? AND claimed_until <= ? ORDER BY next_attempt_at LIMIT 1");
            q.bind(1, now).bind(2, now);
            if (!q.step()) break;
            row = Row{q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.text(5)};
            db_.query("UPDATE outbox SET claimed_until = ? WHERE id = ?").bind(1, now + kClaimSeconds).bind(2, row.id).exec();
            tx.commit();
        }
        try {
            mailer.send(row.sender, row.recipient, open(row.nonce, row.sealed));
            db_.query("DELETE FROM outbox WHERE id = ?").bind(1, row.id).exec();
            ++sent;
        } catch (const std::exception& e) {
            std::int64_t attempts = row.attempts + 1;
            std::int64_t later = clock_.now() + backoff(attempts);
            log_line("outbox: message " + std::to_string(row.id) + " not delivered (attempt " + std::to_string(attempts) +
                     ", next in " + std::to_string(later - clock_.now()) + " s): " + e.what());
            auto u = db_.query(
                "UPDATE outbox SET attempts = ?, next_attempt_at = ?, claimed_until = 0, last_error = ? WHERE id = ?");
            u.bind(1, attempts).bind(2, later).bind(3, std::string(e.what()).substr(0, 300)).bind(4, row.id).exec();
            break;  // the server is likely down: leave the rest for later
        }
    }
    return sent;
}

}  // namespace auth
