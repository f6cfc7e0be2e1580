#include "session/digest.hpp"
#include "session/secret_keys.hpp"
#include "session/session_id.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sys/stat.h>

using namespace sessiongate;
using namespace sessiongate::session;

namespace {

const std::string key_a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";  // 36 chars
const std::string key_b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// Sets (or unsets) SESSIONGATE_SECRET_KEYS for one test and restores it.
class KeysVariable {
public:
    explicit KeysVariable(const char* value) {
        if (const char* old = std::getenv(name)) saved_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~KeysVariable() {
        if (saved_) ::setenv(name, saved_->c_str(), 1);
        else ::unsetenv(name);
    }

private:
    static constexpr const char* name = "SESSIONGATE_SECRET_KEYS";
    std::optional<std::string> saved_;
};

/// A fresh directory under the temp dir, removed afterwards.
class TempDirectory {
public:
    TempDirectory()
        : path_(std::filesystem::temp_directory_path() / ("sessiongate-keys-" + new_session_id().substr(0, 12))) {
        std::filesystem::create_directories(path_);
    }
    ~TempDirectory() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("SESSIONGATE_SECRET_KEYS comes first, comma separated, trimmed", "[secret_keys]") {
    KeysVariable variable((" " + key_a + " , " + key_b + ",").c_str());
    TempDirectory dir;
    config::Config config;
    write_file(dir.path() / "keys", "cccccccccccccccccccccccccccccccccccc\n");
    config.secret_key_file = (dir.path() / "keys").string();
    const auto keys = SecretKeys::load(config);
    CHECK(keys.keys() == std::vector<std::string>{key_a, key_b});
}

TEST_CASE("secret_key_file: one key per line, comments and blank lines skipped", "[secret_keys]") {
    KeysVariable variable(nullptr);
    TempDirectory dir;
    write_file(dir.path() / "keys", "# newest first\n\n  " + key_b + "  \r\n" + key_a + "\n# old\n");
    config::Config config;
    config.secret_key_file = (dir.path() / "keys").string();
    const auto keys = SecretKeys::load(config);
    CHECK(keys.keys() == std::vector<std::string>{key_b, key_a});
}

TEST_CASE("short, missing or absent keys are refused with a clear message", "[secret_keys]") {
    TempDirectory dir;
    config::Config config;

    SECTION("a short key in the variable; the key itself is not shown") {
        KeysVariable variable((key_a + ",short-key").c_str());
        CHECK_THROWS_WITH(SecretKeys::load(config),
                          Catch::Contains("secret key 2 of SESSIONGATE_SECRET_KEYS is 9 characters long") &&
                              Catch::Contains("at least 32") && !Catch::Contains("short-key"));
    }
    SECTION("a short key in the file") {
        KeysVariable variable(nullptr);
        write_file(dir.path() / "keys", "tooshort\n");
        config.secret_key_file = (dir.path() / "keys").string();
        CHECK_THROWS_WITH(SecretKeys::load(config), Catch::Contains("secret key 1 of") && Catch::Contains("8 characters"));
    }
    SECTION("a file with no key") {
        KeysVariable variable(nullptr);
        write_file(dir.path() / "keys", "# nothing\n\n");
        config.secret_key_file = (dir.path() / "keys").string();
        CHECK_THROWS_WITH(SecretKeys::load(config), Catch::Contains("holds no secret key"));
    }
    SECTION("a file that is not there") {
        KeysVariable variable(nullptr);
        config.secret_key_file = (dir.path() / "missing").string();
        CHECK_THROWS_WITH(SecretKeys::load(config), Catch::Contains("cannot read secret key file") &&
                                                        Catch::Contains("missing"));
    }
    SECTION("redis and cookie stores need a key") {
        KeysVariable variable(nullptr);
        config.store.type = config::StoreType::Redis;
        CHECK_THROWS_WITH(SecretKeys::load(config), Catch::Contains("no secret key"));
        config.store.type = config::StoreType::Cookie;
        CHECK_THROWS_WITH(SecretKeys::load(config), Catch::Contains("no secret key"));
    }
    SECTION("an empty variable counts as unset") {
        KeysVariable variable("  ");
        config.store.type = config::StoreType::Redis;
        CHECK_THROWS_WITH(SecretKeys::load(config), Catch::Contains("no secret key"));
    }
}

TEST_CASE("the LMDB store generates a 0600 key file once and reuses it", "[secret_keys]") {
    KeysVariable variable(nullptr);
    TempDirectory dir;
    config::Config config;
    config.store.type = config::StoreType::Lmdb;
    config.store.path = (dir.path() / "nested" / "sessions").string();

    const auto first = SecretKeys::load(config);
    REQUIRE(first.keys().size() == 1);
    CHECK(first.keys()[0].size() == 43);

    const auto file = std::filesystem::path(config.store.path) / "secret_key";
    REQUIRE(std::filesystem::exists(file));
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    const auto second = SecretKeys::load(config);
    CHECK(second.keys() == first.keys());
    CHECK(second.handle_for("some-id") == first.handle_for("some-id"));
}

TEST_CASE("handles: HMAC of the id under a key derived from the newest key", "[secret_keys]") {
    const SecretKeys keys({key_a, key_b});
    const auto id = new_session_id();
    const auto handle = keys.handle_for(id);

    const auto derived = hmac_sha256(key_a, "sessiongate.session-handle.v1");
    CHECK(handle == base64url_encode(hmac_sha256(derived, id)));
    CHECK(handle.size() == 43);
    CHECK(handle != id);
    CHECK(handle != base64url_encode(hmac_sha256(key_a, id)));  // not the raw key

    SECTION("stable for an id, different across ids") {
        CHECK(keys.handle_for(id) == handle);
        CHECK(keys.handle_for(new_session_id()) != handle);
    }
    SECTION("only the newest key matters") {
        CHECK(SecretKeys({key_a}).handle_for(id) == handle);
        CHECK(SecretKeys({key_b, key_a}).handle_for(id) != handle);
    }
    SECTION("no key at all is refused") {
        CHECK_THROWS(SecretKeys(std::vector<std::string>{}));
    }
}
