#pragma once
// What the body and the portrait round trips share below their semantics: a loaded engine, the photo, the
// reference cached per crop box, synthesis or preview of a target, the maps as images. Each session says only
// where the crop is and how its semantics are drawn on the canvas (heatmaps for bodies, part maps for faces).
#include "marionette/edit/repose_session.h"
#include "marionette/engine/engine.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace marionette::edit::detail {

engine::EngineOptions engineOptions(const SessionOptions& options);
// A weights file for `expected` semantics; a file for the other kind is refused with `wrongKindMessage`.
std::unique_ptr<engine::Engine> loadEngine(const std::string& path, const SessionOptions& options,
                                           model::SemanticsKind expected, const std::string& wrongKindMessage);
// Randomly initialised (seeded) weights of `config`, which must be for `expected` semantics.
std::unique_ptr<engine::Engine> randomEngine(const model::ModelConfig& config, std::uint64_t seed,
                                             const SessionOptions& options, model::SemanticsKind expected);

// Semantics [P, H, W] of a skeleton or landmarks mapped onto the canvas.
using SemanticsOnCanvas = std::function<at::Tensor(const BoxToCanvas&)>;
// The drag preview: the reference crop ([3, H, W] in [-1, 1]) moved to the target by the skeleton or the
// landmarks alone, no network; an undefined tensor asks for the engine's own preview instead.
using PreviewWarp = std::function<at::Tensor(const at::Tensor& referenceCrop, const BoxToCanvas&)>;
// The flow prior of a model with one (model.md, "Flow prior"): the geometric warp's backward flow on the
// canvas, [2, H, W] in canvas pixels. Empty for models without it.
using FlowPriorOnCanvas = std::function<at::Tensor(const BoxToCanvas&)>;

class CropSynthesis {
public:
    explicit CropSynthesis(std::unique_ptr<engine::Engine> engine);

    engine::Engine& engine() { return *m_engine; }
    const engine::Engine& engine() const { return *m_engine; }
    ImageSize canvas() const { return {m_engine->config().canvasWidth, m_engine->config().height}; }

    // A new photo (8-bit BGR): the reference is encoded again on the next render.
    void setPhoto(const cv::Mat& photo);
    bool hasPhoto() const { return !m_photo.empty(); }
    const cv::Mat& photo() const { return m_photo; }

    // Crops `box`, (re-)encodes the reference when the box changed since the last render, then synthesises
    // the target, or with `preview` runs `previewWarp`; maps come with full syntheses only. `pasteRegion`
    // (canvas-size float weights, or empty for the whole crop) limits where the output is to replace the photo.
    // `flowPrior` is called for a model with a flow prior only (such a model needs it).
    RenderedFrame render(const Box& box, const SemanticsOnCanvas& reference, const SemanticsOnCanvas& target,
                         bool preview, const PreviewWarp& previewWarp, const MapSelection& maps,
                         const cv::Mat& pasteRegion = cv::Mat(), const FlowPriorOnCanvas& flowPrior = {});

private:
    std::unique_ptr<engine::Engine> m_engine;
    cv::Mat m_photo;
    std::optional<Box> m_preparedBox;  // the crop the engine's reference cache holds
    cv::Mat m_referenceCrop;
    at::Tensor m_referenceTensor;  // the same crop as the network reads it
    cv::Mat m_pasteAlpha;
};

}  // namespace marionette::edit::detail
