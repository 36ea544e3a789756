#include "account/pictures.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/fd.hh"
#include "core/log.hh"
#include "store/store.hh"

namespace auth {

namespace {

constexpr const char* kTempPrefix = ".tmp-";

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error("picture store: " + what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("cannot write", path);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

bool PictureStore::valid_name(std::string_view name) {
    auto dot = name.find('.');
    if (dot != 43 || !looks_like_token(name.substr(0, dot))) return false;
    return type_for_extension(name.substr(dot + 1)).has_value();
}

std::string PictureStore::write(std::string_view bytes, ImageType type) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec)) {
        std::filesystem::create_directories(dir_, ec);
        if (ec) throw std::runtime_error("picture store: cannot create " + dir_ + ": " + ec.message());
        ::chmod(dir_.c_str(), 0700);
    }
    std::string name = random_token(32) + "." + extension(type);
    std::string temp = path_of(kTempPrefix + random_token(12));
    {
        Fd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (out.get() < 0) fail("cannot create", temp);
        try {
            write_all(out.get(), bytes, temp);
            if (::fsync(out.get()) != 0) fail("cannot sync", temp);
        } catch (...) {
            ::unlink(temp.c_str());
            throw;
        }
    }
    if (::rename(temp.c_str(), path_of(name).c_str()) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail("cannot rename into", path_of(name));
    }
    Fd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());  // the rename itself survives a crash
    return name;
}

void PictureStore::remove_file(const std::string& name) {
    if (!valid_name(name)) return;
    if (::unlink(path_of(name).c_str()) != 0 && errno != ENOENT)
        log_line("picture " + name + " could not be deleted: " + std::strerror(errno));
}

std::optional<StoredPicture> PictureStore::load(std::int64_t user_id, std::string_view name) {
    if (!valid_name(name)) return std::nullopt;
    {
        auto user = users_.find_by_id(user_id);
        if (!user || user->picture != name) return std::nullopt;
    }
    std::string path = path_of(name);
    Fd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) {
        log_line("picture " + std::string(name) + " of account " + std::to_string(user_id) + " cannot be read: " +
                 std::strerror(errno));
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxPictureBytes)) return std::nullopt;
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
        ssize_t n = ::read(in.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    // Checked again on the way out: what is served is what was accepted.
    ImageCheck check = sniff_image(bytes);
    auto wanted = type_for_extension(name.substr(name.find('.') + 1));
    if (!check.ok() || check.type != wanted) {
        log_line("picture " + std::string(name) + " of account " + std::to_string(user_id) + " is damaged; not served");
        return std::nullopt;
    }
    return StoredPicture{*check.type, std::move(bytes)};
}

int PictureStore::purge_orphans() {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec)) return 0;
    std::set<std::string> named;
    for (auto& name : users_.pictures_in_use()) named.insert(std::move(name));
    std::int64_t cutoff = clock_.now() - 3600;
    int removed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        std::string name = entry.path().filename().string();
        bool ours = valid_name(name) || name.rfind(kTempPrefix, 0) == 0;
        if (!ours || named.count(name)) continue;
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_mtime > cutoff) continue;
        if (::unlink(entry.path().c_str()) == 0) ++removed;
    }
    if (removed) log_line("deleted " + std::to_string(removed) + " picture file(s) no account uses");
    return removed;
}

}  // namespace auth
