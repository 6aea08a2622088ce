#pragma once
// One logger for all library code: no printf in core/. The app redirects the sink (the editor to its log
// panel, the CLI to stderr, tests to a buffer).
#include <functional>
#include <sstream>
#include <string>

namespace marionette::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };

using Sink = std::function<void(Level, const std::string&)>;

// Replaces the sink; an empty function restores the default (stderr, "[level] message").
void setSink(Sink sink);
void setMinimumLevel(Level level);
void write(Level level, const std::string& message);

const char* levelName(Level level);

template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

template <typename... Parts> void debug(const Parts&... p) { write(Level::Debug, concat(p...)); }
template <typename... Parts> void info(const Parts&... p) { write(Level::Info, concat(p...)); }
template <typename... Parts> void warning(const Parts&... p) { write(Level::Warning, concat(p...)); }
template <typename... Parts> void error(const Parts&... p) { write(Level::Error, concat(p...)); }

}  // namespace marionette::log
