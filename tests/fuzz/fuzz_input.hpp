// Fixed-width values and records taken from the front of a fuzz input, so a
// target can build structured values from libFuzzer's bytes.
#pragma once

#include "session/session_record.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sessiongate::fuzz {

/// Reads front to back; past the end every value is zero or empty.
struct FuzzInput {
    std::string_view rest;

    std::uint8_t u8() {
        if (rest.empty()) return 0;
        const auto v = static_cast<std::uint8_t>(rest.front());
        rest.remove_prefix(1);
        return v;
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | u8() << 8); }
    std::int64_t i64() {
        std::uint64_t v = 0;
        const auto n = std::min<std::size_t>(8, rest.size());
        std::memcpy(&v, rest.data(), n);
        rest.remove_prefix(n);
        return static_cast<std::int64_t>(v);
    }
    std::string_view bytes(std::size_t n) {
        n = std::min(n, rest.size());
        const auto out = rest.substr(0, n);
        rest.remove_prefix(n);
        return out;
    }
    /// A length byte, then that many bytes.
    std::string_view sized() { return bytes(u8()); }

    /// Any record a store may be handed (record_codec.hpp's is_encodable
    /// holds): times, expiry setting, a handle of up to 255 bytes, up to
    /// three internal fields, and the rest of the input inside `{...}` as
    /// the data.
    session::SessionRecord record() {
        session::SessionRecord record;
        record.created = i64();
        record.modified = i64();
        record.expires = i64();
        if (const auto expiry = i64(); expiry >= 0) record.expiry_seconds = expiry;
        record.handle = std::string(sized());
        for (int fields = u8() % 4; fields > 0; --fields) {
            const auto name = std::string(sized());
            record.internal[name] = std::string(sized());
        }
        record.data_json.append("{").append(rest).append("}");
        rest = {};
        return record;
    }
};

}  // namespace sessiongate::fuzz
