#pragma once
// The weights a verb runs: --weights when given, else the shipped ones of that kind.
#include "cli/arguments.h"

#include "marionette/model/config.h"

#include <string>

namespace marionette::cli {

// Throws marionette::Error saying which shipped file is missing when --weights is not given and the shipped
// weights are not installed.
std::string weightsArgument(const Arguments& arguments, model::SemanticsKind kind);

}  // namespace marionette::cli
