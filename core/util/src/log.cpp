#include "marionette/util/log.h"

#include <atomic>
#include <iostream>
#include <mutex>

namespace marionette::log {
namespace {

std::mutex sinkMutex;
Sink currentSink;
std::atomic<int> minimumLevel{static_cast<int>(Level::Info)};

}  // namespace

const char* levelName(Level level) {
    switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warning: return "warning";
    case Level::Error: return "error";
    }
    return "?";
}

void setSink(Sink sink) {
    std::lock_guard<std::mutex> lock(sinkMutex);
    currentSink = std::move(sink);
}

void setMinimumLevel(Level level) { minimumLevel = static_cast<int>(level); }

void write(Level level, const std::string& message) {
    if (static_cast<int>(level) < minimumLevel) return;
    std::lock_guard<std::mutex> lock(sinkMutex);
    if (currentSink) {
        currentSink(level, message);
    } else {
        std::cerr << "[" << levelName(level) << "] " << message << '\n';
    }
}

}  // namespace marionette::log
