#pragma once
// The model configuration tests use when they need a real network that runs in milliseconds: c = 4, K = 8,
// a 64 x 48 canvas for bodies and 64 x 64 for faces.
#include "marionette/model/config.h"

namespace marionette::test {

inline model::ModelConfig tinyModelConfig(model::SemanticsKind kind = model::SemanticsKind::Body) {
    model::ModelConfig c = kind == model::SemanticsKind::Body ? model::ModelConfig::body() : model::ModelConfig::face();
    c.width = 4;
    c.keyChannels = 8;
    c.height = 64;
    c.canvasWidth = kind == model::SemanticsKind::Body ? 48 : 64;
    return c;
}

}  // namespace marionette::test
