#pragma once
// Runs marionette-cli in-process, as its main() would, and keeps what it printed.
#include "cli/command.h"

#include <sstream>
#include <string>
#include <vector>

namespace marionette::test {

struct CliRun {
    int code;
    std::string out, err;
};

inline CliRun runCli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = cli::runCli(args, out, err);
    return {code, out.str(), err.str()};
}

}  // namespace marionette::test
