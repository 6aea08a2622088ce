// marionette-train: the trainer's front door. "marionette-train [train] ...", "marionette-train export ...",
// "marionette-train eval ..." run the same verbs as marionette-cli.
#include "cli/command.h"
#include "marionette/util/allocator.h"
#include "marionette/util/build_info.h"
#include "marionette/util/cpu_threads.h"

#include <iostream>

int main(int argc, char** argv) {
    marionette::cpu_threads::prepareProcess(argv);
    marionette::allocator::keepFreedBlocksForReuse();
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "--version") {
        std::cout << marionette::build_info::versionLines("marionette-train");
        return 0;
    }
    const bool verbGiven = !args.empty() && (args[0] == "train" || args[0] == "export" || args[0] == "eval");
    const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
    if (!verbGiven && !help) args.insert(args.begin(), "train");
    if (help) {
        std::cout << "usage: marionette-train [train] --data SPEC [options]   (train --help for all options)\n"
                     "       marionette-train export --run DIR --out WEIGHTS\n"
                     "       marionette-train eval --weights WEIGHTS --data SPEC [--pairs N]\n"
                     "       marionette-train --version\n\n";
        // The trainer's own options too, so that its manual page (made from --help) has them.
        return marionette::cli::runCli({"train", "--help"}, std::cout, std::cerr, "marionette-train");
    }
    return marionette::cli::runCli(args, std::cout, std::cerr, "marionette-train");
}
