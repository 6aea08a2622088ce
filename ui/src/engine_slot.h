#pragma once
// One model kind's engine as the main window holds it: the body model and the portrait model each have a
// slot with what was last asked of the worker, what it loaded, the load in flight, and the weights that
// adaptations to a photo start from.
#include "inference_worker.h"

#include <memory>

namespace marionette::ui {

struct EngineSlot {
    explicit EngineSlot(model::SemanticsKind kind) { spec.kind = kind; }

    model::SemanticsKind kind() const { return spec.kind; }
    bool isPortrait() const { return spec.kind == model::SemanticsKind::Face; }
    // A finished load: its description, and (unless they were adapted to a photo) the weights adaptations
    // start from.
    void take(const EngineInfo& loaded) {
        info = std::make_unique<EngineInfo>(loaded);
        if (!loaded.adaptedToPhotos) adaptationBase = loaded.untrained ? QString() : loaded.weightsPath;
    }

    EngineSpec spec;                   // of the newest load asked for
    std::unique_ptr<EngineInfo> info;  // null until a load has finished
    quint64 job = 0;                   // the newest load; older loads' answers are dropped
    QString adaptationBase;            // the weights in use before any adapted ones (empty: unknown or untrained)
};

}  // namespace marionette::ui
