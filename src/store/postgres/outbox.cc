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
    db_.idempotent([&] { SqlOutboxRows<PgConn>::delivered(id); });
}

void PgOutbox::failed(std::int64_t id, std::string_view error) {
    db_.idempotent([&] { SqlOutboxRows<PgConn>::failed(id, error); });
}

std::unique_ptr<DeliveryLock> PgOutbox::try_lock() {
    // A session's advisory locks nest; a second run on this connection is
    // refused here, as one on another connection is by the server.
    if (locked_) return nullptr;
    auto q = db_.query(std::string("SELECT pg_try_advisory_lock(") + kDeliveryLock + ")");
    if (!q.step() || q.int64(0) != 1) return nullptr;
    return std::make_unique<AdvisoryLock>(db_, locked_);
}

}  // namespace auth
