#pragma once
// How a MainWindow starts: which model, which device, what it opens. The app fills it from the command line;
// tests fill it with a tiny random model and temporary folders.
#include "marionette/edit/repose_session.h"
#include "marionette/model/config.h"

#include <QString>

#include <optional>

namespace marionette::ui {

struct EditorOptions {
    // A weights file to load at start. Empty: the weights opened last time, else the shipped body weights
    // (edit::bundledWeights), else randomly initialised weights of `untrainedConfig` (with a banner saying the
    // results are meaningless).
    QString weightsPath;
    // Whether an empty weightsPath may take the weights opened last time or the bundled ones (tests say no).
    bool useInstalledWeights = true;
    model::ModelConfig untrainedConfig = model::ModelConfig::small(model::ModelConfig::body());
    // The portrait model, loaded when portrait mode is first used: this file, else (with useInstalledWeights)
    // the shipped portrait weights, else random weights of `untrainedPortraitConfig`.
    QString portraitWeightsPath;
    model::ModelConfig untrainedPortraitConfig = model::ModelConfig::small(model::ModelConfig::face());
    std::uint64_t untrainedSeed = 1;
    edit::Device device = edit::Device::Auto;
    int threads = 0;  // CPU threads for LibTorch; 0 leaves its default
    // How body and portrait edits are drawn at start: unset takes the choice remembered from the Model menu
    // (Hybrid at first).
    std::optional<edit::ReposeMethod> reposeMethod;

    // A photo or edit to open at start. Empty: with openRecentOrSample, the most recent file that still
    // exists, or the bundled sample (first start); without, nothing.
    QString openPath;
    bool openRecentOrSample = true;

    // While dragging, show the fast preview instead of the full synthesis: unset decides by the device and
    // the measured synthesis time (CPU and slower than kPreviewThresholdMilliseconds).
    std::optional<bool> previewWhileDragging;
    // Where autosaved edits go; empty: the application's data folder. Seconds between autosaves; 0 disables.
    QString autosaveFolder;
    int autosaveSeconds = 30;
    // Model > Adapt to This Photo: fine-tuning steps (unset: Model > Adaptation Length, remembered), and where
    // adapted weights go (empty: the application's data folder, "adapted" inside it).
    std::optional<int> adaptationSteps;
    QString adaptedFolder;
};

// A full synthesis slower than this on the CPU makes drags show the preview: ten results a second of the
// network's own output are worth more than the preview's thirty.
constexpr double kPreviewThresholdMilliseconds = 100.0;

}  // namespace marionette::ui
