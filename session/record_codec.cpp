#include "session/record_codec.hpp"

namespace sessiongate::session {
namespace {

enum : std::uint8_t { mode_default = 0, mode_seconds = 1 };

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
}

void put_i64(std::string& out, std::int64_t v) { put_u64(out, static_cast<std::uint64_t>(v)); }

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

}  // namespace

SessionRecord RecordView::to_record() const {
    SessionRecord record;
    record.handle.assign(handle);
    record.data_json.assign(data_json);
    record.created = created;
    record.modified = modified;
    record.expires = expires;
    record.expiry_seconds = expiry_seconds;
    return record;
}

std::string encode_record(const SessionRecord& record) {
    std::string out;
    out.reserve(record_header_bytes + record.handle.size() + record.data_json.size());
    out.push_back(static_cast<char>(record_format_version));
    put_i64(out, record.created);
    put_i64(out, record.modified);
    put_i64(out, record.expires);
    out.push_back(static_cast<char>(record.expiry_seconds ? mode_seconds : mode_default));
    put_i64(out, record.expiry_seconds.value_or(0));
    const auto handle_size = static_cast<std::uint16_t>(record.handle.size());
    out.push_back(static_cast<char>(handle_size & 0xff));
    out.push_back(static_cast<char>(handle_size >> 8));
    out.append(record.handle);
    out.append(record.data_json);
    return out;
}

std::optional<RecordView> decode_record(std::string_view bytes) noexcept {
    Reader in{bytes};
    if (in.u(1) != record_format_version) {
        return std::nullopt;
    }
    RecordView view;
    view.created = in.i64();
    view.modified = in.i64();
    view.expires = in.i64();
    const auto mode = in.u(1);
    const auto seconds = in.i64();
    const auto handle_size = in.u(2);
    if (!in.ok || handle_size > max_handle_bytes) {
        return std::nullopt;
    }
    view.handle = in.take(handle_size);
    if (!in.ok) {
        return std::nullopt;
    }
    if (mode == mode_seconds) {
        if (seconds < 0) {
            return std::nullopt;
        }
        view.expiry_seconds = seconds;
    } else if (mode != mode_default) {
        return std::nullopt;
    }
    // Cheap shape check only: the writer stored serialized JSON objects, so
    // anything else means the value is not ours or is damaged.
    view.data_json = in.in;
    if (view.data_json.size() < 2 || view.data_json.front() != '{' ||
        view.data_json.back() != '}') {
        return std::nullopt;
    }
    return view;
}

}  // namespace sessiongate::session
