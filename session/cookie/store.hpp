// The cookie store: no server state at all. The whole session travels in
// its cookie, sealed with AES-256-GCM (sealed_cookie.hpp); the newest
// secret of the key ring seals, every secret opens, so a key rotation logs
// no one out.
//
// What it cannot do, by its nature: see a session deleted elsewhere (an
// old cookie of a flushed or cycled session still opens until it expires:
// no revocation), list sessions (admin() is nullptr), keep concurrent
// updates of one session (each response seals what its own request
// loaded; the last cookie the browser stores wins), or hold more than a
// browser keeps of one cookie (4096 bytes: a larger update is refused and
// the previous session kept).
#pragma once

#include "session/crypto/key_ring.hpp"
#include "session/store.hpp"

#include <string>

namespace sessiongate::session {

class CookieStore final : public Store {
public:
    /// `cookie_name` is bound into every seal, so a value cannot be
    /// replayed under another cookie name.
    CookieStore(crypto::KeyRing ring, std::string cookie_name);

    /// Both answer before they return: opening and sealing is all there is.
    void load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) override;
    void write(SessionWrite change, Deadline deadline, WriteCallback done) override;

private:
    WriteResult apply(const SessionWrite& change) const;

    const crypto::KeyRing ring_;
    std::string cookie_name_;
};

}  // namespace sessiongate::session
