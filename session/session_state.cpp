#include "session/session_state.hpp"

namespace sessiongate::session {

std::string_view to_string(SessionState state) {
    switch (state) {
    case SessionState::None: return "none";
    case SessionState::Active: return "active";
    case SessionState::Expired: return "expired";
    case SessionState::Invalid: return "invalid";
    case SessionState::Unavailable: return "unavailable";
    }
    return "none";
}

std::string_view to_string(SessionEvent event) {
    switch (event) {
    case SessionEvent::None: return "";
    case SessionEvent::Created: return "created";
    case SessionEvent::Saved: return "saved";
    case SessionEvent::Cycled: return "cycled";
    case SessionEvent::Flushed: return "flushed";
    case SessionEvent::Deleted: return "deleted";
    case SessionEvent::Refused: return "refused";
    }
    return "";
}

}  // namespace sessiongate::session
