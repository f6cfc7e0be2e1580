#include "session/redis/script.hpp"

#include "session/redis/command.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace sessiongate::session::redis {
namespace {

std::string sha1_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr) != 1)
        throw std::runtime_error("SHA-1 unavailable");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace

Script::Script(std::string source) : source_(std::move(source)), sha1_(sha1_hex(source_)) {}

std::string Script::command(bool full, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args) const {
    const std::string key_count = std::to_string(keys.size());
    std::vector<std::string_view> argv{full ? "EVAL" : "EVALSHA", full ? source_ : sha1_, key_count};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return format_command(argv);
}

void Script::run(Client& client, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                 Client::Clock::time_point deadline, Client::Callback done) const {
    client.execute({command(false, keys, args)}, deadline,
                   [this, &client, keys, args, deadline, done = std::move(done)](Response response) mutable {
                       if (response.ok() && response.replies.at(0).is_error_code("NOSCRIPT")) {
                           client.execute({command(true, keys, args)}, deadline, std::move(done));
                           return;
                       }
                       done(std::move(response));
                   });
}

}  // namespace sessiongate::session::redis
