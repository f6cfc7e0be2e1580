// A stored record with its data sealed at rest: what the server-side
// stores (LMDB, Redis) write, so a copy of their files or a dump of their
// server yields no session data (and no live cookie: records are keyed by
// a hash of the id).
//
// It is the record's clear encoding (record_codec.hpp) with everything
// after the header sealed:
//
//   u8  version (3)
//   the clear encoding's header after its version byte: times, expiry
//       setting, handle (so list and sweep read them without the keys)
//   a sealed box (crypto/sealed_box.hpp) under the key ring's record key of
//       u8 the clear encoding's version, then the rest of the clear
//       encoding (whatever that version keeps after the header, then the
//       data JSON text)
//
// The box's tag covers the bytes before it and the record's storage key:
// no field can change and no record can be moved to another key without
// failing to open. Every clear version starts with the same header, so
// any of them can be sealed this way, and opening gives back the exact
// clear bytes, read by decode_record as ever.
#pragma once

#include "session/crypto/key_ring.hpp"
#include "session/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session {

/// Record format versions are one sequence: the clear ones are
/// record_codec.hpp's, this is the sealed one.
inline constexpr std::uint8_t record_format_sealed = 3;

/// `record` encoded and sealed with the newest record key, bound to
/// `storage_key`. nullopt only when the CSPRNG or OpenSSL fails. The
/// record must be encodable (record_codec.hpp).
std::optional<std::string> seal_record(const SessionRecord& record, std::string_view storage_key,
                                       const crypto::KeyRing& ring);

struct OpenedRecord {
    std::optional<SessionRecord> record;
    std::string_view problem;  // why there is none, for logs
    /// Sealed with a secret the ring no longer holds (removed after a
    /// rotation): not damage, the session is simply gone for us.
    bool key_removed = false;
};

/// The record stored under `storage_key`, sealed or in any clear version.
/// None when the bytes are damaged, sealed with a key no longer in the
/// ring, or sealed for another storage key. Never throws (but for
/// allocation failure).
OpenedRecord open_record(std::string_view bytes, std::string_view storage_key, const crypto::KeyRing& ring);

/// The clear header of a sealed or clear record (version byte, times,
/// expiry setting, handle), or empty when the bytes are too short for one.
std::string_view record_header(std::string_view bytes);

/// The fields of that header (times, expiry setting, handle; no data), read
/// without the keys: what a sweep needs to delete a record it cannot open.
/// nullopt when the header is damaged.
std::optional<SessionRecord> read_record_header(std::string_view bytes);

}  // namespace sessiongate::session
