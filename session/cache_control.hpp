// Keeping shared caches from handing one visitor's session to another:
// `Vary: Cookie` on session routes, `Cache-Control: private` on a response
// that sets the cookie. Pure text rules over joined header values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session {

/// True when a Cache-Control value already keeps shared caches out
/// (`private` or `no-store`).
bool cache_control_is_private(std::string_view cache_control);

/// The Cache-Control value for a response that sets the session cookie,
/// given the upstream's (several headers joined with ", "): nullopt when it
/// is private or no-store already, else `private` followed by its other
/// directives (`public`, which would contradict it, dropped).
std::optional<std::string> private_cache_control(std::string_view cache_control);

/// True when a Vary value (several headers joined with ", ") names Cookie,
/// or is `*`.
bool vary_covers_cookie(std::string_view vary);

}  // namespace sessiongate::session
