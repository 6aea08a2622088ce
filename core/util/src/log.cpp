#include "marionette/util/log.h"

#include <iostream>
#include <mutex>

namespace marionette::log {
namespace {

constexpr Level kMinimumLevel = Level::Info;  // debug messages are for a debugger's eyes
std::mutex writeMutex;                        // whole lines, from any thread

}  // namespace

const char* levelName(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warning:
            return "warning";
        case Level::Error:
            return "error";
    }
    return "?";
}

void write(Level level, const std::string& message) {
    if (static_cast<int>(level) < static_cast<int>(kMinimumLevel)) return;
    std::lock_guard<std::mutex> lock(writeMutex);
    std::cerr << "[" << levelName(level) << "] " << message << '\n';
}

}  // namespace marionette::log
