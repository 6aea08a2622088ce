#pragma once
// A CLI verb: a class with execute(args). Results go to `out` or files, diagnostics to `err`.
// Exit codes: 0 success, 1 the job failed (bad input, I/O), 2 usage error.
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace marionette::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

class Command {
public:
    virtual ~Command() = default;
    virtual std::string name() const = 0;
    virtual std::string summary() const = 0;
    virtual int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) = 0;
};

std::vector<std::unique_ptr<Command>> allCommands();

// Dispatches `args` (without the program name) to a verb; catches every error and turns it into a
// message on `err` and an exit code.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace marionette::cli
