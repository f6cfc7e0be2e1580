// The sealed record opener (session/sealed_record.*): what LMDB and Redis
// hand back is read through it, so damaged or planted store bytes meet it
// first. The first input byte picks what the rest is:
//   0: stored bytes. Properties: a sealed record never opens without its key
//      (nothing forged), and what opens is the clear record those bytes
//      encode.
//   1: a clear header and a sealed part made here with the real key, as if
//      our own sealing had a bug. Property: it opens or is refused, and what
//      opens seals and opens again to the same record.
//   2: a record, sealed under the old key. Properties: it opens to itself
//      under a ring that holds that key, and is refused once the key is
//      removed, under another storage key, and after any one byte of it is
//      changed (the version byte too: no sealed record reads as a clear one).
#include "fuzz_input.hpp"
#include "key_rings.hpp"
#include "property.hpp"
#include "session/crypto/sealed_box.hpp"
#include "session/record_codec.hpp"
#include "session/sealed_record.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using namespace sessiongate::session;
using namespace sessiongate::fuzz;

namespace {

constexpr std::string_view storage_key = "0123456789abcdef0123456789abcdef";

void stored_bytes(std::string_view bytes) {
    const auto opened = open_record(bytes, storage_key, current_ring());
    FUZZ_PROPERTY(opened.record.has_value() == opened.problem.empty());
    if (!opened.record) return;
    FUZZ_PROPERTY(static_cast<std::uint8_t>(bytes.front()) != record_format_sealed);
    const auto clear = decode_record(bytes);
    FUZZ_PROPERTY(clear && clear->to_record() == *opened.record);
}

void authentic_inner(FuzzInput in) {
    const auto header = in.bytes(record_header_bytes - 1);
    const auto handle = in.sized();
    std::string sealed(1, static_cast<char>(record_format_sealed));
    sealed.append(header);
    if (header.size() < record_header_bytes - 1) return;
    sealed[record_header_bytes - 2] = static_cast<char>(handle.size());
    sealed[record_header_bytes - 1] = 0;
    sealed.append(handle);
    std::string associated = sealed;
    associated.append(storage_key);
    FUZZ_PROPERTY(crypto::seal_box(current_ring(), crypto::KeyUse::RecordData, in.rest, associated, sealed));
    const auto opened = open_record(sealed, storage_key, current_ring());
    if (!opened.record) return;
    FUZZ_PROPERTY(is_encodable(*opened.record));
    const auto again = seal_record(*opened.record, storage_key, current_ring());
    FUZZ_PROPERTY(again.has_value());
    const auto reopened = open_record(*again, storage_key, current_ring());
    FUZZ_PROPERTY(reopened.record == opened.record);
}

void sealed_record(FuzzInput in) {
    const std::size_t changed_at = in.u16();
    const auto flip = static_cast<char>(in.u8() | 1);  // never 0: the byte changes
    const auto record = in.record();
    const auto sealed = seal_record(record, storage_key, old_ring());
    FUZZ_PROPERTY(sealed.has_value());
    // The data is not there in the clear (short texts may occur by chance).
    const auto box = std::string_view(*sealed).substr(record_header(*sealed).size());
    FUZZ_PROPERTY(record.data_json.size() < 8 || box.find(record.data_json) == std::string_view::npos);

    FUZZ_PROPERTY(open_record(*sealed, storage_key, current_ring()).record == record);
    FUZZ_PROPERTY(!open_record(*sealed, storage_key, new_ring()).record);
    FUZZ_PROPERTY(!open_record(*sealed, "another key", current_ring()).record);

    std::string tampered = *sealed;
    tampered[changed_at % tampered.size()] ^= flip;
    FUZZ_PROPERTY(!open_record(tampered, storage_key, current_ring()).record);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in{std::string_view(reinterpret_cast<const char*>(data), size)};
    switch (in.u8() % 3) {
    case 0: stored_bytes(in.rest); break;
    case 1: authentic_inner(in); break;
    case 2: sealed_record(in); break;
    }
    return 0;
}
