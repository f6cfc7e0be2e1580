// A SessionRecord as the bytes of one LMDB value.
//
// Layout (integers little-endian, fixed width):
//   u8  version (1)
//   i64 created, i64 modified, i64 expires
//   u8  expiry mode (0 = configured age, 1 = own seconds), i64 expiry seconds
//   u16 handle length, handle bytes
//   data JSON text (the rest of the value)
//
// The data stays JSON text at the end so a load hands it out as it is,
// without parsing; the fixed header lets list/sweep read times and sizes
// without touching the data at all.
#pragma once

#include "session/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session {

inline constexpr std::uint8_t record_format_version = 1;
inline constexpr std::size_t record_header_bytes = 1 + 8 * 3 + 1 + 8 + 2;
inline constexpr std::size_t max_handle_bytes = 255;  // well under LMDB's 511-byte key limit

/// A decoded record that still points into the encoded bytes (an LMDB page
/// while its transaction lives): copy it before the transaction ends.
struct RecordView {
    std::int64_t created = 0;
    std::int64_t modified = 0;
    std::int64_t expires = 0;
    std::optional<std::int64_t> expiry_seconds;
    std::string_view handle;
    std::string_view data_json;

    SessionRecord to_record() const;
};

/// Encodes `record`. The handle must be at most max_handle_bytes long and
/// the data a JSON object text (checked by the caller).
std::string encode_record(const SessionRecord& record);

/// Decodes bytes written by encode_record; nullopt for anything else
/// (wrong version, truncated, lengths out of range, data not an object text).
/// Never reads past `bytes` and never throws.
std::optional<RecordView> decode_record(std::string_view bytes) noexcept;

}  // namespace sessiongate::session
