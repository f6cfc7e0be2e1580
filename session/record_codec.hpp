// A SessionRecord as the bytes of one stored value (an LMDB value; a Redis
// store can keep the same bytes).
//
// Layout (integers little-endian, fixed width):
//   u8  version (1 or 2)
//   i64 created, i64 modified, i64 expires
//   u8  expiry mode (0 = configured age, 1 = own seconds), i64 expiry seconds
//   u16 handle length, handle bytes
//   version 2 only: u16 field count, then per internal field
//       u8 name length, name bytes, u32 value length, value bytes
//       (names unique, in ascending byte order)
//   data JSON text (the rest of the value)
//
// The data stays JSON text at the end so a load hands it out as it is,
// without parsing; the fixed header lets list/sweep read times and sizes
// without touching the data at all.
//
// Every version ever written stays readable (tests/unit/session/fixtures/
// holds one record of each). A record is written in the lowest version
// that can hold it: version 1 while it has no internal fields, so a
// release that writes none leaves records an older one reads.
#pragma once

#include "session/session_record.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::uint8_t record_version_plain = 1;
inline constexpr std::uint8_t record_version_internal = 2;  // with internal fields
inline constexpr std::size_t record_header_bytes = 1 + 8 * 3 + 1 + 8 + 2;
inline constexpr std::size_t max_internal_fields = 64;
inline constexpr std::size_t max_internal_name_bytes = 255;
inline constexpr std::size_t max_internal_value_bytes = 64 * 1024;

/// A decoded record that still points into the encoded bytes (an LMDB page
/// while its transaction lives): copy it before the transaction ends.
struct RecordView {
    std::uint8_t version = record_version_plain;
    std::int64_t created = 0;
    std::int64_t modified = 0;
    std::int64_t expires = 0;
    std::optional<std::int64_t> expiry_seconds;
    std::string_view handle;
    std::string_view internal;  // the encoded fields (version 2), checked
    std::string_view data_json;

    SessionRecord to_record() const;
};

/// True when `record` can be encoded: handle and internal fields within the
/// bounds above (the data is the caller's to check).
bool is_encodable(const SessionRecord& record);

/// Encodes `record` (is_encodable(record) must hold).
std::string encode_record(const SessionRecord& record);

/// Decodes bytes written by encode_record, of any version; nullopt for
/// anything else (unknown version, truncated, lengths out of range, data not
/// an object text). Never reads past `bytes` and never throws.
std::optional<RecordView> decode_record(std::string_view bytes) noexcept;

}  // namespace sessiongate::session
