#include "session/cookie/store.hpp"

#include "session/cookie/sealed_cookie.hpp"
#include "session/crypto/base64url.hpp"
#include "session/crypto/sealed_box.hpp"
#include "unit/fixture_file.hpp"
#include "unit/session/store_suite.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate;
using namespace sessiongate::session;
using namespace sessiongate::session::testing;

namespace {

const std::string old_secret(40, 'o');
const std::string new_secret(40, 'n');

std::string key_id_of(const std::string& value) {
    return std::string(crypto::box_key_id(crypto::base64url_decode(value)->substr(1)));
}

}  // namespace

TEST_CASE("CookieStore passes the store conformance suite", "[store][cookie]") {
    const crypto::KeyRing ring({new_secret, old_secret});
    run_store_conformance([&] { return std::make_unique<CookieStore>(ring, "sessionid"); });
}

TEST_CASE("CookieStore keeps nothing on a server", "[store][cookie]") {
    const crypto::KeyRing ring({new_secret});
    CookieStore store(ring, "sessionid");
    CHECK(store.admin() == nullptr);
    CHECK(store.expiry_sweep() == nullptr);
    // The cookie is the session: another store with the same keys reads it,
    // as a second process with the same key file does.
    const auto value = start_session(store, R"({"member_id":42})");
    CookieStore other(ring, "sessionid");
    CHECK(data_of(other, value) == boost::json::parse(R"({"member_id":42})"));
    // No revocation: a cookie replaced by a later save still opens until it expires.
    const auto later = write_sync(store, request(suite_t0 + 1, value, {obj(R"({"b":1})")}));
    REQUIRE(later.outcome == WriteOutcome::Saved);
    CHECK(later.cookie_value != value);
    CHECK(data_of(store, value) == boost::json::parse(R"({"member_id":42})"));
    CHECK(data_of(store, later.cookie_value) == boost::json::parse(R"({"b":1,"member_id":42})"));
}

TEST_CASE("CookieStore: a tampered, truncated, renamed or foreign cookie names no session", "[store][cookie]") {
    const crypto::KeyRing ring({new_secret});
    CookieStore store(ring, "sessionid");
    const auto value = start_session(store, R"({"a":1})");
    std::string tampered = value;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    CHECK(load_sync(store, tampered, suite_t0).status == LoadStatus::NotFound);
    CHECK(load_sync(store, value.substr(0, value.size() - 3), suite_t0).status == LoadStatus::NotFound);
    CHECK(load_sync(store, value + "AAAA", suite_t0).status == LoadStatus::NotFound);
    CookieStore renamed(ring, "othername");
    CHECK(load_sync(renamed, value, suite_t0).status == LoadStatus::NotFound);
    const crypto::KeyRing foreign({std::string(40, 'f')});
    CookieStore elsewhere(foreign, "sessionid");
    CHECK(load_sync(elsewhere, value, suite_t0).status == LoadStatus::NotFound);
    // A write from such a cookie starts a new session, never adopting it.
    auto w = request(suite_t0, tampered, {obj(R"({"b":2})")});
    CHECK(write_sync(store, w).outcome == WriteOutcome::Gone);
}

TEST_CASE("CookieStore after a key rotation: old cookies read, new ones sealed with the new key",
          "[store][cookie]") {
    const crypto::KeyRing before({old_secret});
    const crypto::KeyRing rotated({new_secret, old_secret});
    CookieStore old_store(before, "sessionid");
    CookieStore new_store(rotated, "sessionid");
    const auto old_value = start_session(old_store, R"({"a":1})", suite_t0, "h-rot");
    REQUIRE(load_sync(new_store, old_value, suite_t0).status == LoadStatus::Found);
    const auto saved = write_sync(new_store, request(suite_t0 + 1, old_value, {obj(R"({"b":2})")}));
    REQUIRE(saved.outcome == WriteOutcome::Saved);
    CHECK(saved.record.handle == "h-rot");  // X-Session-Id unchanged by the rotation
    // Once the old secret is removed, its cookies name no session.
    const crypto::KeyRing new_only({new_secret});
    CookieStore retired(new_only, "sessionid");
    CHECK(key_id_of(saved.cookie_value) == key_id_of(start_session(retired, R"({"x":1})")));
    CHECK(key_id_of(saved.cookie_value) != key_id_of(old_value));
    CHECK(load_sync(retired, old_value, suite_t0).status == LoadStatus::NotFound);
    CHECK(load_sync(retired, saved.cookie_value, suite_t0 + 1).status == LoadStatus::Found);
}

TEST_CASE("CookieStore refuses an update past the 4096-byte cookie limit and keeps the session",
          "[store][cookie]") {
    const crypto::KeyRing ring({new_secret});
    CookieStore store(ring, "sessionid");
    const auto value = start_session(store, R"({"a":1})");
    auto w = request(suite_t0 + 1, value, {obj(R"({"big":")" + std::string(4000, 'x') + R"("})")});
    const auto refused = write_sync(store, w);
    CHECK(refused.outcome == WriteOutcome::TooLarge);
    CHECK_THAT(refused.error, Catch::Contains("4096-byte cookie limit"));
    CHECK(data_of(store, value) == boost::json::parse(R"({"a":1})"));
    // Under the limit by the sealing's overhead, it fits.
    auto fits = request(suite_t0 + 1, value, {obj(R"({"big":")" + std::string(2500, 'x') + R"("})")});
    const auto saved = write_sync(store, fits);
    REQUIRE(saved.outcome == WriteOutcome::Saved);
    CHECK(std::string("sessionid=").size() + saved.cookie_value.size() <= cookie_limit_bytes);
}

TEST_CASE("CookieStore reads the committed version 1 sealed cookie and re-seals it", "[store][cookie][fixture]") {
    const auto keys = test::fixture_lines("secret_keys.txt");
    const crypto::KeyRing rotated({new_secret, keys.at(0)});
    CookieStore store(rotated, "sessionid");
    const auto value = test::fixture_lines("sealed_cookie_v1.txt").at(0);
    const auto loaded = load_sync(store, value, 1767229200);
    REQUIRE(loaded.status == LoadStatus::Found);
    CHECK(loaded.record.handle == "U2Aev_lrKJ0oClJ6NmeZqJ0TO1-3Sd0oVz-X0uHXaFc");
    CHECK(boost::json::parse(loaded.record.data_json).at("num_visits") == 3);
    CHECK(load_sync(store, value, 1767232800).status == LoadStatus::Expired);

    auto w = request(1767229300, value, {obj(R"({"num_visits":4})")});
    const auto saved = write_sync(store, w);
    REQUIRE(saved.outcome == WriteOutcome::Saved);
    CHECK(saved.record.handle == loaded.record.handle);
    CHECK(saved.record.created == 1767225600);
    CHECK(key_id_of(saved.cookie_value) != key_id_of(value));
    const crypto::KeyRing new_only({new_secret});
    const auto reopened = open_cookie(new_only, "sessionid", saved.cookie_value, 1767229300);
    REQUIRE(reopened);
    CHECK(reopened.session.id == "qZ3bLEBBy6Jm6V2tCx0sD4g1ob2uVbYl0mIJb9bTFvU");  // the id stays with the session
}
