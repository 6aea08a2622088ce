#pragma once
// The weights a verb runs: --weights (or the option named) when given, else the shipped ones of that kind.
#include "cli/arguments.h"

#include "marionette/model/config.h"

#include <string>

namespace marionette::cli {

// Throws marionette::Error saying which shipped file is missing when the option (--weights unless named) is
// not given and the shipped weights are not installed.
std::string weightsArgument(const Arguments& arguments, model::SemanticsKind kind,
                            const std::string& option = "--weights");

}  // namespace marionette::cli
