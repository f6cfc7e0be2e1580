// The names of one store's Redis keys, all under the configured prefix:
//
//   <prefix>s:<base64url(storage key)>  the sealed record (sealed_record.hpp),
//                                       expiring with the session (PX)
//   <prefix>h:<handle>                  base64url(storage key) of the
//                                       handle's record, same expiry
//   <prefix>i:<len>:<key>:<value>       the secondary index (config `index`):
//                                       a set of base64url(storage key) of
//                                       the sessions whose `key` holds
//                                       `value` (len: the key's length, so
//                                       no key and value pair reads as
//                                       another), expiring with its longest
//                                       lived member
//
// Administration lists sessions by SCANning the handle keys, so there is
// no listing to keep in step with Redis's own expiry. An index set may name
// a session Redis has expired meanwhile: readers skip and prune it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sessiongate::session::redis {

class Keyspace {
public:
    explicit Keyspace(std::string prefix) : prefix_(std::move(prefix)) {}

    /// The record of `storage_key` (raw SHA-256 of the id).
    std::string record(std::string_view storage_key) const;
    std::string handle(std::string_view handle) const;
    /// The index set of sessions whose `key` holds `value`.
    std::string index(std::string_view key, std::string_view value) const;
    /// SCAN MATCH pattern of every handle key (the prefix's glob
    /// characters escaped).
    std::string handle_pattern() const;
    /// The handle a handle key names; nullopt for another key.
    std::optional<std::string> handle_of(std::string_view key) const;

    /// What a handle key holds: base64url of the storage key.
    static std::string encode_storage_key(std::string_view storage_key);
    /// The storage key back; nullopt when `text` is not one.
    static std::optional<std::string> decode_storage_key(std::string_view text);

private:
    std::string prefix_;
};

}  // namespace sessiongate::session::redis
