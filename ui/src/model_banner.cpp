#include "model_banner.h"

#include "inference_worker.h"
#include "main_window_text.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>

namespace marionette::ui {

QString bannerText(const EngineInfo& info, bool baseKnown, bool hybrid) {
    const bool face = info.kind == model::SemanticsKind::Face;
    if (info.untrained && hybrid && face) {
        return tr(
            "<b>Untrained portrait model.</b> No portrait weights are installed: the photo's own pixels follow the "
            "sliders, but what the network draws inside an opened mouth is meaningless until a portrait weights "
            "file is opened (Model \u25b8 Open Weights\u2026)");
    }
    if (info.untrained && hybrid && !face) {
        return tr(
            "<b>Untrained model.</b> No trained weights are installed: the photo's own pixels follow the skeleton, "
            "but what the network draws where the photo never showed anything is meaningless until trained "
            "weights are installed (Model \u25b8 Open Weights\u2026)");
    }
    if (info.untrained) {
        return face ? tr("<b>Untrained portrait model.</b> No portrait weights are installed, so the face is "
                         "synthesised by random weights: the landmarks and sliders work, the pixels are meaningless. "
                         "Open a portrait weights file with Model \u25b8 Open Weights\u2026")
                    : tr("<b>Untrained model.</b> No trained weights are installed, so the results are meaningless "
                         "until trained weights are installed: open a weights file with Model \u25b8 Open "
                         "Weights\u2026");
    }
    if (info.adaptedToPhotos) {
        const QString from = info.initImagesSeen > 0
                                 ? tr(", starting from weights that had seen %1 training images")
                                       .arg(QLocale().toString(static_cast<qulonglong>(info.initImagesSeen)))
                                 : QString();
        const QString scope = baseKnown
                                  ? tr("They serve that photo alone: another photo goes back to the weights they "
                                       "started from.")
                                  : tr("They suit that photo best: for other photos, open the weights they started "
                                       "from (Model \u25b8 Open Weights\u2026).");
        return tr("<b>Adapted model.</b> These weights were fine-tuned for %1 steps on warped copies of %2%3. %4")
            .arg(QLocale().toString(static_cast<qulonglong>(info.adaptationSteps)), info.adaptedData.toHtmlEscaped(),
                 from, scope);
    }
    if (info.syntheticOnly) {
        const QString images = QLocale().toString(static_cast<qulonglong>(info.imagesSeen));
        if (hybrid && face) {
            return tr("<b>Early portrait model.</b> These weights have seen %1 synthetic faces and no photographs: the "
                      "photo's own pixels follow the sliders sharply, but what the network draws inside an opened "
                      "mouth "
                      "comes out blurred.")
                .arg(images);
        }
        if (hybrid && !face) {
            return tr("<b>Early model.</b> These weights have seen %1 synthetic people and no photographs: the photo's "
                      "own "
                      "pixels follow the skeleton sharply, but what the network draws where the photo never showed "
                      "anything "
                      "(the body behind a raised arm) comes out blurred.")
                .arg(images);
        }
        if (info.flowPrior) {
            return face ? tr("<b>Early portrait model.</b> These weights have seen %1 synthetic faces and no "
                             "photographs: the photo's own pixels follow the landmarks, and what the network draws "
                             "where they cannot (inside an opened mouth) comes out soft.")
                              .arg(images)
                        : tr("<b>Early model.</b> These weights have seen %1 synthetic people and no photographs: the "
                             "photo's own pixels follow the skeleton's limbs, and what the network draws where they "
                             "cannot (the body behind a raised arm) comes out soft.")
                              .arg(images);
        }
        return face ? tr("<b>Early portrait model.</b> These weights have seen %1 synthetic faces and no photographs: "
                         "the face takes the new expression and pose, blurred. Model \u25b8 Adapt to This Photo "
                         "fine-tunes them on this face (minutes on a CPU).")
                          .arg(images)
                    : tr("<b>Early model.</b> These weights have seen %1 synthetic people and no photographs: "
                         "the person takes the new pose, blurred. Model \u25b8 Adapt to This Photo fine-tunes "
                         "them on this person (minutes on a CPU).")
                          .arg(images);
    }
    return {};
}

void showModelStatus(const EngineInfo* info, bool baseKnown, bool hybrid, QLabel* banner, QLabel* deviceLabel,
                     QLabel* weightsLabel) {
    if (!info) {
        banner->setVisible(false);
        deviceLabel->setText(tr("Loading model\u2026"));
        weightsLabel->clear();
        return;
    }
    banner->setText(bannerText(*info, baseKnown, hybrid));
    banner->setStyleSheet(info->untrained ? QStringLiteral("background: #f6d365; color: #222; padding: 6px 10px;")
                                          : QStringLiteral("background: #dfe9f3; color: #222; padding: 6px 10px;"));
    banner->setVisible(!banner->text().isEmpty());
    deviceLabel->setText(info->deviceName);
    weightsLabel->setText(weightsLabelText(*info));
    weightsLabel->setToolTip(QStringLiteral("%1\n%2").arg(info->weightsId, info->description));
}

QString weightsLabelText(const EngineInfo& info) {
    const QString name = QFileInfo(info.weightsPath).fileName();
    if (info.untrained) return tr("Untrained weights");
    if (info.adaptedToPhotos) return tr("%1 (adapted)").arg(name);
    if (info.imagesSeen == 0) return name;
    return tr("%1 (%2 training images)").arg(name, QLocale().toString(static_cast<qulonglong>(info.imagesSeen)));
}

}  // namespace marionette::ui
