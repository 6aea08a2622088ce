#pragma once
// Photo pixels cross between core (Point2) and Qt (QPointF) unchanged: both use the pixel-centre convention
// of marionette/util/geometry.h.
#include "marionette/util/geometry.h"

#include <QPointF>

namespace marionette::ui {

inline Point2 toPoint2(QPointF p) { return {static_cast<float>(p.x()), static_cast<float>(p.y())}; }
inline QPointF toQPointF(Point2 p) { return {p.x, p.y}; }

}  // namespace marionette::ui
