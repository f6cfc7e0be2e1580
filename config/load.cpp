#include "config/load.hpp"

#include "config/did_you_mean.hpp"
#include "config/schema.hpp"
#include "config/tree.hpp"
#include "config/validate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace sessiongate::config {
namespace {

constexpr std::string_view environment_prefix = "SESSIONGATE_";

// Variables that hold secrets or the file name rather than a setting, and
// SESSIONGATE_BIN, which the test and demo tooling sets to name this binary
// and hands down to it with the rest of its environment.
bool is_reserved_variable(std::string_view name) {
    return name == "SESSIONGATE_SECRET_KEYS" || name == "SESSIONGATE_ADMIN_TOKEN" || name == "SESSIONGATE_CONFIG" ||
           name == "SESSIONGATE_REDIS_PASSWORD" || name == "SESSIONGATE_BIN";
}

/// Where the values being applied come from.
struct Source {
    std::string file;   // file name, "environment" or "flags"
    std::string label;  // the variable or flag; empty for a file (its key paths name themselves)
};

std::string join(std::string_view section, std::string_view name) {
    return section.empty() ? std::string(name) : std::string(section) + "." + std::string(name);
}

// Every path an environment variable or a flag may set: each setting outside
// `routes` items, and the sections holding them.
std::vector<std::string> overridable_paths() {
    std::set<std::string> paths;
    for (const Setting& setting : settings()) {
        if (setting.path.find('[') != std::string_view::npos) continue;
        std::string_view path = setting.path;
        while (true) {
            paths.emplace(path);
            auto dot = path.rfind('.');
            if (dot == std::string_view::npos) break;
            path = path.substr(0, dot);
        }
    }
    return {paths.begin(), paths.end()};
}

// A setting named only by its last part ("samesite" at the top level): the
// full path it probably belongs at.
std::optional<std::string> misplaced(std::string_view name) {
    for (const Setting& setting : settings()) {
        std::string_view path = setting.path;
        if (path.find('[') != std::string_view::npos) continue;
        auto dot = path.rfind('.');
        if (dot != std::string_view::npos && path.substr(dot + 1) == name) return std::string(path);
    }
    return std::nullopt;
}

std::optional<std::string> read_file(const std::string& path, std::string& error) {
    std::error_code code;
    if (std::filesystem::is_directory(path, code)) {
        error = "is a directory";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class Loader {
public:
    void apply_file(const std::string& path) {
        config_.source = path;
        std::string error;
        auto text = read_file(path, error);
        if (!text) return problems_.push_back({path, 0, "", "cannot read the file: " + error});
        auto parsed = parse_yaml(*text);
        if (auto* syntax = std::get_if<YamlSyntaxError>(&parsed))
            return problems_.push_back({path, syntax->line, "", "YAML syntax error: " + syntax->message});
        const Tree& root = std::get<Tree>(parsed);
        if (root.kind == Tree::Kind::Null) return;  // an empty file: all defaults
        if (root.kind != Tree::Kind::Map)
            return problems_.push_back(
                {path, root.line, "", "the file must be a mapping of settings (got " + root.describe() + ")"});
        walk_map(root, "", "", Source{path, ""}, nullptr);
    }

    void apply_environment(const std::map<std::string, std::string>& environment) {
        const std::vector<std::string> paths = overridable_paths();
        std::vector<std::string> names;
        for (const std::string& path : paths) names.push_back(environment_name(path));
        for (const auto& [name, value] : environment) {
            if (!name.starts_with(environment_prefix) || is_reserved_variable(name)) continue;
            Source source{"environment", name};
            auto found = std::find(names.begin(), names.end(), name);
            if (found == names.end()) {
                std::string message = "unknown setting";
                // Compared without the common prefix, which would make any
                // two names look alike.
                std::vector<std::string> bare;
                for (const std::string& known : names) bare.push_back(known.substr(environment_prefix.size()));
                if (auto suggestion = closest(name.substr(environment_prefix.size()), bare))
                    message += " (did you mean " + std::string(environment_prefix) + *suggestion + "?)";
                problems_.push_back({source.file, 0, name, message});
                continue;
            }
            apply_text(value, paths[found - names.begin()], source);
        }
    }

    void apply_flags(const Overrides& flags) {
        const std::vector<std::string> paths = overridable_paths();
        for (const auto& [path, value] : flags) {
            Source source{"flags", flag_name(path)};
            if (std::find(paths.begin(), paths.end(), path) == paths.end()) {
                problems_.push_back({source.file, 0, source.label, "unknown setting"});
                continue;
            }
            apply_text(value, path, source);
        }
    }

    LoadResult finish(bool secret_keys_in_environment) {
        std::vector<Problem> more = validate(config_, origins_, secret_keys_in_environment);
        problems_.insert(problems_.end(), more.begin(), more.end());
        LoadResult result;
        result.problems = std::move(problems_);
        result.origins = origins_;
        result.source = config_.source;
        if (result.problems.empty()) result.config = std::make_shared<const Config>(std::move(config_));
        return result;
    }

private:
    // A value given as text (a variable or a flag), read as YAML flow.
    void apply_text(const std::string& text, const std::string& path, const Source& source) {
        auto parsed = parse_yaml(text);
        if (auto* syntax = std::get_if<YamlSyntaxError>(&parsed))
            return report(source, 0, path, "not a valid YAML value: " + syntax->message);
        apply_at(std::get<Tree>(parsed), path, path, 0, source, nullptr);
    }

    void walk_map(const Tree& map, const std::string& schema_section, const std::string& shown_section,
                  const Source& source, Route* route) {
        std::map<std::string, int> first_line;
        for (const Tree& entry : map.items) {
            std::string shown = join(shown_section, entry.key);
            auto [earlier, inserted] = first_line.emplace(entry.key, entry.key_line);
            if (!inserted) {
                report(source, entry.key_line, shown, "duplicate key (first on line " + std::to_string(earlier->second) + ")");
                continue;
            }
            apply_at(entry, join(schema_section, entry.key), shown, entry.key_line, source, route);
        }
    }

    void apply_at(const Tree& value, const std::string& schema_path, const std::string& shown, int key_line,
                  const Source& source, Route* route) {
        if (const Setting* setting = find_setting(schema_path)) {
            // Remembered even when the value is refused: the key was given,
            // and later checks must not call it missing.
            remember(shown, key_line, source);
            Target target{config_, route};
            try {
                setting->apply(target, value);
            } catch (const InvalidValue& invalid) {
                return report(source, invalid.line ? invalid.line : key_line, shown, invalid.message);
            }
            if (setting->add_item) apply_items(*setting, value, schema_path, shown, source);
            return;
        }
        if (is_section(schema_path)) {
            if (value.kind == Tree::Kind::Map) return walk_map(value, schema_path, shown, source, route);
            if (value.kind != Tree::Kind::Null)
                report(source, value.line, shown, "must be a mapping (got " + value.describe() + ")");
            return;
        }
        report(source, key_line, shown, unknown_key_message(schema_path, shown));
    }

    // Each item of a list of mappings (`routes`) becomes a fresh element.
    void apply_items(const Setting& setting, const Tree& list, const std::string& schema_path,
                     const std::string& shown, const Source& source) {
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            const Tree& item = list.items[i];
            std::string item_shown = shown + "[" + std::to_string(i) + "]";
            if (item.kind != Tree::Kind::Map) {
                report(source, item.line, item_shown, "must be a mapping (got " + item.describe() + ")");
                continue;
            }
            Target target{config_, nullptr};
            setting.add_item(target);
            remember(item_shown, item.line, source);
            walk_map(item, schema_path + "[]", item_shown, source, target.route);
        }
    }

    std::string unknown_key_message(const std::string& schema_path, const std::string& shown) {
        auto dot = schema_path.rfind('.');
        std::string section = dot == std::string::npos ? "" : schema_path.substr(0, dot);
        std::string name = dot == std::string::npos ? schema_path : schema_path.substr(dot + 1);
        auto shown_dot = shown.rfind('.');
        std::string shown_section = shown_dot == std::string::npos ? "" : shown.substr(0, shown_dot);
        if (auto suggestion = closest(name, names_under(section)))
            return "unknown key (did you mean \"" + join(shown_section, *suggestion) + "\"?)";
        if (auto elsewhere = misplaced(name)) return "unknown key (did you mean \"" + *elsewhere + "\"?)";
        return "unknown key";
    }

    void remember(const std::string& shown, int line, const Source& source) {
        origins_[shown] = source.label.empty() ? Origin{source.file, line, shown} : Origin{source.file, 0, source.label};
    }

    void report(const Source& source, int line, const std::string& shown, std::string message) {
        if (source.label.empty()) problems_.push_back({source.file, line, shown, std::move(message)});
        else problems_.push_back({source.file, 0, source.label, std::move(message)});
    }

    Config config_;
    Origins origins_;
    std::vector<Problem> problems_;
};

}  // namespace

LoadResult load_config(const std::string& path, const std::map<std::string, std::string>& environment,
                       const Overrides& flags) {
    // Any bug that throws here must not take the process down on a reload.
    try {
        Loader loader;
        if (!path.empty()) loader.apply_file(path);
        loader.apply_environment(environment);
        loader.apply_flags(flags);
        auto keys = environment.find("SESSIONGATE_SECRET_KEYS");
        return loader.finish(keys != environment.end() && !keys->second.empty());
    } catch (const std::exception& error) {
        LoadResult result;
        result.problems.push_back({path.empty() ? "configuration" : path, 0, "", std::string("internal error: ") + error.what()});
        return result;
    }
}

std::map<std::string, std::string> sessiongate_environment() {
    std::map<std::string, std::string> result;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text = *entry;
        if (!text.starts_with(environment_prefix)) continue;
        auto equals = text.find('=');
        if (equals == std::string_view::npos) continue;
        result.emplace(text.substr(0, equals), text.substr(equals + 1));
    }
    return result;
}

}  // namespace sessiongate::config
