#pragma once
// The weights shipped in models/, which the editor and the CLI open when given none.
#include "marionette/model/config.h"

#include <string>

namespace marionette::edit {

// The file names, once: the early checkpoints of the training runs (models/BODY_MODEL_CARD.md,
// models/PORTRAIT_MODEL_CARD.md).
inline constexpr const char* kBundledBodyWeights = "body-early.safetensors";
inline constexpr const char* kBundledPortraitWeights = "portrait-early.safetensors";

// The file name of the shipped weights for body or face semantics.
std::string bundledWeightsName(model::SemanticsKind kind);
// The shipped weights for body or face semantics, found as bundled::modelPath finds every shipped model;
// empty when they are not there (a build without the models folder).
std::string bundledWeights(model::SemanticsKind kind);
// Where they were looked for, as a sentence for an error.
std::string missingBundledWeightsMessage(model::SemanticsKind kind);

}  // namespace marionette::edit
