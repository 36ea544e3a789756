// The outbox's rows (store.hh OutboxStore) in SQL that SQLite and PostgreSQL
// both take: a base template over the connection, as store/sql/sessions.hh.
// What differs stays with each store: dropping expired mail, claiming the
// next one (PostgreSQL: FOR UPDATE SKIP LOCKED) and the delivery lock (a
// file lock beside the SQLite file; an advisory lock on PostgreSQL).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlOutboxRows : public OutboxStore {
public:
    explicit SqlOutboxRows(Conn& db) : db_(db) {}

    void add(std::string_view sender, std::string_view recipient, std::string_view nonce, std::string_view sealed,
             int priority, std::int64_t now, std::int64_t expires_at) override {
        auto q = db_.query(
            "INSERT INTO outbox (sender, recipient, nonce, ciphertext, priority, created_at, expires_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, sender).bind(2, recipient).bind_blob(3, nonce).bind_blob(4, sealed).bind(5, std::int64_t{priority});
        q.bind(6, now).bind(7, expires_at).bind(8, now);
        q.exec();
    }

    void delivered(std::int64_t id) override { db_.query("DELETE FROM outbox WHERE id = ?").bind(1, id).exec(); }

    void failed(std::int64_t id, std::string_view error) override {
        auto u = db_.query("UPDATE outbox SET claimed_until = 0, last_error = ? WHERE id = ?");
        u.bind(1, error.substr(0, 300)).bind(2, id).exec();
    }

    void discard(std::int64_t id) override { delivered(id); }

    void postpone_due(std::int64_t now, std::int64_t until, std::string_view why) override {
        auto u = db_.query(
            "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE next_attempt_at <= ? AND claimed_until <= ?");
        u.bind(1, until).bind(2, why.substr(0, 300)).bind(3, now).bind(4, now).exec();
    }

    void release_claims() override { db_.query("UPDATE outbox SET claimed_until = 0 WHERE claimed_until > 0").exec(); }

    bool has_due(std::int64_t now) override {
        auto q = db_.query("SELECT 1 FROM outbox WHERE next_attempt_at <= ? AND claimed_until <= ? LIMIT 1");
        q.bind(1, now).bind(2, now);
        return q.step();
    }

    std::optional<std::int64_t> next_attempt_at() override {
        auto q = db_.query("SELECT MIN(next_attempt_at) FROM outbox");
        if (!q.step() || q.is_null(0)) return std::nullopt;
        return q.int64(0);
    }

    Counts counted_since(std::string_view recipient, std::int64_t since) override {
        static const std::string sql = "SELECT COALESCE(SUM(link), 0), COALESCE(SUM(queued), 0) FROM mail_counts WHERE " +
                                       Conn::caseless_eq("recipient") + " AND at > ?";
        auto q = db_.query(sql);
        q.bind(1, recipient).bind(2, since);
        q.step();
        return {q.int64(0), q.int64(1)};
    }

    void count(std::string_view recipient, std::int64_t now, bool link, bool queued) override {
        auto q = db_.query("INSERT INTO mail_counts (recipient, at, link, queued) VALUES (?, ?, ?, ?)");
        q.bind(1, recipient).bind(2, now).bind(3, std::int64_t{link}).bind(4, std::int64_t{queued}).exec();
    }

    void purge_counts_before(std::int64_t before) override {
        db_.query("DELETE FROM mail_counts WHERE at < ?").bind(1, before).exec();
    }

    std::vector<OutboxEntry> list(std::int64_t limit) override {
        auto q = db_.query(
            "SELECT id, recipient, created_at, expires_at, attempts, next_attempt_at, last_error FROM outbox "
            "ORDER BY id LIMIT ?");
        q.bind(1, limit);
        std::vector<OutboxEntry> entries;
        while (q.step())
            entries.push_back({q.int64(0), q.text(1), q.int64(2), q.int64(3), q.int64(4), q.int64(5), q.text(6)});
        return entries;
    }

    std::int64_t retry_failed(std::int64_t now) override {
        auto q = db_.query("UPDATE outbox SET next_attempt_at = ? WHERE last_error != '' AND claimed_until <= ?");
        q.bind(1, now).bind(2, now).exec();
        return db_.changes();
    }

    std::int64_t forget_recipient(std::string_view recipient, std::int64_t now) override {
        static const std::string sql = "DELETE FROM outbox WHERE " + Conn::caseless_eq("recipient") + " AND claimed_until <= ?";
        db_.query(sql).bind(1, recipient).bind(2, now).exec();
        std::int64_t messages = db_.changes();
        forget_counts(recipient);
        return messages;
    }

    void forget_counts(std::string_view recipient) override {
        static const std::string sql = "DELETE FROM mail_counts WHERE " + Conn::caseless_eq("recipient");
        db_.query(sql).bind(1, recipient).exec();
    }

protected:
    Conn& db_;
};

}  // namespace auth
