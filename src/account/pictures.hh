// Profile pictures on disk, in PICTURE_DIR (outside the document root; by
// default the database's folder + "/pictures"). Only bytes that
// sniff_image accepted are stored, each under a new random name (43
// URL-safe characters and the extension of the sniffed type, never the name
// the browser sent), written to a temporary file and renamed into place, so
// a reader never sees half a file. users.picture names the current one; a
// replaced or removed picture's file is deleted once the database no longer
// names it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/image_sniff.hh"

namespace auth {

class Clock;
class UserStore;

struct StoredPicture {
    ImageType type = ImageType::Png;
    std::string bytes;
};

class PictureStore {
public:
    PictureStore(UserStore& users, const Clock& clock, std::string dir) : users_(users), clock_(clock), dir_(std::move(dir)) {}

    // Writes `bytes` (already accepted by sniff_image as `type`) under a new
    // name and returns the name; creates the folder (mode 0700) if needed.
    // Throws std::runtime_error when the file cannot be written.
    std::string write(std::string_view bytes, ImageType type);
    // Deletes a picture file; a file already gone is no error.
    void remove_file(const std::string& name);
    // The picture called `name` if it is the user's current one.
    std::optional<StoredPicture> load(std::int64_t user_id, std::string_view name);
    // Deletes files no account names that are over an hour old (left by a
    // process that died between write and assign); returns how many.
    int purge_orphans();

    // A name write() could have made: 43 URL-safe characters, ".png", ".jpg" or ".webp".
    static bool valid_name(std::string_view name);

private:
    std::string path_of(std::string_view name) const { return dir_ + "/" + std::string(name); }

    UserStore& users_;
    const Clock& clock_;
    std::string dir_;
};

}  // namespace auth
