#include "portrait_panel.h"

#include "marionette/edit/portrait.h"
#include "marionette/face/morphable_model.h"

#include <QCheckBox>
#include <QEvent>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace marionette::ui {
namespace {

// "smile_left" -> "Smile left".
QString titleOf(const std::string& name) {
    QString title = QString::fromStdString(name).replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!title.isEmpty()) title[0] = title[0].toUpper();
    return title;
}

constexpr double kAngleUnit = 0.5;        // degrees per slider step
constexpr double kExpressionUnit = 0.01;  // coefficient per slider step

}  // namespace

PortraitPanel::PortraitPanel(const std::vector<std::pair<QString, QString>>& presets, QWidget* parent)
    : QWidget(parent), m_link(new QCheckBox(tr("Link left and right"))) {
    const face::MorphableModel& model = face::MorphableModel::standard();
    m_parameters = m_fitted = face::FaceParameters::neutral(model);

    auto* inner = new QWidget;
    auto* layout = new QVBoxLayout(inner);
    layout->setContentsMargins(6, 6, 6, 6);
    const auto addSlider = [this](QGridLayout* grid, const QString& name, const QString& title, int expression,
                                  double unit, double min, double max, const QString& tip) {
        const int row = grid->rowCount();
        auto* label = new QLabel(title);
        auto* slider = new QSlider(Qt::Horizontal);
        slider->setObjectName(QStringLiteral("slider_") + name);
        slider->setRange(static_cast<int>(std::lround(min / unit)), static_cast<int>(std::lround(max / unit)));
        slider->setToolTip(tip + tr("\nDouble-click: back to the photo's value."));
        slider->setMinimumWidth(80);
        auto* value = new QLabel;
        value->setMinimumWidth(48);
        value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        grid->addWidget(label, row, 0);
        grid->addWidget(slider, row, 1);
        grid->addWidget(value, row, 2);
        const int index = static_cast<int>(m_sliders.size());
        m_sliders.push_back({slider, value, name, title, expression, unit});
        slider->installEventFilter(this);
        connect(slider, &QSlider::valueChanged, this, [this, index](int v) { onSliderValue(index, v); });
        connect(slider, &QSlider::sliderPressed, this, &PortraitPanel::dragStarted);
        connect(slider, &QSlider::sliderReleased, this,
                [this, index] { Q_EMIT dragFinished(m_sliders[static_cast<std::size_t>(index)].title); });
    };

    auto* head = new QGroupBox(tr("Head"));
    auto* headGrid = new QGridLayout(head);
    addSlider(headGrid, QStringLiteral("yaw"), tr("Yaw"), -1, kAngleUnit, -face::kMaxYawDegrees, face::kMaxYawDegrees,
              tr("Turn the head (degrees; > 0 towards the image's right)"));
    addSlider(headGrid, QStringLiteral("pitch"), tr("Pitch"), -1, kAngleUnit, -face::kMaxPitchDegrees,
              face::kMaxPitchDegrees, tr("Tilt the head (degrees; > 0 chin up)"));
    addSlider(headGrid, QStringLiteral("roll"), tr("Roll"), -1, kAngleUnit, -face::kMaxRollDegrees,
              face::kMaxRollDegrees, tr("Roll the head (degrees; > 0 counter-clockwise)"));
    layout->addWidget(head);

    auto* expressions = new QGroupBox(tr("Expression"));
    auto* grid = new QGridLayout(expressions);
    for (int k = 0; k < model.expressionCount(); ++k) {
        const face::ShapeComponent& e = model.expressions()[static_cast<std::size_t>(k)];
        addSlider(grid, QString::fromStdString(e.name), titleOf(e.name), k, kExpressionUnit, e.min, e.max,
                  QString::fromStdString(e.description));
    }
    m_link->setObjectName(QStringLiteral("linkSides"));
    m_link->setToolTip(tr("Moving a left or right expression moves the other side the same"));
    m_link->setChecked(true);
    grid->addWidget(m_link, grid->rowCount(), 0, 1, 3);
    layout->addWidget(expressions);

    auto* presetBox = new QGroupBox(tr("Presets"));
    auto* presetGrid = new QGridLayout(presetBox);
    int i = 0;
    for (const auto& [title, resource] : presets) {
        auto* button = new QPushButton(title);
        button->setObjectName(QStringLiteral("facePreset_") +
                              QString(title).toLower().replace(QLatin1Char(' '), QLatin1Char('_')));
        const QString t = title, r = resource;
        connect(button, &QPushButton::clicked, this, [this, t, r] { Q_EMIT presetRequested(t, r); });
        presetGrid->addWidget(button, i / 3, i % 3);
        ++i;
    }
    auto* reset = new QPushButton(tr("Reset to Photo"));
    reset->setObjectName(QStringLiteral("resetFace"));
    reset->setToolTip(tr("Head pose and expression as in the photo; landmark drags undone"));
    connect(reset, &QPushButton::clicked, this, &PortraitPanel::resetRequested);
    presetGrid->addWidget(reset, i / 3 + 1, 0, 1, 3);
    layout->addWidget(presetBox);
    layout->addStretch(1);

    auto* scroll = new QScrollArea;
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    setParameters(m_parameters, m_fitted);
}

