#pragma once
// One logger for all library code: no printf in core/. Messages of level Info and above go to stderr as
// "[level] message".
#include <sstream>
#include <string>

namespace marionette::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };

void write(Level level, const std::string& message);

const char* levelName(Level level);

template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

template <typename... Parts>
void debug(const Parts&... p) {
    write(Level::Debug, concat(p...));
}
template <typename... Parts>
void info(const Parts&... p) {
    write(Level::Info, concat(p...));
}
template <typename... Parts>
void warning(const Parts&... p) {
    write(Level::Warning, concat(p...));
}
template <typename... Parts>
void error(const Parts&... p) {
    write(Level::Error, concat(p...));
}

}  // namespace marionette::log
