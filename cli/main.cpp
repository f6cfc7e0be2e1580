// The sessiongate command line: run, check-config, sessions, --version.
#include "cli/sessions_command.hpp"
#include "cli/startup_checks.hpp"
#include "config/load.hpp"
#include "proxy/log.hpp"
#include "proxy/server.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#ifndef SESSIONGATE_VERSION
#define SESSIONGATE_VERSION "0.1.0"
#endif

namespace sessiongate::cli {
namespace {

/// -c and the overriding flags, shared by the commands that take them.
struct ConfigOptions {
    std::string file;
    std::optional<std::string> listen, upstream, admin, threads, store_path;

    config::Overrides overrides() const {
        config::Overrides result;
        auto add = [&](const char* path, const std::optional<std::string>& value) {
            if (value) result.emplace_back(path, *value);
        };
        add("listen", listen);
        add("upstream", upstream);
        add("admin", admin);
        add("threads", threads);
        add("store.path", store_path);
        return result;
    }
};

// -c FILE, else $SESSIONGATE_CONFIG, else ./sessiongate.yaml when it exists,
// else "" (defaults and environment only).
std::string config_path(const ConfigOptions& options) {
    if (!options.file.empty()) return options.file;
    if (const char* from_environment = std::getenv("SESSIONGATE_CONFIG"); from_environment && *from_environment)
        return from_environment;
    std::error_code error;
    if (std::filesystem::exists("sessiongate.yaml", error)) return "sessiongate.yaml";
    return "";
}

void add_config_option(CLI::App& command, ConfigOptions& options) {
    command.add_option("-c,--config", options.file, "YAML configuration file")
        ->type_name("FILE")
        ->envname("SESSIONGATE_CONFIG");
}

void add_override_flags(CLI::App& command, ConfigOptions& options) {
    command.add_option("--listen", options.listen, "Client listener, overrides `listen`")->type_name("HOST:PORT");
    command.add_option("--upstream", options.upstream, "Application URL, overrides `upstream`")->type_name("URL");
    command.add_option("--admin", options.admin, "Admin listener, overrides `admin`")->type_name("HOST:PORT");
    command.add_option("--threads", options.threads, "I/O threads, overrides `threads`")->type_name("N");
    command.add_option("--store-path", options.store_path, "LMDB directory, overrides `store.path`")
        ->type_name("DIR");
}

void print_problems(const std::vector<config::Problem>& problems) {
    for (const config::Problem& problem : problems) std::cerr << problem.text() << '\n';
}

config::LoadResult load(const ConfigOptions& options) {
    return config::load_config(config_path(options), config::sessiongate_environment(), options.overrides());
}

// The configuration as `run` would start with it, or every problem, from the
// file's syntax to a key file that cannot be read.
config::LoadResult load_for_start(const ConfigOptions& options) {
    config::LoadResult loaded = load(options);
    std::vector<config::Problem> more = startup_problems(loaded);
    if (!more.empty()) {
        loaded.problems.insert(loaded.problems.end(), more.begin(), more.end());
        loaded.config = nullptr;
    }
    return loaded;
}

int run(const ConfigOptions& options) {
    config::LoadResult loaded = load_for_start(options);
    if (!loaded.config) {
        print_problems(loaded.problems);
        std::cerr << "sessiongate: not starting: " << loaded.problems.size() << " configuration problem"
                  << (loaded.problems.size() == 1 ? "" : "s") << '\n';
        return 1;
    }
    // SIGHUP: read the same file, environment and flags again; on problems
    // keep the running configuration and say why on the log.
    proxy::ConfigReloader reload = [options]() -> config::ConfigPtr {
        config::LoadResult again = load(options);
        if (again.config) return again.config;
        boost::json::array problems;
        for (const config::Problem& problem : again.problems) problems.emplace_back(problem.text());
        proxy::log_error("reload_failed", {{"problems", std::move(problems)}});
        return nullptr;
    };
    try {
        return proxy::run_server(loaded.config, reload);
    } catch (const std::exception& error) {
        std::cerr << "sessiongate: cannot run: " << error.what() << '\n';
        return 1;
    }
}

int check_config(const ConfigOptions& options) {
    config::LoadResult loaded = load_for_start(options);
    if (!loaded.config) {
        print_problems(loaded.problems);
        return 1;
    }
    std::string path = config_path(options);
    std::cout << "configuration OK: " << (path.empty() ? "(defaults and environment)" : path) << '\n';
    return 0;
}

// The sessions commands need a valid configuration to find the store.
template <typename Command>
int with_config(const ConfigOptions& options, Command command) {
    config::LoadResult loaded = load(options);
    if (!loaded.config) {
        print_problems(loaded.problems);
        return 2;
    }
    try {
        return command(*loaded.config);
    } catch (const std::exception& error) {
        std::cerr << "sessiongate: " << error.what() << '\n';
        return 2;
    }
}

constexpr const char* main_footer = R"(
Examples:
  sessiongate run -c sessiongate.yaml
  sessiongate run -c sessiongate.yaml --listen 0.0.0.0:8080 --upstream http://127.0.0.1:3000
  sessiongate check-config -c sessiongate.yaml
  sessiongate sessions list -c sessiongate.yaml

Every setting can also be given as SESSIONGATE_<KEY PATH> (SESSIONGATE_STORE_PATH,
SESSIONGATE_COOKIE_SECURE=true, SESSIONGATE_INDEX='[member_id]').
Precedence: flag > environment > file > default.
Without -c: $SESSIONGATE_CONFIG, else ./sessiongate.yaml if it exists, else defaults.
Documentation: README.md, docs/contract.md (the upstream contract) and
docs/configuration.md (every setting).)";

constexpr const char* run_footer = R"(
Runs until SIGTERM or SIGINT (drains in-flight requests, exits 0); SIGHUP
reloads the configuration and keeps the old one if the new one has problems
(listen, admin, threads, secret_key_file and store.* keep their values until
a restart, named in a restart_required log line).
Exits 1 without starting when the configuration has a problem or the
listeners or the store cannot be opened.

Examples:
  sessiongate run -c sessiongate.yaml
  sessiongate run -c sessiongate.yaml --listen 0.0.0.0:8080 --threads 4
  SESSIONGATE_COOKIE_SECURE=true sessiongate run -c sessiongate.yaml)";

