#include "image_convert.h"

#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

namespace marionette::ui {

QImage toQImage(const cv::Mat& image) {
    if (image.empty()) return {};
    cv::Mat rgb;
    if (image.type() == CV_8UC3)
        cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
    else if (image.type() == CV_8UC1)
        cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
    else
        throw Error("only 8-bit colour or grey images can be shown");
    return QImage(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step), QImage::Format_RGB888).copy();
}

QImage toQImage(const cv::Mat& bgr, const cv::Mat& alpha) {
    if (bgr.empty()) return {};
    if (bgr.type() != CV_8UC3 || alpha.type() != CV_8UC1 || alpha.size() != bgr.size())
        throw Error("an image with alpha needs 8-bit colour and an 8-bit alpha of the same size");
    cv::Mat bgra;
    cv::merge(std::vector<cv::Mat>{bgr, alpha}, bgra);
    QImage out(bgra.cols, bgra.rows, QImage::Format_ARGB32);
    for (int r = 0; r < bgra.rows; ++r) {  // qRgba packs the word portably, whatever the byte order
        const uchar* src = bgra.ptr<uchar>(r);
        auto* dst = reinterpret_cast<QRgb*>(out.scanLine(r));
        for (int c = 0; c < bgra.cols; ++c) dst[c] = qRgba(src[4 * c + 2], src[4 * c + 1], src[4 * c], src[4 * c + 3]);
    }
    return out;
}

}  // namespace marionette::ui
