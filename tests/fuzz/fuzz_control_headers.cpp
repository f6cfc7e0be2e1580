// The control headers of a response (X-Session-Update/-Action/-Expiry) and
// the merge patches they carry, applied to a stored session.
// Input: the stored session's JSON on the first line (as a patch applied to
// an empty session), then one `Name: value` header per line.
// Properties: a header outside the prefix is never read; every patch is an
// object; applying a patch twice equals applying it once (RFC 7386 patches
// are idempotent); after a patch every member it names holds what it says
// (null: gone; object: merged; else: the value); and the session it leaves
// goes into a header as one line of printable ASCII that parses back to the
// same object (a number as the same double within a rounding step: Boost.JSON
// 1.81 parses long decimals to within one ulp, not always to the nearest).
#include "property.hpp"
#include "session/header_json.hpp"
#include "session/merge_patch.hpp"
#include "session/control_headers.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace json = boost::json;
using namespace sessiongate;

namespace {

constexpr std::string_view prefix = "X-Session";

/// True when `target` shows every member of `patch` as RFC 7386 says.
bool shows(const json::object& target, const json::object& patch) {
    for (const auto& member : patch) {
        const auto* slot = target.if_contains(member.key());
        if (member.value().is_null()) {
            if (slot) return false;
        } else if (member.value().is_object()) {
            if (!slot || !slot->is_object() || !shows(slot->get_object(), member.value().get_object())) return false;
        } else if (!slot || *slot != member.value()) {
            return false;
        }
    }
    return true;
}

/// Equal JSON, doubles equal within a few ulps (see the header comment).
bool same_json(const json::value& a, const json::value& b) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double(), y = b.get_double();
        return x == y || std::fabs(x - y) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(x);
    }
    if (a.kind() != b.kind()) return false;
    if (a.is_object()) {
        const auto &l = a.get_object(), &r = b.get_object();
        if (l.size() != r.size()) return false;
        for (const auto& member : l) {
            const auto* other = r.if_contains(member.key());
            if (!other || !same_json(member.value(), *other)) return false;
        }
        return true;
    }
    if (a.is_array()) {
        const auto &l = a.get_array(), &r = b.get_array();
        if (l.size() != r.size()) return false;
        for (std::size_t i = 0; i < l.size(); ++i)
            if (!same_json(l[i], r[i])) return false;
        return true;
    }
    return a == b;
}

/// One line of printable ASCII: what X-Session promises the upstream.
bool is_ascii_header_line(std::string_view value) {
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first_line = input.substr(0, input.find('\n'));
    input.remove_prefix(std::min(input.size(), first_line.size() + 1));

    // A stored session holds only what patches put there: the first line
    // becomes one through the same parser.
    json::object stored;
    auto initial = session::parse_control_headers(prefix, {{"X-Session-Update", first_line}});
    if (!initial.patches.empty()) session::apply_merge_patch(stored, initial.patches.front());

    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::size_t ours = 0;
    while (!input.empty()) {
        const auto line = input.substr(0, input.find('\n'));
        input.remove_prefix(std::min(input.size(), line.size() + 1));
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
        ours += session::is_control_header(prefix, headers.back().first);
    }

    const auto control = session::parse_control_headers(prefix, headers);
    FUZZ_PROPERTY(control.errors.size() <= ours);
    FUZZ_PROPERTY(control.patches.size() + control.errors.size() + control.unknown.size() <= ours);
    FUZZ_PROPERTY(ours > 0 || (!control.any() && control.errors.empty()));
    if (control.expiry && control.expiry->kind == session::ExpirySetting::Kind::Seconds)
        FUZZ_PROPERTY(control.expiry->seconds > 0);

    json::object session = stored;
    for (const auto& patch : control.patches) {
        session::apply_merge_patch(session, patch);
        FUZZ_PROPERTY(shows(session, patch));
        json::object twice = session;
        session::apply_merge_patch(twice, patch);
        FUZZ_PROPERTY(twice == session);
    }

    boost::system::error_code ec;
    const auto text = session::header_json(session);
    FUZZ_PROPERTY(is_ascii_header_line(text));
    const auto parsed = json::parse(text, ec);
    FUZZ_PROPERTY(!ec && same_json(parsed, json::value(session)));
    FUZZ_PROPERTY(session::header_json_object(text) == text);
    return 0;
}