constexpr const char* check_footer = R"(
Prints every problem, one per line on stderr, as FILE:LINE: KEY: MESSAGE, and
exits 1; prints "configuration OK: FILE" and exits 0 otherwise.

Examples:
  sessiongate check-config -c sessiongate.yaml
  SESSIONGATE_THREADS=4 sessiongate check-config -c /etc/sessiongate.yaml)";

constexpr const char* sessions_footer = R"(
Works on the store of a running instance too; the store must exist (a
command never creates one). Sessions are named by their handle, the
X-Session-Id the application sees. With `index: [member_id]` in the
configuration, `list --by` and `revoke --by` find the sessions whose
member_id holds a value (numbers and their text alike). Every command
takes --json for one JSON object per line. Exit codes: 0 done, 1 no such
session, 2 usage, configuration or store error (a store path that does not
exist included).

Examples:
  sessiongate sessions list -c sessiongate.yaml
  sessiongate sessions list --json -c sessiongate.yaml
  sessiongate sessions list --by member_id=42 -c sessiongate.yaml
  sessiongate sessions show 3q2-7Wfz... -c sessiongate.yaml
  sessiongate sessions show --data 3q2-7Wfz... -c sessiongate.yaml
  sessiongate sessions delete 3q2-7Wfz... -c sessiongate.yaml
  sessiongate sessions revoke --by member_id=42 -c sessiongate.yaml
  sessiongate sessions revoke --by member_id=42 --except 3q2-7Wfz... -c sessiongate.yaml
  sessiongate sessions clear-expired -c sessiongate.yaml)";

}  // namespace
}  // namespace sessiongate::cli

