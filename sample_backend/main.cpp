// sample_backend: a small web app that uses sessions only through the
// sessiongate upstream contract (see DESIGN.md). Run it behind sessiongate.
#include "sample_backend/server.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <iostream>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

/// "HOST:PORT" or "[V6]:PORT" -> endpoint; the host must be an IP address.
tcp::endpoint parse_listen(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        throw std::invalid_argument("--listen wants HOST:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
        throw std::invalid_argument("--listen: bad port '" + port_text + "'");
    boost::system::error_code ec_address;
    const auto address = asio::ip::make_address(host, ec_address);
    if (ec_address)
        throw std::invalid_argument("--listen: '" + host + "' is not an IP address");
    return {address, static_cast<unsigned short>(port)};
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"sessiongate sample backend: a demo app using sessions through X-Session headers"};
    std::string listen = "127.0.0.1:8000";
    long long visit_interval = 0;
    sample_backend::ServerOptions options;
    cli.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free port)")
        ->capture_default_str();
    cli.add_option("--visit-interval", visit_interval,
                   "/counter counts a visit at most once per this many seconds "
                   "(the seeds use 86400); 0 counts every page load")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cli.add_flag("--access-log", options.access_log, "log one line per request on stderr");
    CLI11_PARSE(cli, argc, argv);
    options.app.visit_interval = std::chrono::seconds(visit_interval);

    try {
        asio::io_context io;
        const tcp::endpoint endpoint = parse_listen(listen);
        tcp::acceptor acceptor(io);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();

        // Tests and scripts read the bound port from this first line.
        std::cout << R"({"event":"listening","listen":")" << endpoint_text(acceptor.local_endpoint())
                  << "\"}" << std::endl;

        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
        asio::co_spawn(io, sample_backend::accept_loop(acceptor, options), asio::detached);
        io.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "sample_backend: " << e.what() << '\n';
        return 1;
    }
}
