#pragma once
// --version of the programs that open the shipped weights (the editor and marionette-cli): the build's
// lines (util/build_info.h) and which weights they would load.
#include "marionette/model/config.h"

#include <optional>
#include <string>

namespace marionette::edit {

// "body-early.safetensors (31.9 MB, 54752 training images, 9631 steps)", read from the file's size and the
// training record in its header (the tensors are not read); a sentence saying why when it cannot be read.
std::string weightsIdentity(const std::string& path);

// The model a weights file holds (body or portrait), read from its header's marionette.config (the tensors are
// not read); nullopt when the file cannot be read or is not Marionette weights (loading it says why).
std::optional<model::SemanticsKind> weightsKind(const std::string& path);

// build_info::versionLines(program), then the shipped body and portrait weights by weightsIdentity, or
// where they were looked for when they are not installed.
std::string versionReport(const std::string& program);

}  // namespace marionette::edit
