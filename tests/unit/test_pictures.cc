// Tests for auth::PictureStore: random names that never come from the
// browser, files written whole in a private folder, the current picture in
// users.picture, loading only the owner's current picture (checked again on
// the way out), deleting replaced files, and sweeping orphans.
#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "store/sqlite/db.hh"
#include "account/pictures.hh"
#include "support.hh"

namespace {

using auth::ImageType;
using auth::PictureStore;

std::string fixture(const std::string& name) { return test::picture_fixture(name); }

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::set<std::string> files_in(const std::string& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.insert(e.path().filename().string());
    return names;
}

class PicturesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PicturesTest);
    CPPUNIT_TEST(default_folder_is_beside_the_database);
    CPPUNIT_TEST(names_are_random_with_the_sniffed_extension);
    CPPUNIT_TEST(write_creates_a_private_folder_and_file);
    CPPUNIT_TEST(valid_names);
    CPPUNIT_TEST(assign_returns_the_replaced_picture);
    CPPUNIT_TEST(load_only_the_owners_current_picture);
    CPPUNIT_TEST(damaged_file_is_not_served);
    CPPUNIT_TEST(remove_file_deletes_only_picture_names);
    CPPUNIT_TEST(purge_deletes_only_old_orphans);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<test::TestApp> t_;
    std::int64_t ada_ = 0, bob_ = 0;
    PictureStore& store() { return t_->app->pictures; }
    // The user's picture in the database (as the account service sets it).
    std::string assign(std::int64_t user, const std::string& name) { return t_->app->store().users().set_picture(user, name); }

