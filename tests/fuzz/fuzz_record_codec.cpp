// The stored-record codec, both ways. Properties: any bytes that decode
// re-encode to exactly the same bytes (one encoding per record, so a value
// read back and written again never changes or grows), and a record built
// from the input encodes and decodes to the same record.
#include "fuzz_input.hpp"
#include "property.hpp"
#include "session/record_codec.hpp"

#include <cstdint>
#include <string_view>

using namespace sessiongate::session;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    if (const auto view = decode_record(bytes)) {
        FUZZ_PROPERTY(view->handle.size() <= max_handle_bytes);
        FUZZ_PROPERTY(!view->expiry_seconds || *view->expiry_seconds >= 0);
        FUZZ_PROPERTY(encode_record(view->to_record()) == bytes);
    }

    sessiongate::fuzz::FuzzInput in{bytes};
    const auto record = in.record();
    FUZZ_PROPERTY(is_encodable(record));
    const auto encoded = encode_record(record);
    const auto decoded = decode_record(encoded);  // a view into `encoded`
    FUZZ_PROPERTY(decoded.has_value());
    FUZZ_PROPERTY(decoded->to_record() == record);
    return 0;
}
