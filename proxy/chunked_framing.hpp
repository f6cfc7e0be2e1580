// A strict check of chunked transfer coding (RFC 9112 section 7.1) over the
// raw bytes of a request body, as they arrive and before Beast parses them.
// Beast accepts a quoted chunk extension that runs across lines, waiting for
// its closing quote forever; a proxy must refuse such framing at once. What
// this check accepts, Beast reads the same way (tests/fuzz/fuzz_chunked_framing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sessiongate::proxy {

class ChunkedFramingCheck {
public:
    /// Checks the next bytes of the body; returns how many belong to it (it
    /// stops after the final CRLF: what follows is the next request).
    std::size_t feed(std::string_view bytes);
    bool failed() const { return state_ == State::Failed; }
    bool done() const { return state_ == State::Done; }

private:
    // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
    enum class State {
        Size, SizeSpace, ExtName0, ExtName, ExtNameSpace, ExtValue0, ExtValue, ExtSpace,
        Quoted, QuotedEscape, QuotedEnd, SizeLF,  // the size line: all before SizeLF
        Data, DataCR, DataLF,
        TrailerStart, TrailerName, TrailerValue, TrailerLF, FinalLF,
        Done, Failed,
    };
    State state_ = State::Size;
    std::uint64_t size_ = 0;
    unsigned digits_ = 0;
    std::size_t line_bytes_ = 0;  // of the current size line or of all trailers
    std::string name_;            // of the current trailer, up to the longest we refuse
};

}  // namespace sessiongate::proxy
