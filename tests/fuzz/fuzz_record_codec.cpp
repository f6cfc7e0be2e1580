// The stored-record codec, both ways. Properties: any bytes that decode
// re-encode to exactly the same bytes (one encoding per record, so a value
// read back and written again never changes or grows), and a record built
// from the input encodes and decodes to the same record.
#include "property.hpp"
#include "session/record_codec.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

using namespace sessiongate::session;

namespace {

/// Fixed-width fields taken from the front of the input (zero past its end).
struct Fields {
    std::string_view in;
    std::int64_t i64() {
        std::uint64_t v = 0;
        const auto n = std::min<std::size_t>(8, in.size());
        std::memcpy(&v, in.data(), n);
        in.remove_prefix(n);
        return static_cast<std::int64_t>(v);
    }
    std::string_view bytes(std::size_t n) {
        n = std::min(n, in.size());
        auto out = in.substr(0, n);
        in.remove_prefix(n);
        return out;
    }
};

bool same(const SessionRecord& a, const SessionRecord& b) {
    return a.handle == b.handle && a.data_json == b.data_json && a.created == b.created &&
           a.modified == b.modified && a.expires == b.expires && a.expiry_seconds == b.expiry_seconds;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    if (const auto view = decode_record(bytes)) {
        FUZZ_PROPERTY(view->handle.size() <= max_handle_bytes);
        FUZZ_PROPERTY(!view->expiry_seconds || *view->expiry_seconds >= 0);
        FUZZ_PROPERTY(encode_record(view->to_record()) == bytes);
    }

    // Any record the writer may be handed (handle within bounds, the data an
    // object text) survives the round trip.
    Fields in{bytes};
    SessionRecord record;
    record.created = in.i64();
    record.modified = in.i64();
    record.expires = in.i64();
    const auto expiry = in.i64();
    if (expiry >= 0) record.expiry_seconds = expiry;
    const auto size_byte = in.bytes(1);  // at most 255 = max_handle_bytes
    const std::size_t handle_size = size_byte.empty() ? 0 : static_cast<unsigned char>(size_byte[0]);
    record.handle = std::string(in.bytes(handle_size));
    record.data_json.append("{").append(in.in).append("}");
    const auto encoded = encode_record(record);
    const auto decoded = decode_record(encoded);
    FUZZ_PROPERTY(decoded.has_value());
    FUZZ_PROPERTY(same(decoded->to_record(), record));
    return 0;
}
