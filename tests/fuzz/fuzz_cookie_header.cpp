// Cookie request headers: the pair parser, the session-cookie lookup and the
// removal of our cookie before the header goes upstream. Properties: pairs
// are trimmed pieces of the header, in order, never holding a ';'; the
// lookup hands on the first cookie of our name unless it is empty or too
// long for any cookie; the header sent upstream keeps every other cookie as
// sent and never ours.
#include "property.hpp"
#include "session/cookie_header.hpp"
#include "session/session_cookie.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace sessiongate::session;

namespace {

constexpr std::string_view name = "sessionid";

bool is_ows(char c) { return c == ' ' || c == '\t'; }

bool trimmed(std::string_view s) { return s.empty() || (!is_ows(s.front()) && !is_ows(s.back())); }

bool within(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::vector<std::string_view> texts_without_ours(std::string_view header) {
    std::vector<std::string_view> texts;
    for (const auto& pair : parse_cookie_header(header))
        if (pair.name != name) texts.push_back(pair.text);
    return texts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view header(reinterpret_cast<const char*>(data), size);
    const auto pairs = parse_cookie_header(header);

    const char* last_end = header.data();
    std::size_t pieces = 1;
    for (char c : header) pieces += c == ';';
    FUZZ_PROPERTY(pairs.size() <= pieces);
    for (const auto& pair : pairs) {
        FUZZ_PROPERTY(!pair.text.empty() && trimmed(pair.text) && within(pair.text, header));
        FUZZ_PROPERTY(pair.text.find(';') == std::string_view::npos);
        FUZZ_PROPERTY(pair.text.data() >= last_end);  // in order, never overlapping
        last_end = pair.text.data() + pair.text.size();
        FUZZ_PROPERTY(within(pair.name, pair.text) && within(pair.value, pair.text));
        FUZZ_PROPERTY(trimmed(pair.name) && pair.name.find('=') == std::string_view::npos);
        FUZZ_PROPERTY(pair.name.empty() || pair.text.starts_with(pair.name));
    }

    // The lookup: the first pair of our name decides.
    const auto lookup = find_session_cookie({header}, name);
    const CookiePair* first = nullptr;
    for (const auto& pair : pairs)
        if (pair.name == name) {
            first = &pair;
            break;
        }
    if (!first) {
        FUZZ_PROPERTY(lookup.kind == CookieLookup::Kind::Absent);
    } else if (lookup.kind == CookieLookup::Kind::Present) {
        FUZZ_PROPERTY(lookup.value == first->value && !lookup.value.empty() &&
                      lookup.value.size() <= max_cookie_value_bytes);
    } else {
        FUZZ_PROPERTY(lookup.kind == CookieLookup::Kind::Malformed &&
                      (first->value.empty() || first->value.size() > max_cookie_value_bytes));
    }

    // Upstream's copy: every other cookie, as sent and in order; none of ours.
    const auto kept = remove_cookie(header, name);
    const auto kept_pairs = parse_cookie_header(kept);
    const auto expected = texts_without_ours(header);
    FUZZ_PROPERTY(kept_pairs.size() == expected.size());
    for (std::size_t i = 0; i < kept_pairs.size(); ++i) {
        FUZZ_PROPERTY(kept_pairs[i].name != name);
        FUZZ_PROPERTY(kept_pairs[i].text == expected[i]);
    }
    return 0;
}
