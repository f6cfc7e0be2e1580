#include "session/redis/keyspace.hpp"

#include "session/crypto/base64url.hpp"

namespace sessiongate::session::redis {
namespace {

constexpr std::string_view record_tag = "s:";
constexpr std::string_view handle_tag = "h:";
constexpr std::string_view index_tag = "i:";
constexpr std::size_t storage_key_bytes = 32;  // SHA-256

}  // namespace

std::string Keyspace::encode_storage_key(std::string_view storage_key) {
    return crypto::base64url_encode(storage_key);
}

std::optional<std::string> Keyspace::decode_storage_key(std::string_view text) {
    auto key = crypto::base64url_decode(text);
    if (!key || key->size() != storage_key_bytes) return std::nullopt;
    return key;
}

std::string Keyspace::record(std::string_view storage_key) const {
    std::string key = prefix_;
    key += record_tag;
    key += encode_storage_key(storage_key);
    return key;
}

std::string Keyspace::handle(std::string_view handle) const {
    std::string key = prefix_;
    key += handle_tag;
    key += handle;
    return key;
}

std::string Keyspace::index(std::string_view key, std::string_view value) const {
    std::string out = prefix_;
    out += index_tag;
    out += std::to_string(key.size());
    out += ':';
    out += key;
    out += ':';
    out += value;
    return out;
}

std::string Keyspace::handle_pattern() const {
    std::string pattern;
    for (char c : prefix_) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += handle_tag;
    pattern += '*';
    return pattern;
}

std::optional<std::string> Keyspace::handle_of(std::string_view key) const {
    if (!key.starts_with(prefix_)) return std::nullopt;
    key.remove_prefix(prefix_.size());
    if (!key.starts_with(handle_tag)) return std::nullopt;
    key.remove_prefix(handle_tag.size());
    return std::string(key);
}

}  // namespace sessiongate::session::redis
