#include "session/cookie/sealed_cookie.hpp"

#include "session/crypto/base64url.hpp"
#include "session/crypto/sealed_box.hpp"
#include "session/record_codec.hpp"

namespace sessiongate::session {

namespace {

constexpr std::size_t max_id_bytes = 255;

/// What the tag covers besides the key id: the version, then the name.
std::string associated_data(std::uint8_t version, std::string_view cookie_name) {
    std::string associated(1, static_cast<char>(version));
    associated.append(cookie_name);
    return associated;
}

std::string encode_payload(const CookieSession& session) {
    std::string out(1, static_cast<char>(session.id.size()));
    out.append(session.id);
    out.append(encode_record(session.record));
    return out;
}

bool decode_payload(std::string_view payload, CookieSession& session) {
    if (payload.empty()) return false;
    const std::size_t id_size = static_cast<unsigned char>(payload[0]);
    if (payload.size() < 1 + id_size) return false;
    const auto record = decode_record(payload.substr(1 + id_size));
    if (!record) return false;
    session.id.assign(payload.substr(1, id_size));
    session.record = record->to_record();
    return true;
}

CookieRejection rejection_of(crypto::OpenFailure failure) {
    switch (failure) {
    case crypto::OpenFailure::None: return CookieRejection::None;
    case crypto::OpenFailure::TooShort: return CookieRejection::TooShort;
    case crypto::OpenFailure::UnknownKey: return CookieRejection::UnknownKey;
    case crypto::OpenFailure::BadTag: return CookieRejection::BadTag;
    }
    return CookieRejection::BadTag;
}

}  // namespace

SealedCookie seal_cookie(const crypto::KeyRing& ring, std::string_view cookie_name, const CookieSession& session) {
    if (session.id.size() > max_id_bytes || session.record.handle.size() > max_handle_bytes)
        return {SealedCookie::Outcome::Invalid, {}};
    const auto payload = encode_payload(session);
    // Checked before sealing too: a session far over the limit costs no AES.
    const auto sealed_size = 1 + crypto::sealed_box_overhead + payload.size();
    const auto encoded_size = (sealed_size * 4 + 2) / 3;
    if (cookie_name.size() + 1 + encoded_size > cookie_limit_bytes) return {SealedCookie::Outcome::TooLarge, {}};
    std::string sealed(1, static_cast<char>(sealed_cookie_version));
    if (!crypto::seal_box(ring, crypto::KeyUse::SealedCookie, payload,
                          associated_data(sealed_cookie_version, cookie_name), sealed))
        return {SealedCookie::Outcome::Failed, {}};
    return {SealedCookie::Outcome::Sealed, crypto::base64url_encode(sealed)};
}

OpenedCookie open_cookie(const crypto::KeyRing& ring, std::string_view cookie_name, std::string_view value,
                         std::int64_t now) {
    OpenedCookie opened;
    // No real cookie is longer; a longer value is not decoded at all.
    if (value.size() > cookie_limit_bytes) {
        opened.rejection = CookieRejection::TooLong;
        return opened;
    }
    const auto sealed = crypto::base64url_decode(value);
    if (!sealed) {
        opened.rejection = CookieRejection::NotBase64url;
        return opened;
    }
    if (sealed->size() < 1 + crypto::sealed_box_overhead) {
        opened.rejection = CookieRejection::TooShort;
        return opened;
    }
    const auto version = static_cast<std::uint8_t>((*sealed)[0]);
    if (version != sealed_cookie_version) {
        opened.rejection = CookieRejection::UnknownVersion;
        return opened;
    }
    std::string payload;
    opened.rejection = rejection_of(crypto::open_box(ring, crypto::KeyUse::SealedCookie,
                                                     std::string_view(*sealed).substr(1),
                                                     associated_data(version, cookie_name), payload));
    if (!opened) return opened;
    if (!decode_payload(payload, opened.session)) {
        opened = OpenedCookie{CookieRejection::BadPayload, {}};
        return opened;
    }
    if (opened.session.record.expires <= now) opened = OpenedCookie{CookieRejection::Expired, {}};
    return opened;
}

std::string_view describe(CookieRejection rejection) {
    switch (rejection) {
    case CookieRejection::None: return "opened";
    case CookieRejection::NotBase64url: return "not base64url";
    case CookieRejection::TooShort: return "too short to be a sealed cookie";
    case CookieRejection::TooLong: return "longer than any cookie a browser keeps";
    case CookieRejection::UnknownVersion: return "unknown sealed cookie version";
    case CookieRejection::UnknownKey: return "sealed with a key not in the key ring";
    case CookieRejection::BadTag: return "authentication failed (tampered, truncated or another cookie's)";
    case CookieRejection::BadPayload: return "authentic but unreadable payload";
    case CookieRejection::Expired: return "expired";
    }
    return "unknown";
}

}  // namespace sessiongate::session
