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

}  // namespace auth

