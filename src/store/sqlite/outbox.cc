#include <limits>

#include "store/sqlite/stores.hh"

namespace auth {

void SqliteOutbox::add(std::string_view sender, std::string_view recipient, std::string_view nonce, std::string_view sealed,
                       std::int64_t now, std::int64_t expires_at) {
    auto q = db_.query(
        "INSERT INTO outbox (sender, recipient, nonce, ciphertext, created_at, expires_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, sender).bind(2, recipient).bind_blob(3, nonce).bind_blob(4, sealed).bind(5, now).bind(6, expires_at).bind(7, now);
    q.exec();
}

std::vector<QueuedMail> SqliteOutbox::drop_expired(std::int64_t now) {
    std::vector<QueuedMail> dropped;
    Transaction tx(db_);
    {
        auto q = db_.query("SELECT id, attempts, last_error FROM outbox WHERE expires_at <= ?");
        q.bind(1, now);
        while (q.step()) {
            QueuedMail m;
            m.id = q.int64(0);
            m.attempts = q.int64(1);
            m.last_error = q.text(2);
            dropped.push_back(std::move(m));
        }
    }
    for (const auto& m : dropped) db_.query("DELETE FROM outbox WHERE id = ?").bind(1, m.id).exec();
    tx.commit();
    return dropped;
}

std::optional<QueuedMail> SqliteOutbox::claim_next(std::int64_t now, std::int64_t lease) {
    Transaction tx(db_);
    QueuedMail m;
    {
        auto q = db_.query(
            "SELECT id, attempts, sender, recipient, nonce, ciphertext, last_error FROM outbox "
            "WHERE next_attempt_at <= ? AND claimed_until <= ? ORDER BY next_attempt_at LIMIT 1");
        q.bind(1, now).bind(2, now);
        if (!q.step()) return std::nullopt;
        m = QueuedMail{q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)};
    }
    db_.query("UPDATE outbox SET claimed_until = ? WHERE id = ?").bind(1, now + lease).bind(2, m.id).exec();
    tx.commit();
    return m;
}

void SqliteOutbox::delivered(std::int64_t id) { db_.query("DELETE FROM outbox WHERE id = ?").bind(1, id).exec(); }

void SqliteOutbox::failed(std::int64_t id, std::int64_t attempts, std::int64_t next_attempt_at, std::string_view error) {
    auto u = db_.query("UPDATE outbox SET attempts = ?, next_attempt_at = ?, claimed_until = 0, last_error = ? WHERE id = ?");
    u.bind(1, attempts).bind(2, next_attempt_at).bind(3, error.substr(0, 300)).bind(4, id).exec();
}

// Asked after every response, so usually answered without SQL: the query
// also says when the next message will be due, and that answer holds until
// the database changes (the connection's data version, which a statement's
// read transaction brings up to date without I/O of its own) or that time
// comes. It is trusted only when a statement has run on this connection
// since it was asked, so that the data version is fresh: a request without
// SQL (a GET /login without a session) asks the database, as before. Another
// process's mail is seen by the next request that runs a statement.
bool SqliteOutbox::has_due(std::int64_t now) {
    std::uint64_t steps = db_.steps();
    unsigned version = db_.data_version();
    if (due_known_ && steps != steps_at_check_ && version == version_at_check_ && now < next_due_) {
        steps_at_check_ = db_.steps();
        return false;
    }
    // A message is due when max(next_attempt_at, claimed_until) <= now; the
    // first part gives a time no later than the next one that becomes due,
    // from the index alone, the second the messages whose attempt time has
    // come (due unless claimed).
    auto q = db_.query(
        "SELECT min(t) FROM (SELECT min(next_attempt_at) AS t FROM outbox WHERE next_attempt_at > ?1 "
        "UNION ALL SELECT min(max(next_attempt_at, claimed_until)) FROM outbox WHERE next_attempt_at <= ?1)");
    q.bind(1, now);
    q.step();
    next_due_ = q.is_null(0) ? std::numeric_limits<std::int64_t>::max() : q.int64(0);
    version_at_check_ = db_.data_version();
    steps_at_check_ = db_.steps();
    due_known_ = true;
    return next_due_ <= now;
}

}  // namespace auth
