#include "proxy/head_writer.hpp"

#include <charconv>

namespace sessiongate::proxy {
namespace {

void write_fields(std::string& out, const http::fields& fields) {
    for (const auto& field : fields) {
        out.append(field.name_string());
        out.append(": ");
        out.append(field.value());
        out.append("\r\n");
    }
    out.append("\r\n");
}

}  // namespace

void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        const http::fields& fields) {
    out.append(method);
    out.push_back(' ');
    out.append(target);
    out.append(" HTTP/1.1\r\n");
    write_fields(out, fields);
}

void write_response_head(std::string& out, unsigned status, std::string_view reason,
                         const http::fields& fields) {
    if (reason.empty()) reason = http::obsolete_reason(static_cast<http::status>(status));
    char digits[4];
    auto end = std::to_chars(digits, digits + sizeof digits, status).ptr;
    out.append("HTTP/1.1 ");
    out.append(digits, end);
    out.push_back(' ');
    out.append(reason);
    out.append("\r\n");
    write_fields(out, fields);
}

std::string_view frame_body_piece(std::string& prefix, std::size_t size, bool chunked, bool last) {
    if (!chunked) return {};
    if (size == 0) {
        if (last) prefix.append("0\r\n\r\n");  // nothing left but the last chunk
        return {};
    }
    char hex[16];
    auto end = std::to_chars(hex, hex + sizeof hex, size, 16).ptr;
    prefix.append(hex, end);
    prefix.append("\r\n");
    return last ? "\r\n0\r\n\r\n" : "\r\n";
}

}  // namespace sessiongate::proxy
