#include "cli/command.h"
#include "marionette/util/allocator.h"
#include "marionette/util/cpu_threads.h"

#include <iostream>

int main(int argc, char** argv) {
    marionette::cpu_threads::prepareProcess(argv);
    marionette::allocator::keepFreedBlocksForReuse();
    return marionette::cli::runCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
