#include "store/postgres/stores.hh"

namespace auth {

namespace {

// The key of the delivery lock: of this site's schema (two sites may share
// one database, each in a schema of its own).
constexpr const char* kDeliveryLock = "hashtextextended(current_schema() || ' sessionauth delivery', 0)";

// The delivery lock: a session-level advisory lock, held until it is let go
// or the connection ends (the server drops it when the process dies, however
// it dies). It needs a connection of its own, not one PgBouncer shares out
// per transaction: README, "When one machine is not enough".
class AdvisoryLock final : public DeliveryLock {
public:
    AdvisoryLock(PgConn& db, bool& held) : db_(db), held_(held), generation_(db.generation()) { held_ = true; }
    ~AdvisoryLock() override {
        held_ = false;
        if (db_.generation() != generation_) return;  // it went with the connection it was taken on
        try {
            db_.query(std::string("SELECT pg_advisory_unlock(") + kDeliveryLock + ")").exec();
        } catch (const PgError&) {
            // The connection is gone, and the lock with it.
        }
    }
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;

private:
    PgConn& db_;
    bool& held_;
    std::int64_t generation_;
};

}  // namespace

void PgOutbox::add(std::string_view sender, std::string_view recipient, std::string_view nonce, std::string_view sealed,
                   int priority, std::int64_t now, std::int64_t expires_at) {
    auto q = db_.query(
        "INSERT INTO outbox (sender, recipient, nonce, ciphertext, priority, created_at, expires_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, sender).bind(2, recipient).bind_blob(3, nonce).bind_blob(4, sealed).bind(5, std::int64_t{priority});
    q.bind(6, now).bind(7, expires_at).bind(8, now);
    q.exec();
}

std::vector<QueuedMail> PgOutbox::drop_expired(std::int64_t now) {
    std::vector<QueuedMail> dropped;
    auto q = db_.query(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE expires_at <= ? AND claimed_until <= ? "
        "FOR UPDATE SKIP LOCKED) RETURNING id, attempts, last_error");
    q.bind(1, now).bind(2, now);
    while (q.step()) {
        QueuedMail m;
        m.id = q.int64(0);
        m.attempts = q.int64(1);
        m.last_error = q.text(2);
        dropped.push_back(std::move(m));
    }
    return dropped;
}

std::optional<QueuedMail> PgOutbox::claim_next(std::int64_t now, std::int64_t lease_end,
                                               std::int64_t (*retry_after)(std::int64_t attempts)) {
    // FOR UPDATE SKIP LOCKED: a message another run is claiming right now is
    // passed over, not waited for, and never claimed twice.
    PgTransaction tx(db_);
    QueuedMail m;
    {
        auto q = db_.query(
            "SELECT id, attempts, sender, recipient, nonce, ciphertext, last_error FROM outbox "
            "WHERE next_attempt_at <= $1 AND claimed_until <= $1 AND expires_at > $1 "
            "ORDER BY priority, (SELECT COUNT(*) FROM mail_counts c WHERE ascii_fold(c.recipient) = ascii_fold(outbox.recipient) "
            "AND c.at > $2 AND c.queued = 1), id "
            "LIMIT 1 FOR UPDATE SKIP LOCKED");
        q.bind(1, now).bind(2, now - 3600);
        if (!q.step()) return std::nullopt;
        m = QueuedMail{q.int64(0), q.int64(1) + 1, q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)};
    }
    auto u = db_.query(
        "UPDATE outbox SET claimed_until = ?, attempts = ?, next_attempt_at = ?, "
        "last_error = 'the delivery run ended during the attempt' WHERE id = ?");
    u.bind(1, lease_end).bind(2, m.attempts).bind(3, now + retry_after(m.attempts)).bind(4, m.id).exec();
    tx.commit();
    return m;
}

// The message went out: a connection lost at that moment (PostgreSQL
// restarting) must not leave it to be sent again, so the mark is tried once
// more on a new connection.
void PgOutbox::delivered(std::int64_t id) {
    db_.idempotent([&] { db_.query("DELETE FROM outbox WHERE id = ?").bind(1, id).exec(); });
}

void PgOutbox::failed(std::int64_t id, std::string_view error) {
    db_.idempotent([&] {
        auto u = db_.query("UPDATE outbox SET claimed_until = 0, last_error = ? WHERE id = ?");
        u.bind(1, error.substr(0, 300)).bind(2, id).exec();
    });
}

void PgOutbox::discard(std::int64_t id) { delivered(id); }

void PgOutbox::postpone_due(std::int64_t now, std::int64_t until, std::string_view why) {
    auto u = db_.query(
        "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE next_attempt_at <= ? AND claimed_until <= ?");
    u.bind(1, until).bind(2, why.substr(0, 300)).bind(3, now).bind(4, now).exec();
}

void PgOutbox::release_claims() { db_.query("UPDATE outbox SET claimed_until = 0 WHERE claimed_until > 0").exec(); }

bool PgOutbox::has_due(std::int64_t now) {
    auto q = db_.query("SELECT 1 FROM outbox WHERE next_attempt_at <= ? AND claimed_until <= ? LIMIT 1");
    q.bind(1, now).bind(2, now);
    return q.step();
}

std::optional<std::int64_t> PgOutbox::next_attempt_at() {
    auto q = db_.query("SELECT MIN(next_attempt_at) FROM outbox");
    if (!q.step() || q.is_null(0)) return std::nullopt;
    return q.int64(0);
}

std::unique_ptr<DeliveryLock> PgOutbox::try_lock() {
    // A session's advisory locks nest; a second run on this connection is
    // refused here, as one on another connection is by the server.
    if (locked_) return nullptr;
    auto q = db_.query(std::string("SELECT pg_try_advisory_lock(") + kDeliveryLock + ")");
    if (!q.step() || q.int64(0) != 1) return nullptr;
    return std::make_unique<AdvisoryLock>(db_, locked_);
}

OutboxStore::Counts PgOutbox::counted_since(std::string_view recipient, std::int64_t since) {
    auto q = db_.query(
        "SELECT COALESCE(SUM(link), 0), COALESCE(SUM(queued), 0) FROM mail_counts "
        "WHERE ascii_fold(recipient) = ascii_fold(?) AND at > ?");
    q.bind(1, recipient).bind(2, since);
    q.step();
    return {q.int64(0), q.int64(1)};
}

void PgOutbox::count(std::string_view recipient, std::int64_t now, bool link, bool queued) {
    auto q = db_.query("INSERT INTO mail_counts (recipient, at, link, queued) VALUES (?, ?, ?, ?)");
    q.bind(1, recipient).bind(2, now).bind(3, std::int64_t{link}).bind(4, std::int64_t{queued}).exec();
}

void PgOutbox::purge_counts_before(std::int64_t before) {
    db_.query("DELETE FROM mail_counts WHERE at < ?").bind(1, before).exec();
}

}  // namespace auth
