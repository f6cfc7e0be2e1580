// The cookie store's cookie opener (session/cookie/sealed_cookie.*), where a
// client's bytes meet AES-GCM and then the record codec. The first input
// byte picks what the rest is:
//   0: a cookie value as a client sends it. Property: it never opens (no
//      forged cookie), and it is refused for the first reason that applies.
//   1: a payload sealed here with the real key, as if our own sealing had a
//      bug. Property: it opens or is refused as BadPayload or Expired (or
//      TooLong, past a cookie's size), and what opens seals and opens
//      again to the same session.
//   2: a session, sealed under the old key. Properties: it opens to itself
//      under a ring that holds that key, and is refused as UnknownKey once
//      the key is removed, under another cookie name, and after any one
//      character of the value is changed.
#include "fuzz_input.hpp"
#include "key_rings.hpp"
#include "property.hpp"
#include "session/cookie/sealed_cookie.hpp"
#include "session/crypto/base64url.hpp"
#include "session/crypto/sealed_box.hpp"
#include "session/record_codec.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using namespace sessiongate::session;
using namespace sessiongate::fuzz;

namespace {

constexpr std::string_view name = "sessionid";
constexpr std::int64_t now = 1767229200;

bool same(const CookieSession& a, const CookieSession& b) { return a.id == b.id && a.record == b.record; }

void forged_value(std::string_view value) {
    const auto opened = open_cookie(current_ring(), name, value, now);
    FUZZ_PROPERTY(!opened);
    const auto sealed = crypto::base64url_decode(value);
    if (value.size() > cookie_limit_bytes) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::TooLong);
    } else if (!sealed) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::NotBase64url);
    } else if (sealed->size() < 1 + crypto::sealed_box_overhead) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::TooShort);
    } else if (static_cast<std::uint8_t>(sealed->front()) != sealed_cookie_version) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::UnknownVersion);
    } else {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::UnknownKey ||
                      opened.rejection == CookieRejection::BadTag);
    }
}

void authentic_payload(std::string_view payload) {
    std::string sealed(1, static_cast<char>(sealed_cookie_version));
    std::string associated = sealed;
    associated.append(name);
    FUZZ_PROPERTY(crypto::seal_box(current_ring(), crypto::KeyUse::SealedCookie, payload, associated, sealed));
    const auto value = crypto::base64url_encode(sealed);
    const auto opened = open_cookie(current_ring(), name, value, now);
    if (value.size() > cookie_limit_bytes) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::TooLong);
        return;
    }
    if (!opened) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::BadPayload ||
                      opened.rejection == CookieRejection::Expired);
        return;
    }
    FUZZ_PROPERTY(opened.session.record.expires > now);
    FUZZ_PROPERTY(is_encodable(opened.session.record));
    const auto again = seal_cookie(current_ring(), name, opened.session);
    if (again.outcome != SealedCookie::Outcome::Sealed) return;  // a payload too large for a cookie
    const auto reopened = open_cookie(current_ring(), name, again.value, now);
    FUZZ_PROPERTY(reopened && same(reopened.session, opened.session));
}

void sealed_session(FuzzInput in) {
    const std::size_t changed_at = in.u16();
    const auto replacement = static_cast<char>(in.u8());
    CookieSession session;
    session.id = std::string(in.sized());
    session.record = in.record();
    const auto sealed = seal_cookie(old_ring(), name, session);
    if (sealed.outcome == SealedCookie::Outcome::TooLarge) return;
    FUZZ_PROPERTY(sealed.outcome == SealedCookie::Outcome::Sealed);
    FUZZ_PROPERTY(name.size() + 1 + sealed.value.size() <= cookie_limit_bytes);

    const auto opened = open_cookie(current_ring(), name, sealed.value, now);
    if (session.record.expires <= now) {
        FUZZ_PROPERTY(opened.rejection == CookieRejection::Expired);
    } else {
        FUZZ_PROPERTY(opened && same(opened.session, session));
    }
    FUZZ_PROPERTY(open_cookie(new_ring(), name, sealed.value, now).rejection == CookieRejection::UnknownKey);
    FUZZ_PROPERTY(!open_cookie(current_ring(), "sessionid2", sealed.value, now));

    std::string tampered = sealed.value;
    auto& at = tampered[changed_at % tampered.size()];
    if (at == replacement) return;
    at = replacement;
    FUZZ_PROPERTY(!open_cookie(current_ring(), name, tampered, now));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in{std::string_view(reinterpret_cast<const char*>(data), size)};
    switch (in.u8() % 3) {
    case 0: forged_value(in.rest); break;
    case 1: authentic_payload(in.rest); break;
    case 2: sealed_session(in); break;
    }
    return 0;
}
