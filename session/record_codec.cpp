#include "session/record_codec.hpp"

namespace sessiongate::session {
namespace {

enum : std::uint8_t { mode_default = 0, mode_seconds = 1 };

void put_uint(std::string& out, std::uint64_t v, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_i64(std::string& out, std::int64_t v) { put_uint(out, static_cast<std::uint64_t>(v), 8); }

/// Reads fixed-width fields front to back; `ok` turns false on the first
/// read past the end and stays false.
struct Reader {
    std::string_view in;
    bool ok = true;

    std::string_view take(std::size_t n) {
        if (!ok || in.size() < n) {
            ok = false;
            return {};
        }
        auto out = in.substr(0, n);
        in.remove_prefix(n);
        return out;
    }
    std::uint64_t u(std::size_t width) {
        auto bytes = take(width);
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
        }
        return v;
    }
    std::int64_t i64() { return static_cast<std::int64_t>(u(8)); }
};

struct Field {
    std::string_view name;
    std::string_view value;
};

/// The next field of an encoded field list; false at the end or on bad bytes.
bool next_field(Reader& in, Field& field) {
    const auto name_size = in.u(1);
    field.name = in.take(name_size);
    const auto value_size = in.u(4);
    if (!in.ok || value_size > max_internal_value_bytes) return false;
    field.value = in.take(value_size);
    return in.ok;
}

/// Checks the field list at the front of `in` and consumes it; returns the
/// bytes it spans, or nullopt.
std::optional<std::string_view> take_fields(Reader& in) {
    const std::string_view start = in.in;
    const auto count = in.u(2);
    // No fields is written as version 1: one encoding per record.
    if (!in.ok || count == 0 || count > max_internal_fields) return std::nullopt;
    std::string_view previous;
    for (std::uint64_t i = 0; i < count; ++i) {
        Field field;
        if (!next_field(in, field)) return std::nullopt;
        // Ascending and unique, as encode_record writes them (from a map).
        if (i > 0 && field.name <= previous) return std::nullopt;
        previous = field.name;
    }
    return start.substr(0, start.size() - in.in.size());
}

}  // namespace

SessionRecord RecordView::to_record() const {
    SessionRecord record;
    record.handle.assign(handle);
    record.data_json.assign(data_json);
    record.created = created;
    record.modified = modified;
    record.expires = expires;
    record.expiry_seconds = expiry_seconds;
    if (!internal.empty()) {
        Reader in{internal};
        const auto count = in.u(2);
        Field field;
        for (std::uint64_t i = 0; i < count && next_field(in, field); ++i)
            record.internal.emplace(std::string(field.name), std::string(field.value));
    }
    return record;
}

bool is_encodable(const SessionRecord& record) {
    if (record.handle.size() > max_handle_bytes || record.internal.size() > max_internal_fields) return false;
    for (const auto& [name, value] : record.internal)
        if (name.size() > max_internal_name_bytes || value.size() > max_internal_value_bytes) return false;
    return true;
}

std::string encode_record(const SessionRecord& record) {
    const std::uint8_t version = record.internal.empty() ? record_version_plain : record_version_internal;
    std::string out;
    out.reserve(record_header_bytes + record.handle.size() + record.data_json.size());
    out.push_back(static_cast<char>(version));
    put_i64(out, record.created);
    put_i64(out, record.modified);
    put_i64(out, record.expires);
    out.push_back(static_cast<char>(record.expiry_seconds ? mode_seconds : mode_default));
    put_i64(out, record.expiry_seconds.value_or(0));
    put_uint(out, record.handle.size(), 2);
    out.append(record.handle);
    if (version == record_version_internal) {
        put_uint(out, record.internal.size(), 2);
        for (const auto& [name, value] : record.internal) {
            put_uint(out, name.size(), 1);
            out.append(name);
            put_uint(out, value.size(), 4);
            out.append(value);
        }
    }
    out.append(record.data_json);
    return out;
}

std::optional<RecordView> decode_record(std::string_view bytes) noexcept {
    Reader in{bytes};
    RecordView view;
    const auto version = in.u(1);
    if (version != record_version_plain && version != record_version_internal) return std::nullopt;
    view.version = static_cast<std::uint8_t>(version);
    view.created = in.i64();
    view.modified = in.i64();
    view.expires = in.i64();
    const auto mode = in.u(1);
    const auto seconds = in.i64();
    const auto handle_size = in.u(2);
    if (!in.ok || handle_size > max_handle_bytes) return std::nullopt;
    view.handle = in.take(handle_size);
    if (!in.ok) return std::nullopt;
    if (mode == mode_seconds) {
        if (seconds < 0) return std::nullopt;
        view.expiry_seconds = seconds;
    } else if (mode != mode_default || seconds != 0) {  // one encoding per record
        return std::nullopt;
    }
    if (version == record_version_internal) {
        auto fields = take_fields(in);
        if (!fields) return std::nullopt;
        view.internal = *fields;
    }
    // Cheap shape check only: the writer stored serialized JSON objects, so
    // anything else means the value is not ours or is damaged.
    view.data_json = in.in;
    if (view.data_json.size() < 2 || view.data_json.front() != '{' || view.data_json.back() != '}') {
        return std::nullopt;
    }
    return view;
}

}  // namespace sessiongate::session