public:
    void setUp() override {
        t_ = std::make_unique<test::TestApp>();
        ada_ = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword, "Ada");
        bob_ = test::make_user(*t_->app, "bob@example.test", test::kGoodPassword, "Bob");
    }
    void tearDown() override { t_.reset(); }

    void default_folder_is_beside_the_database() {
        CPPUNIT_ASSERT_EQUAL(t_->dir.file("pictures"), t_->app->config().picture_dir);
        test::TempDir d;
        auth::Config c = test::test_config(d);
        CPPUNIT_ASSERT_EQUAL(d.path() + "/pictures", c.picture_dir);
        std::map<std::string, std::string> file = {{"SECRET_KEY", test::kSecretKey}, {"BASE_URL", "http://x.test"},
                                                   {"MAIL_SERVER", "mail.test"}, {"MAIL_PORT", "25"},
                                                   {"MAIL_FROM", "a@x.test"}, {"PICTURE_DIR", "/srv/pics/"}};
        auto none = [](const std::string&) { return std::optional<std::string>(); };
        CPPUNIT_ASSERT_EQUAL(std::string("/srv/pics"), auth::make_config(file, none).picture_dir);
        file.erase("PICTURE_DIR");
        file["DATABASE_PATH"] = "/var/lib/site/db.sqlite";
        CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/site/pictures"), auth::make_config(file, none).picture_dir);
    }

    void names_are_random_with_the_sniffed_extension() {
        std::string a = store().write(fixture("picture.png"), ImageType::Png);
        std::string b = store().write(fixture("picture.png"), ImageType::Png);
        std::string c = store().write(fixture("picture.jpg"), ImageType::Jpeg);
        std::string d = store().write(fixture("picture.webp"), ImageType::Webp);
        CPPUNIT_ASSERT(a != b);
        CPPUNIT_ASSERT_EQUAL(std::size_t(47), a.size());
        CPPUNIT_ASSERT_EQUAL(std::string(".png"), a.substr(43));
        CPPUNIT_ASSERT_EQUAL(std::string(".jpg"), c.substr(43));
        CPPUNIT_ASSERT_EQUAL(std::string(".webp"), d.substr(43));
        for (const auto& n : {a, b, c, d}) CPPUNIT_ASSERT(PictureStore::valid_name(n));
        CPPUNIT_ASSERT_EQUAL(fixture("picture.png"), file_bytes(t_->app->config().picture_dir + "/" + a));
        // No temporary file is left behind.
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), files_in(t_->app->config().picture_dir).size());
    }

    void write_creates_a_private_folder_and_file() {
        CPPUNIT_ASSERT(!std::filesystem::exists(t_->app->config().picture_dir));
        std::string name = store().write(fixture("picture.png"), ImageType::Png);
        struct stat st {};
        CPPUNIT_ASSERT_EQUAL(0, ::stat(t_->app->config().picture_dir.c_str(), &st));
        CPPUNIT_ASSERT_EQUAL(0700u, static_cast<unsigned>(st.st_mode & 0777));
        CPPUNIT_ASSERT_EQUAL(0, ::stat((t_->app->config().picture_dir + "/" + name).c_str(), &st));
        CPPUNIT_ASSERT_EQUAL(0600u, static_cast<unsigned>(st.st_mode & 0777));
        // A folder that cannot be made is an error, not a silent loss.
        test::TestApp bad("http://127.0.0.1:8080", [](auth::Config& c) { c.picture_dir = "/proc/no/such/place"; });
        CPPUNIT_ASSERT_THROW(bad.app->pictures.write(fixture("picture.png"), ImageType::Png), std::runtime_error);
    }

    void valid_names() {
        const std::string token(43, 'A');
        CPPUNIT_ASSERT(PictureStore::valid_name(token + ".png"));
        CPPUNIT_ASSERT(PictureStore::valid_name("abc-_" + std::string(38, 'z') + ".webp"));
        for (const std::string& bad : {token + ".svg", token + ".html", token + ".png.html", token + ".PNG", token,
                                       std::string(42, 'A') + ".png", std::string(44, 'A') + ".png", "../" + token + ".png",
                                       std::string("/etc/passwd"), std::string(40, 'A') + "/.." + std::string(".png"), token + ".jpeg", std::string()})
            CPPUNIT_ASSERT_MESSAGE(bad, !PictureStore::valid_name(bad));
    }

    void assign_returns_the_replaced_picture() {
        std::string first = store().write(fixture("picture.png"), ImageType::Png);
        std::string second = store().write(fixture("picture.jpg"), ImageType::Jpeg);
        CPPUNIT_ASSERT_EQUAL(std::string(), assign(ada_, first));
        CPPUNIT_ASSERT_EQUAL(first, t_->app->store().users().find_by_id(ada_)->picture);
        CPPUNIT_ASSERT_EQUAL(first, assign(ada_, second));
        CPPUNIT_ASSERT_EQUAL(second, t_->app->store().users().find_by_id(ada_)->picture);
        CPPUNIT_ASSERT_EQUAL(second, assign(ada_, ""));
        CPPUNIT_ASSERT_EQUAL(std::string(), t_->app->store().users().find_by_id(ada_)->picture);
        auto q = test::db(*t_->app).query("SELECT picture IS NULL FROM users WHERE id = ?");
        q.bind(1, ada_);
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), q.int64(0));
        CPPUNIT_ASSERT_EQUAL(std::string(), t_->app->store().users().find_by_id(bob_)->picture);
    }

    void load_only_the_owners_current_picture() {
        std::string mine = store().write(fixture("picture.webp"), ImageType::Webp);
        assign(ada_, mine);
        auto got = store().load(ada_, mine);
        CPPUNIT_ASSERT(got);
        CPPUNIT_ASSERT(got->type == ImageType::Webp);
        CPPUNIT_ASSERT_EQUAL(fixture("picture.webp"), got->bytes);
        CPPUNIT_ASSERT(!store().load(bob_, mine));          // someone else's
        CPPUNIT_ASSERT(!store().load(999, mine));           // no such account
        std::string older = store().write(fixture("picture.png"), ImageType::Png);
        CPPUNIT_ASSERT(!store().load(ada_, older));         // a file on disk, but not her picture
        CPPUNIT_ASSERT(!store().load(ada_, "../test.sqlite"));
        CPPUNIT_ASSERT(!store().load(ada_, mine.substr(0, 43) + ".png"));
    }

    void damaged_file_is_not_served() {
        std::string name = store().write(fixture("picture.png"), ImageType::Png);
        assign(ada_, name);
        {
            std::ofstream out(t_->app->config().picture_dir + "/" + name, std::ios::binary | std::ios::trunc);
            out << "<html><script>alert(1)</script></html>";
        }
        test::CaptureStderr log;
        CPPUNIT_ASSERT(!store().load(ada_, name));
        CPPUNIT_ASSERT(log.text().find("damaged") != std::string::npos);
        // A JPEG under a .png name is not served either.
        std::string other = store().write(fixture("picture.jpg"), ImageType::Png);
        assign(ada_, other);
        CPPUNIT_ASSERT(!store().load(ada_, other));
        // Gone from disk: nothing, and a log line.
        std::string gone = store().write(fixture("picture.png"), ImageType::Png);
        assign(ada_, gone);
        std::filesystem::remove(t_->app->config().picture_dir + "/" + gone);
        CPPUNIT_ASSERT(!store().load(ada_, gone));
    }

    void remove_file_deletes_only_picture_names() {
        std::string name = store().write(fixture("picture.png"), ImageType::Png);
        store().remove_file(name);
        CPPUNIT_ASSERT(!std::filesystem::exists(t_->app->config().picture_dir + "/" + name));
        store().remove_file(name);  // already gone: no error
        std::ofstream(t_->dir.file("keep.txt")) << "x";
        store().remove_file("../keep.txt");
        CPPUNIT_ASSERT(std::filesystem::exists(t_->dir.file("keep.txt")));
    }

    void purge_deletes_only_old_orphans() {
        t_->clock->set(static_cast<std::int64_t>(std::time(nullptr)));
        std::string used = store().write(fixture("picture.png"), ImageType::Png);
        std::string orphan = store().write(fixture("picture.png"), ImageType::Png);
        assign(ada_, used);
        std::ofstream(t_->app->config().picture_dir + "/README") << "not ours";
        CPPUNIT_ASSERT_EQUAL(0, store().purge_orphans());  // fresh: maybe still being assigned
        t_->clock->advance(3601);
        CPPUNIT_ASSERT_EQUAL(1, store().purge_orphans());
        std::set<std::string> left = files_in(t_->app->config().picture_dir);
        CPPUNIT_ASSERT(left.count(used));
        CPPUNIT_ASSERT(!left.count(orphan));
        CPPUNIT_ASSERT(left.count("README"));
        // Housekeeping runs it too.
        std::string another = store().write(fixture("picture.png"), ImageType::Png);
        t_->clock->advance(3601);
        t_->app->accounts.housekeeping();
        CPPUNIT_ASSERT(!files_in(t_->app->config().picture_dir).count(another));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PicturesTest);

}  // namespace
