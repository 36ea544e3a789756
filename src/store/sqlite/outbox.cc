#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "store/sqlite/stores.hh"

namespace auth {

namespace {

// The delivery lock: an flock() on a file beside the database. The kernel
// drops it when the descriptor closes, also when the process is killed.
class FileLock final : public DeliveryLock {
public:
    explicit FileLock(int fd) : fd_(fd) {}
    ~FileLock() override { ::close(fd_); }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_;
};

}  // namespace

void SqliteOutbox::add(std::string_view sender, std::string_view recipient, std::string_view nonce, std::string_view sealed,
                       int priority, std::int64_t now, std::int64_t expires_at) {
    auto q = db_.query(
        "INSERT INTO outbox (sender, recipient, nonce, ciphertext, priority, created_at, expires_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, sender).bind(2, recipient).bind_blob(3, nonce).bind_blob(4, sealed).bind(5, std::int64_t{priority});
    q.bind(6, now).bind(7, expires_at).bind(8, now);
    q.exec();
}

std::vector<QueuedMail> SqliteOutbox::drop_expired(std::int64_t now) {
    std::vector<QueuedMail> dropped;
    Transaction tx(db_);
    {
        auto q = db_.query("SELECT id, attempts, last_error FROM outbox WHERE expires_at <= ? AND claimed_until <= ?");
        q.bind(1, now).bind(2, now);
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

std::optional<QueuedMail> SqliteOutbox::claim_next(std::int64_t now, std::int64_t lease_end,
                                                   std::int64_t (*retry_after)(std::int64_t attempts)) {
    Transaction tx(db_);
    QueuedMail m;
    {
        auto q = db_.query(
            "SELECT id, attempts, sender, recipient, nonce, ciphertext, last_error FROM outbox "
            "WHERE next_attempt_at <= ?1 AND claimed_until <= ?1 AND expires_at > ?1 "
            "ORDER BY priority, (SELECT COUNT(*) FROM mail_counts c WHERE c.recipient = outbox.recipient AND c.at > ?2 "
            "AND c.queued = 1), id "
            "LIMIT 1");
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

void SqliteOutbox::delivered(std::int64_t id) { db_.query("DELETE FROM outbox WHERE id = ?").bind(1, id).exec(); }

void SqliteOutbox::failed(std::int64_t id, std::string_view error) {
    auto u = db_.query("UPDATE outbox SET claimed_until = 0, last_error = ? WHERE id = ?");
    u.bind(1, error.substr(0, 300)).bind(2, id).exec();
}

void SqliteOutbox::discard(std::int64_t id) { delivered(id); }

void SqliteOutbox::postpone_due(std::int64_t now, std::int64_t until, std::string_view why) {
    auto u = db_.query(
        "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE next_attempt_at <= ? AND claimed_until <= ?");
    u.bind(1, until).bind(2, why.substr(0, 300)).bind(3, now).bind(4, now).exec();
}

void SqliteOutbox::release_claims() { db_.query("UPDATE outbox SET claimed_until = 0 WHERE claimed_until > 0").exec(); }

bool SqliteOutbox::has_due(std::int64_t now) {
    auto q = db_.query("SELECT 1 FROM outbox WHERE next_attempt_at <= ? AND claimed_until <= ? LIMIT 1");
    q.bind(1, now).bind(2, now);
    return q.step();
}

std::optional<std::int64_t> SqliteOutbox::next_attempt_at() {
    auto q = db_.query("SELECT MIN(next_attempt_at) FROM outbox");
    if (!q.step() || q.is_null(0)) return std::nullopt;
    return q.int64(0);
}

std::unique_ptr<DeliveryLock> SqliteOutbox::try_lock() {
    // Made like SQLite's -wal and -shm files: the database file's mode and,
    // when root makes it, its owner, so that runs from cron (as the site's
    // user) and from the pages (as the web server's) can both take it.
    // flock() needs no write access: opened read-only.
    struct stat db {};
    std::string database = lock_path_.substr(0, lock_path_.size() - std::string_view("-deliver.lock").size());
    bool known = ::stat(database.c_str(), &db) == 0;
    int fd = ::open(lock_path_.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, known ? (db.st_mode & 0666) : 0600);
    if (fd >= 0 && known && ::geteuid() == 0 && ::fchown(fd, db.st_uid, db.st_gid) != 0) {
        // Not fatal: the lock still works for this user.
    }
    if (fd < 0) throw DbError("cannot open the delivery lock " + lock_path_ + ": " + std::strerror(errno), 0);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        ::close(fd);
        if (e == EWOULDBLOCK) return nullptr;
        throw DbError("cannot take the delivery lock " + lock_path_ + ": " + std::strerror(e), 0);
    }
    return std::make_unique<FileLock>(fd);
}

OutboxStore::Counts SqliteOutbox::counted_since(std::string_view recipient, std::int64_t since) {
    auto q = db_.query(
        "SELECT COALESCE(SUM(link), 0), COALESCE(SUM(queued), 0) FROM mail_counts WHERE recipient = ? AND at > ?");
    q.bind(1, recipient).bind(2, since);
    q.step();
    return {q.int64(0), q.int64(1)};
}

void SqliteOutbox::count(std::string_view recipient, std::int64_t now, bool link, bool queued) {
    auto q = db_.query("INSERT INTO mail_counts (recipient, at, link, queued) VALUES (?, ?, ?, ?)");
    q.bind(1, recipient).bind(2, now).bind(3, std::int64_t{link}).bind(4, std::int64_t{queued}).exec();
}

void SqliteOutbox::purge_counts_before(std::int64_t before) {
    db_.query("DELETE FROM mail_counts WHERE at < ?").bind(1, before).exec();
}

std::vector<OutboxEntry> SqliteOutbox::list(std::int64_t limit) {
    auto q = db_.query(
        "SELECT id, recipient, created_at, expires_at, attempts, next_attempt_at, last_error FROM outbox "
        "ORDER BY id LIMIT ?");
    q.bind(1, limit);
    std::vector<OutboxEntry> entries;
    while (q.step())
        entries.push_back({q.int64(0), q.text(1), q.int64(2), q.int64(3), q.int64(4), q.int64(5), q.text(6)});
    return entries;
}

std::int64_t SqliteOutbox::retry_failed(std::int64_t now) {
    auto q = db_.query("UPDATE outbox SET next_attempt_at = ? WHERE last_error != '' AND claimed_until <= ?");
    q.bind(1, now).bind(2, now).exec();
    return db_.changes();
}

std::int64_t SqliteOutbox::forget_recipient(std::string_view recipient, std::int64_t now) {
    db_.query("DELETE FROM outbox WHERE recipient = ? COLLATE NOCASE AND claimed_until <= ?").bind(1, recipient).bind(2, now).exec();
    std::int64_t messages = db_.changes();
    forget_counts(recipient);
    return messages;
}

void SqliteOutbox::forget_counts(std::string_view recipient) {
    db_.query("DELETE FROM mail_counts WHERE recipient = ?").bind(1, recipient).exec();
}

}  // namespace auth