namespace {

bool handle_shaped(const std::string& arg) {
    return arg.size() == 43 && arg.front() == '-' &&
           arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos;
}

// A handle is base64url and so may begin with '-', which any option parser
// takes for an option: such an argument is moved behind a "--", where it can
// only be the handle, or, as the value of --except, joined to it
// ("--except=-abc...").
std::vector<std::string> arguments_with_handles_last(int argc, char** argv) {
    std::vector<std::string> args, handles;
    bool positional_only = false;
    for (int i = 0; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") positional_only = true;
        if (i > 0 && !positional_only && handle_shaped(arg)) {
            if (args.back() == "--except") args.back() += "=" + arg;
            else handles.push_back(std::move(arg));
        } else {
            args.push_back(std::move(arg));
        }
    }
    if (!handles.empty() && !positional_only) args.emplace_back("--");
    args.insert(args.end(), handles.begin(), handles.end());
    return args;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace sessiongate::cli;
    namespace config = sessiongate::config;

    CLI::App app{"sessiongate: a reverse proxy that gives any web application Django-style server-side sessions.",
                 "sessiongate"};
    app.footer(main_footer);
    app.set_version_flag("--version", "sessiongate " SESSIONGATE_VERSION);
    app.require_subcommand(0, 1);

    ConfigOptions options;
    int exit_code = 0;

    CLI::App* run_command = app.add_subcommand("run", "Run the proxy in the foreground");
    run_command->footer(run_footer);
    add_config_option(*run_command, options);
    add_override_flags(*run_command, options);
    run_command->callback([&] { exit_code = run(options); });

    CLI::App* check_command =
        app.add_subcommand("check-config", "Validate the configuration (file, environment, flags) and exit");
    check_command->footer(check_footer);
    add_config_option(*check_command, options);
    add_override_flags(*check_command, options);
    check_command->callback([&] { exit_code = check_config(options); });

    CLI::App* sessions = app.add_subcommand("sessions", "List, show, delete and revoke stored sessions");
    sessions->footer(sessions_footer);
    sessions->require_subcommand(1);

    bool json = false, data_only = false;
    std::string handle, by, except;
    auto output = [&] { return data_only ? Output::Data : json ? Output::Json : Output::Text; };
    auto with_store = [&](auto command) {
        exit_code = with_config(options, [&](const config::Config& c) { return command(c, output()); });
    };

    CLI::App* list =
        sessions->add_subcommand("list", "One line per session: handle, created, expires, bytes, and whether it expired");
    list->add_option("--by", by, "Only the live sessions whose indexed key holds a value (config index)")
        ->type_name("KEY=VALUE");
    list->callback([&] {
        if (by.empty()) return with_store(sessions_list);
        with_store([&](const config::Config& c, Output o) { return sessions_list_by(c, by, o); });
    });

    CLI::App* show =
        sessions->add_subcommand("show", "One session: created, modified, expires and its data (JSON)");
    show->add_flag("--data", data_only, "Print the session's data alone, as JSON")->excludes(
        show->add_flag("--json", json, "One JSON object: handle, created, modified, expires, expired, data"));
    show->callback([&] {
        with_store([&](const config::Config& c, Output o) { return sessions_show(c, handle, o); });
    });

    CLI::App* remove = sessions->add_subcommand("delete", "Delete one session (the user is logged out)");
    remove->callback([&] {
        with_store([&](const config::Config& c, Output o) { return sessions_delete(c, handle, o); });
    });

    CLI::App* revoke = sessions->add_subcommand(
        "revoke", "Delete every session whose indexed key holds a value (log out everywhere), but one");
    revoke->add_option("--by", by, "The indexed key and its value: member_id=42 (config index)")
        ->type_name("KEY=VALUE")
        ->required();
    revoke->add_option("--except", except, "Handle of the session to keep (the device the user is on)")
        ->type_name("HANDLE");
    revoke->callback([&] {
        with_store([&](const config::Config& c, Output o) { return sessions_revoke(c, by, except, o); });
    });

    CLI::App* clear = sessions->add_subcommand("clear-expired", "Delete every expired session now");
    clear->callback([&] { with_store(sessions_clear_expired); });

    for (CLI::App* command : {show, remove})
        command->add_option("HANDLE", handle, "Session handle (X-Session-Id), as `sessions list` prints it")
            ->required()
            ->type_name("");
    for (CLI::App* command : {list, remove, revoke, clear})
        command->add_flag("--json", json, "One JSON object per line");
    for (CLI::App* command : {list, show, remove, revoke, clear}) {
        add_config_option(*command, options);
        command->add_option("--store-path", options.store_path, "LMDB directory, overrides `store.path`")
            ->type_name("DIR");
    }

    // `sessiongate help [COMMAND...]`: the help of the program or of a command.
    std::vector<std::string> topic;
    CLI::App* help = app.add_subcommand("help", "Print this help, or a command's: sessiongate help sessions show");
    help->add_option("COMMAND", topic, "Command to describe");
    help->callback([&] {
        const CLI::App* described = &app;
        std::string path = app.get_name();  // for the usage line: "sessiongate sessions list"
        for (const std::string& name : topic) {
            try {
                described = described->get_subcommand(name);
            } catch (const CLI::OptionNotFound&) {
                throw CLI::ValidationError("COMMAND", "no command named " + name);
            }
            path += " " + described->get_name();
        }
        // The formatter itself: App::help() would describe `help`, the
        // subcommand being run.
        std::cout << described->get_formatter()->make_help(described, path, CLI::AppFormatMode::Normal);
    });

    auto args = arguments_with_handles_last(argc, argv);
    std::vector<char*> arg_pointers;
    for (auto& arg : args) arg_pointers.push_back(arg.data());
    try {
        app.parse(static_cast<int>(arg_pointers.size()), arg_pointers.data());
    } catch (const CLI::ParseError& error) {
        // --help and --version exit 0; a usage error exits 2, as most tools do.
        return app.exit(error) == 0 ? 0 : 2;
    }
    // A bare `sessiongate`: what it can do, not an error.
    if (app.get_subcommands().empty()) std::cout << app.help();
    return exit_code;
}
