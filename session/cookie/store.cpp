#include "session/cookie/store.hpp"

#include "session/cookie/sealed_cookie.hpp"
#include "session/record_codec.hpp"
#include "session/write_rules.hpp"

#include <limits>
#include <optional>

namespace sessiongate::session {
namespace {

bool past(Deadline deadline) { return deadline < Deadline::clock::now(); }

WriteResult failed(std::string error) { return {WriteOutcome::Error, {}, {}, std::move(error)}; }

}  // namespace

CookieStore::CookieStore(crypto::KeyRing ring, std::string cookie_name)
    : ring_(std::move(ring)), cookie_name_(std::move(cookie_name)) {}

void CookieStore::load(std::string cookie_value, std::int64_t now, Deadline deadline, LoadCallback done) {
    // Kept alike for every store: a call past its deadline is not made.
    if (past(deadline)) return done(LoadResult{LoadStatus::Error, {}, "deadline passed before the load"});
    auto opened = open_cookie(ring_, cookie_name_, cookie_value, now);
    LoadResult result;
    switch (opened.rejection) {
    case CookieRejection::None:
        result.status = LoadStatus::Found;
        result.record = std::move(opened.session.record);
        break;
    case CookieRejection::Expired: result.status = LoadStatus::Expired; break;
    default:
        // Tampered, cut short, another deployment's or a retired key's: to
        // the proxy all the same, a cookie that names no session (invalid).
        result.status = LoadStatus::NotFound;
        break;
    }
    done(std::move(result));
}

void CookieStore::write(SessionWrite change, Deadline deadline, WriteCallback done) {
    if (past(deadline)) return done(failed("deadline passed before the write"));
    done(apply(change));
}

WriteResult CookieStore::apply(const SessionWrite& w) const {
    // The session as the request's cookie holds it, expired or not: whether
    // it still counts is the write rules' to judge, as for every store.
    std::optional<CookieSession> current;
    if (!w.current.empty()) {
        auto opened = open_cookie(ring_, cookie_name_, w.current, std::numeric_limits<std::int64_t>::min());
        if (opened) current = std::move(opened.session);
    }
    NextRecord next = next_record(w, current ? &current->record : nullptr);
    if (next.outcome == WriteOutcome::Error) return failed(std::move(next.error));
    if (next.outcome != WriteOutcome::Saved) return {next.outcome, {}, {}, {}};
    if (!is_encodable(next.record)) return failed("record fields over their limits");

    // The id stays with the session; a new one comes with a new session or cycle.
    CookieSession sealed_session{std::move(next.record), next.new_id ? std::move(next.id) : current->id};
    auto sealed = seal_cookie(ring_, cookie_name_, sealed_session);
    switch (sealed.outcome) {
    case SealedCookie::Outcome::Sealed: break;
    case SealedCookie::Outcome::TooLarge:
        return {WriteOutcome::TooLarge, {}, {},
                "the sealed cookie would pass the " + std::to_string(cookie_limit_bytes) + "-byte cookie limit"};
    case SealedCookie::Outcome::Invalid: return failed("session id or handle over its limit");
    case SealedCookie::Outcome::Failed: return failed("sealing the cookie failed (OpenSSL)");
    }
    return {WriteOutcome::Saved, std::move(sealed.value), std::move(sealed_session.record), {}};
}

}  // namespace sessiongate::session
