// Finding csrfmiddlewaretoken in a form body that arrives in pieces.
#include "session/csrf_form.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace sessiongate::session;

namespace {

/// The field as found in `body` fed in pieces of `piece` bytes.
std::optional<std::string> scan(std::string_view body, std::size_t piece, bool ended = true) {
    FormFieldScan field;
    for (std::size_t at = 0; at < body.size(); at += piece) field.feed(body.substr(at, piece));
    if (ended) field.finish();
    if (!field.found()) return std::nullopt;
    return field.value();
}

}  // namespace

TEST_CASE("form field: found wherever the pieces split the body", "[csrf]") {
    const std::string body = "name=Zo%C3%AB&csrfmiddlewaretoken=abc%2Bd+e&next=%2F";
    for (std::size_t piece = 1; piece <= body.size(); ++piece) {
        INFO("piece " << piece);
        CHECK(scan(body, piece) == std::optional<std::string>("abc+d e"));
    }
}

TEST_CASE("form field: first, last, alone, encoded name", "[csrf]") {
    CHECK(scan("csrfmiddlewaretoken=t1&a=1", 4) == std::optional<std::string>("t1"));
    CHECK(scan("a=1&csrfmiddlewaretoken=t2", 4) == std::optional<std::string>("t2"));
    CHECK(scan("csrfmiddlewaretoken=t3", 100) == std::optional<std::string>("t3"));
    CHECK(scan("csrfmiddleware%74oken=t4", 3) == std::optional<std::string>("t4"));
    CHECK(scan("csrfmiddlewaretoken=one&csrfmiddlewaretoken=two", 5) == std::optional<std::string>("one"));
    CHECK(scan("csrfmiddlewaretoken=&a=1", 5) == std::optional<std::string>(""));
    CHECK(scan("csrfmiddlewaretoken&a=1", 5) == std::optional<std::string>(""));
}

TEST_CASE("form field: absent, or not whole before the body ends", "[csrf]") {
    CHECK(scan("", 1) == std::nullopt);
    CHECK(scan("a=1&b=2", 2) == std::nullopt);
    CHECK(scan("xcsrfmiddlewaretoken=t&csrfmiddlewaretokenx=t", 7) == std::nullopt);
    CHECK(scan("csrfmiddlewaretoken=abc", 5, false) == std::nullopt);  // may go on in the next piece
    // A value past the bound is kept cut short: found, but never a token.
    const auto long_value = scan("csrfmiddlewaretoken=" + std::string(1000, 'a'), 64);
    REQUIRE(long_value);
    CHECK(long_value->size() == 256);
    // A huge name costs nothing either.
    CHECK(scan(std::string(100000, 'n') + "=1&csrfmiddlewaretoken=ok", 4096) == std::optional<std::string>("ok"));
}

TEST_CASE("form field: decoding", "[csrf]") {
    CHECK(form_decode("a+b%20c") == "a b c");
    CHECK(form_decode("%zz%4") == "%zz%4");
    CHECK(form_decode("%41%61") == "Aa");
}
