#pragma once
// The engine's maps (tensors) drawn as images: the tensor side of round_trip.h's MapImages.
#include "marionette/edit/round_trip.h"
#include "marionette/engine/engine.h"

namespace marionette::edit {

// Each map the result holds, drawn at the canvas size; the attention map as heat over `referenceCrop`.
MapImages mapImagesOf(const engine::SynthesisResult& result, const cv::Mat& referenceCrop);

}  // namespace marionette::edit
