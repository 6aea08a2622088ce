#pragma once
// The Portrait dock (docs/editor.md, "Portrait mode"): a slider for yaw, pitch and roll and one for every
// expression of the morphable model, a toggle that ties left and right expressions, Reset, and the presets as
// buttons. The panel only shows parameters and reports what the user did; the window turns that into edits
// and undo steps. Double-clicking a slider returns it to the photo's fitted value. Object names (tests):
// slider_yaw, slider_pitch, slider_roll, slider_<expression>, linkSides, resetFace, facePreset_<name>.
#include "marionette/face/face_parameters.h"

#include <QString>
#include <QWidget>

#include <vector>

class QCheckBox;
class QLabel;
class QSlider;

namespace marionette::ui {

class PortraitPanel : public QWidget {
    Q_OBJECT
public:
    // Presets: (title, resource path) pairs, shown as buttons in order.
    explicit PortraitPanel(const std::vector<std::pair<QString, QString>>& presets, QWidget* parent = nullptr);

    // Shows `parameters` without reporting changes; `fitted` is what double-click and Reset return to.
    void setParameters(const face::FaceParameters& parameters, const face::FaceParameters& fitted);
    const face::FaceParameters& parameters() const { return m_parameters; }
    bool linked() const;
    void setLinked(bool on);
    QSlider* slider(const QString& name) const;  // "yaw", "pitch", "roll" or an expression's name
    int sliderCount() const { return static_cast<int>(m_sliders.size()); }

Q_SIGNALS:
    // A slider's handle was pressed: what follows until dragFinished is one gesture (one undo step).
    void dragStarted();
    // New parameters from slider `key` (its index; keyboard and wheel steps of one slider merge by it).
    // `name` reads well in the History dock ("Yaw", "Smile left").
    void parametersEdited(const face::FaceParameters& parameters, const QString& name, int key);
    void dragFinished(const QString& name);
    void resetRequested();
    void presetRequested(const QString& title, const QString& resource);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct SliderInfo {
        QSlider* slider = nullptr;
        QLabel* value = nullptr;
        QString name;         // "yaw" or the expression's name
        QString title;        // "Yaw", "Smile left"
        int expression = -1;  // index into the model's expressions; -1 for the head pose
        double unit = 1.0;    // parameter units per slider step
    };
    void onSliderValue(int index, int value);
    double valueOf(const SliderInfo& info, const face::FaceParameters& p) const;
    void setValue(const SliderInfo& info, face::FaceParameters& p, double value) const;
    void showValue(const SliderInfo& info, double value);

    std::vector<SliderInfo> m_sliders;
    QCheckBox* m_link;
    face::FaceParameters m_parameters;
    face::FaceParameters m_fitted;
    bool m_updating = false;
};

}  // namespace marionette::ui
