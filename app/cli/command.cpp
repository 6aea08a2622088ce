#include "cli/command.h"

#include "cli/arguments.h"
#include "marionette/util/build_info.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"
#ifdef MARIONETTE_WITH_IMAGE
#include "marionette/edit/version_report.h"
#endif

#include <algorithm>
#include <ostream>

namespace marionette::cli {

namespace {

std::vector<std::unique_ptr<Command> (*)()>& factories() {
    static std::vector<std::unique_ptr<Command> (*)()> list;
    return list;
}

}  // namespace

CommandRegistration::CommandRegistration(std::unique_ptr<Command> (*make)()) { factories().push_back(make); }

std::vector<std::unique_ptr<Command>> allCommands() {
    std::vector<std::unique_ptr<Command>> commands;
    for (auto make : factories()) commands.push_back(make());
    std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
    return commands;
}

namespace {

void printUsage(std::ostream& out, const std::vector<std::unique_ptr<Command>>& commands, const std::string& program) {
    out << "usage: " << program << " <verb> [options]    (" << program << " <verb> --help for its options)\n\nverbs:\n";
    for (const auto& c : commands)
        out << "  " << c->name() << std::string(c->name().size() < 16 ? 18 - c->name().size() : 2, ' ') << c->summary()
            << '\n';
    out << "\n  help --all        every verb's options\n  --version         the version, revision, LibTorch, CUDA "
           "support and the shipped weights\n";
    out << "\nexit codes: 0 success, 1 the job failed, 2 usage error\n";
}

// The LibTorch-only build has no edit library, hence no shipped weights to name.
std::string versionText(const std::string& program) {
#ifdef MARIONETTE_WITH_IMAGE
    return edit::versionReport(program);
#else
    return build_info::versionLines(program);
#endif
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const std::string& program) {
    setProgramName(program);
    const auto commands = allCommands();
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printUsage(args.empty() ? err : out, commands, program);
        // "help --all": every verb's options after the list (the manual page is made from it).
        if (args.size() == 2 && args[0] == "help" && args[1] == "--all") {
            for (const auto& command : commands) {
                out << '\n' << command->name() << ": " << command->summary() << '\n';
                command->execute({"--help"}, out, err);
            }
        }
        return args.empty() ? kExitUsage : kExitOk;
    }
    if (args[0] == "--version") {
        out << versionText(program);
        return kExitOk;
    }
    for (const auto& command : commands) {
        if (command->name() != args[0]) continue;
        const std::vector<std::string> rest(args.begin() + 1, args.end());
        try {
            return command->execute(rest, out, err);
        } catch (const UsageError& e) {
            err << program << ' ' << args[0] << ": " << e.what() << "\n(see " << program << ' ' << args[0]
                << " --help)\n";
            return kExitUsage;
        } catch (const Error& e) {
            err << program << ' ' << args[0] << ": error: " << e.what() << '\n';
            return kExitFailure;
        } catch (const std::exception& e) {
            err << program << ' ' << args[0] << ": unexpected error: " << e.what() << '\n';
            return kExitFailure;
        }
    }
    err << program << ": unknown verb \"" << args[0] << "\"\n";
    printUsage(err, commands, program);
    return kExitUsage;
}

}  // namespace marionette::cli
