#include "check.h"

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#ifndef MARIONETTE_TEST_DATA_DIR
#error "MARIONETTE_TEST_DATA_DIR must be defined by the build"
#endif

namespace marionette::test {
namespace {

int failuresInCase = 0;

}  // namespace

std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

void recordFailure(const char* file, int line, const std::string& message) {
    ++failuresInCase;
    std::cerr << "    " << file << ":" << line << ": " << message << '\n';
}

std::string dataPath(const std::string& relative) { return std::string(MARIONETTE_TEST_DATA_DIR) + "/" + relative; }

std::string tempPath(const std::string& name) {
    static const std::filesystem::path folder = [] {
        auto p = std::filesystem::temp_directory_path() / ("marionette-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(p);
        return p;
    }();
    return (folder / name).string();
}

int runAll(int argc, char** argv) {
    const std::string filter = argc > 1 ? argv[1] : "";
    int passed = 0, failed = 0;
    for (const auto& c : registry()) {
        if (c.name.rfind(filter, 0) != 0) continue;
        failuresInCase = 0;
        const auto start = std::chrono::steady_clock::now();
        try {
            c.body();
        } catch (const std::exception& e) {
            recordFailure(c.name.c_str(), 0, std::string("uncaught exception: ") + e.what());
        }
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        std::cerr << (failuresInCase ? "FAIL " : "ok   ") << c.name << " (" << static_cast<int>(ms) << " ms)\n";
        (failuresInCase ? failed : passed)++;
    }
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(tempPath("x")).parent_path(), ec);
    std::cout << passed << " passed, " << failed << " failed\n";
    if (passed + failed == 0) {
        std::cerr << "no test matches \"" << filter << "\"\n";
        return 1;
    }
    return failed ? 1 : 0;
}

}  // namespace marionette::test

int main(int argc, char** argv) { return marionette::test::runAll(argc, argv); }
