#include "marionette/util/allocator.h"
#include "cli/command.h"

#include <iostream>

int main(int argc, char** argv) {
    marionette::allocator::keepFreedBlocksForReuse();
    return marionette::cli::runCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
