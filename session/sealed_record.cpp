#include "session/sealed_record.hpp"

#include "session/crypto/sealed_box.hpp"
#include "session/record_codec.hpp"

namespace sessiongate::session {

namespace {

/// What the tag covers besides the key id: the clear header, then the key.
std::string associated_data(std::string_view header, std::string_view storage_key) {
    std::string associated;
    associated.reserve(header.size() + storage_key.size());
    associated.append(header).append(storage_key);
    return associated;
}

}  // namespace

std::string_view record_header(std::string_view bytes) {
    // The handle's u16 length ends the fixed part of the header.
    if (bytes.size() < record_header_bytes) return {};
    const auto handle_size = static_cast<std::size_t>(static_cast<unsigned char>(bytes[record_header_bytes - 2])) |
                             static_cast<std::size_t>(static_cast<unsigned char>(bytes[record_header_bytes - 1])) << 8;
    if (bytes.size() < record_header_bytes + handle_size) return {};
    return bytes.substr(0, record_header_bytes + handle_size);
}

std::optional<std::string> seal_record(const SessionRecord& record, std::string_view storage_key,
                                       const crypto::KeyRing& ring) {
    const std::string clear = encode_record(record);
    const auto clear_header = record_header(clear);
    std::string sealed(1, static_cast<char>(record_format_sealed));
    sealed.append(clear_header.substr(1));
    const auto associated = associated_data(sealed, storage_key);
    std::string inner(1, clear.front());
    inner.append(std::string_view(clear).substr(clear_header.size()));
    if (!crypto::seal_box(ring, crypto::KeyUse::RecordData, inner, associated, sealed)) return std::nullopt;
    return sealed;
}

OpenedRecord open_record(std::string_view bytes, std::string_view storage_key, const crypto::KeyRing& ring) {
    const auto header = record_header(bytes);
    if (header.empty()) return {std::nullopt, "damaged record"};
    std::string clear;
    std::string_view clear_view = bytes;
    if (static_cast<std::uint8_t>(header.front()) == record_format_sealed) {
        std::string inner;
        const auto failure = crypto::open_box(ring, crypto::KeyUse::RecordData, bytes.substr(header.size()),
                                              associated_data(header, storage_key), inner);
        if (failure != crypto::OpenFailure::None)
            return {std::nullopt, crypto::describe(failure), failure == crypto::OpenFailure::UnknownKey};
        if (inner.empty()) return {std::nullopt, "damaged record"};
        clear.reserve(header.size() + inner.size());
        clear.push_back(inner.front());
        clear.append(header.substr(1));
        clear.append(std::string_view(inner).substr(1));
        clear_view = clear;
    }
    const auto view = decode_record(clear_view);
    if (!view) return {std::nullopt, "damaged record"};
    return {view->to_record(), {}};
}

std::optional<SessionRecord> read_record_header(std::string_view bytes) {
    const auto header = record_header(bytes);
    if (header.empty()) return std::nullopt;
    const auto version = static_cast<std::uint8_t>(header.front());
    if (version != record_version_plain && version != record_version_internal && version != record_format_sealed)
        return std::nullopt;
    // Every version's header is version 1's: read as a version 1 record
    // with no data.
    std::string plain(header);
    plain.front() = static_cast<char>(record_version_plain);
    plain.append("{}");
    const auto view = decode_record(plain);
    if (!view) return std::nullopt;
    auto record = view->to_record();
    record.data_json.clear();
    return record;
}

}  // namespace sessiongate::session
