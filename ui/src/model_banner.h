#pragma once
// What the window says about the model in use: the banner above the result (what the user must know about
// the weights: untrained, early, adapted) and the status bar's weights label.
#include <QString>

class QLabel;

namespace marionette::ui {

struct EngineInfo;

// The banner's rich text, or empty when there is nothing to say. `baseKnown`: for adapted weights, whether
// the editor knows the weights they started from (not when they were opened by hand). `hybrid`: edits move
// the photo's own pixels, and the network draws only what the photo never showed.
QString bannerText(const EngineInfo& info, bool baseKnown, bool hybrid);
// Shows the engine (or that none has loaded yet) on the banner and the status bar's device and weights labels.
void showModelStatus(const EngineInfo* info, bool baseKnown, bool hybrid, QLabel* banner, QLabel* deviceLabel,
                     QLabel* weightsLabel);
// "body.safetensors (54,752 training images)", "Untrained weights", "me-body.safetensors (adapted)".
QString weightsLabelText(const EngineInfo& info);

}  // namespace marionette::ui
