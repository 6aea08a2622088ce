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

// Every verb registers itself from its own source file (MARIONETTE_CLI_COMMAND), so adding a verb touches
// no shared list. Verbs are listed in name order.
std::vector<std::unique_ptr<Command>> allCommands();

struct CommandRegistration {
    explicit CommandRegistration(std::unique_ptr<Command> (*make)());
};

// Dispatches `args` (without the program name) to a verb; catches every error and turns it into a
// message on `err`, which names `program`, and an exit code.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const std::string& program = "marionette-cli");

}  // namespace marionette::cli

#define MARIONETTE_CLI_COMMAND(Class)                                         \
    static const ::marionette::cli::CommandRegistration registration_##Class( \
        []() -> std::unique_ptr<::marionette::cli::Command> { return std::make_unique<Class>(); })
