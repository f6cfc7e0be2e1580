#include "proxy/chunked_framing.hpp"

#include "base/http_text.hpp"

#include <algorithm>

namespace sessiongate::proxy {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

bool is_space(unsigned char c) { return c == ' ' || c == '\t'; }

bool is_tchar(unsigned char c) { return text::is_tchar(static_cast<char>(c)); }

// Framing and connection fields have no place in trailers (RFC 9110
// 6.5.1), and Beast refuses the message when they appear there.
constexpr std::string_view refused_trailers[] = {"content-length", "transfer-encoding", "connection",
                                                 "proxy-connection"};
constexpr std::size_t longest_refused_trailer = 17;

bool is_refused_trailer(std::string_view name) {
    return std::any_of(std::begin(refused_trailers), std::end(refused_trailers),
                       [&](std::string_view refused) { return text::equals_ignoring_case(name, refused); });
}

constexpr unsigned max_size_digits = 15;  // < 2^60: no overflow anywhere downstream
constexpr std::size_t max_size_line = 4096;  // size and extensions: nothing buffers more
constexpr std::size_t max_trailers = 8192;

}  // namespace

std::size_t ChunkedFramingCheck::feed(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size() && state_ != State::Done && state_ != State::Failed) {
        if (state_ == State::Data) {
            auto take = static_cast<std::size_t>(std::min<std::uint64_t>(size_, bytes.size() - i));
            size_ -= take;
            i += take;
            if (size_ == 0) state_ = State::DataCR;
            continue;
        }
        auto c = static_cast<unsigned char>(bytes[i++]);
        bool in_line = state_ < State::SizeLF;  // the size line and its extensions
        bool in_trailers = state_ >= State::TrailerStart && state_ <= State::TrailerLF;
        if ((in_line && ++line_bytes_ > max_size_line) || (in_trailers && ++line_bytes_ > max_trailers)) {
            state_ = State::Failed;
            break;
        }
        switch (state_) {
        case State::Size:
            if (hex_value(c) >= 0) {
                if (++digits_ > max_size_digits) state_ = State::Failed;
                else size_ = size_ * 16 + static_cast<unsigned>(hex_value(c));
            } else if (digits_ > 0 && c == ';') {
                state_ = State::ExtName0;
            } else if (digits_ > 0 && c == '\r') {
                state_ = State::SizeLF;
            } else if (digits_ > 0 && is_space(c)) {
                state_ = State::SizeSpace;
            } else {
                state_ = State::Failed;
            }
            break;
        case State::SizeSpace:  // BWS, then only ';'
        case State::ExtSpace:
            if (c == ';') state_ = State::ExtName0;
            else if (!is_space(c)) state_ = State::Failed;
            break;
        case State::ExtName0:
            if (is_tchar(c)) state_ = State::ExtName;
            else if (!is_space(c)) state_ = State::Failed;
            break;
        case State::ExtName:
            if (c == ';') state_ = State::ExtName0;
            else if (c == '=') state_ = State::ExtValue0;
            else if (c == '\r') state_ = State::SizeLF;
            else if (is_space(c)) state_ = State::ExtNameSpace;
            else if (!is_tchar(c)) state_ = State::Failed;
            break;
        case State::ExtNameSpace:
            if (c == ';') state_ = State::ExtName0;
            else if (c == '=') state_ = State::ExtValue0;
            else if (!is_space(c)) state_ = State::Failed;
            break;
        case State::ExtValue0:
            if (c == '"') state_ = State::Quoted;
            else if (is_tchar(c)) state_ = State::ExtValue;
            else if (!is_space(c)) state_ = State::Failed;
            break;
        case State::ExtValue:
        case State::QuotedEnd:  // only a delimiter may follow a quoted value
            if (c == ';') state_ = State::ExtName0;
            else if (c == '\r') state_ = State::SizeLF;
            else if (is_space(c)) state_ = State::ExtSpace;
            else if (state_ == State::QuotedEnd || !is_tchar(c)) state_ = State::Failed;
            break;
        case State::Quoted:
            if (c == '"') state_ = State::QuotedEnd;
            else if (c == '\\') state_ = State::QuotedEscape;
            else if (is_control(c)) state_ = State::Failed;
            break;
        case State::QuotedEscape:
            state_ = is_control(c) ? State::Failed : State::Quoted;
            break;
        case State::SizeLF:
            if (c != '\n') state_ = State::Failed;
            else if (size_ == 0) state_ = State::TrailerStart;
            else state_ = State::Data;
            digits_ = 0;
            line_bytes_ = 0;
            break;
        case State::DataCR:
            state_ = c == '\r' ? State::DataLF : State::Failed;
            break;
        case State::DataLF:
            state_ = c == '\n' ? State::Size : State::Failed;
            break;
        case State::TrailerStart:  // a field line (no obs-fold), or the final CRLF
            name_.clear();
            if (c == '\r') state_ = State::FinalLF;
            else if (!is_tchar(c)) state_ = State::Failed;
            else {
                state_ = State::TrailerName;
                name_ += static_cast<char>(c);
            }
            break;
        case State::TrailerName:
            if (c == ':') state_ = is_refused_trailer(name_) ? State::Failed : State::TrailerValue;
            else if (!is_tchar(c)) state_ = State::Failed;
            else if (name_.size() <= longest_refused_trailer) name_ += static_cast<char>(c);
            break;
        case State::TrailerValue:
            if (c == '\r') state_ = State::TrailerLF;
            else if (is_control(c)) state_ = State::Failed;
            break;
        case State::TrailerLF:
            state_ = c == '\n' ? State::TrailerStart : State::Failed;
            break;
        case State::FinalLF:
            state_ = c == '\n' ? State::Done : State::Failed;
            break;
        default:
            break;
        }
    }
    return i;
}

}  // namespace sessiongate::proxy
