#pragma once
// The pixel boundary between core (8-bit BGR cv::Mat) and Qt (QImage). Copies, so the QImage owns its pixels.
#include <QImage>

#include <opencv2/core.hpp>

namespace marionette::ui {

// 8-bit BGR (or grey) -> RGB888; an empty Mat gives a null QImage.
QImage toQImage(const cv::Mat& bgr);
// 8-bit BGR plus an 8-bit alpha of the same size -> ARGB32 (not premultiplied).
QImage toQImage(const cv::Mat& bgr, const cv::Mat& alpha);

}  // namespace marionette::ui