bool PortraitPanel::linked() const { return m_link->isChecked(); }
void PortraitPanel::setLinked(bool on) { m_link->setChecked(on); }

QSlider* PortraitPanel::slider(const QString& name) const {
    for (const auto& s : m_sliders) {
        if (s.name == name) return s.slider;
    }
    return nullptr;
}

double PortraitPanel::valueOf(const SliderInfo& info, const face::FaceParameters& p) const {
    if (info.expression >= 0) {
        const auto k = static_cast<std::size_t>(info.expression);
        return k < p.expression.size() ? p.expression[k] : 0.0;
    }
    if (info.name == QLatin1String("yaw")) return p.pose.yaw;
    if (info.name == QLatin1String("pitch")) return p.pose.pitch;
    return p.pose.roll;
}

void PortraitPanel::setValue(const SliderInfo& info, face::FaceParameters& p, double value) const {
    if (info.expression >= 0) {
        const face::MorphableModel& model = face::MorphableModel::standard();
        p.expression.resize(static_cast<std::size_t>(model.expressionCount()), 0.0);
        p.expression[static_cast<std::size_t>(info.expression)] = value;
        const int other = edit::pairedExpression(model, info.expression);
        if (linked() && other >= 0) p.expression[static_cast<std::size_t>(other)] = value;
        return;
    }
    if (info.name == QLatin1String("yaw"))
        p.pose.yaw = value;
    else if (info.name == QLatin1String("pitch"))
        p.pose.pitch = value;
    else
        p.pose.roll = value;
}

void PortraitPanel::showValue(const SliderInfo& info, double value) {
    info.value->setText(info.expression >= 0 ? QString::number(value, 'f', 2)
                                             : QStringLiteral("%1\u00b0").arg(value, 0, 'f', 1));
}

void PortraitPanel::setParameters(const face::FaceParameters& parameters, const face::FaceParameters& fitted) {
    m_parameters = parameters;
    m_fitted = fitted;
    m_updating = true;
    for (const auto& s : m_sliders) {
        const double v = valueOf(s, parameters);
        s.slider->setValue(static_cast<int>(std::lround(v / s.unit)));
        showValue(s, v);
    }
    m_updating = false;
}

void PortraitPanel::onSliderValue(int index, int value) {
    if (m_updating) return;
    const SliderInfo& info = m_sliders[static_cast<std::size_t>(index)];
    face::FaceParameters p = m_parameters;
    setValue(info, p, value * info.unit);
    setParameters(p, m_fitted);  // shows the linked side too
    Q_EMIT parametersEdited(p, info.title, index);
}

bool PortraitPanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonDblClick) {
        for (std::size_t i = 0; i < m_sliders.size(); ++i) {
            const SliderInfo& info = m_sliders[i];
            if (info.slider != watched) continue;
            face::FaceParameters p = m_parameters;
            setValue(info, p, valueOf(info, m_fitted));
            setParameters(p, m_fitted);
            Q_EMIT parametersEdited(p, tr("Reset %1").arg(info.title.toLower()), -1);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace marionette::ui
