// Sample grids and loss plots for marionette-train, drawn with OpenCV (core/train itself does no image I/O).
#include "marionette/face/layout.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/image_io.h"
#include "marionette/image/tensor_image.h"
#include "marionette/pose/skeleton.h"
#include "marionette/train/trainer.h"
#include "marionette/util/log.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <map>

namespace marionette::cli {
using image::labelled;

// reference | target skeleton | output | ground truth | flow | combination, one row per sample.
cv::Mat drawSampleGrid(const train::Batch& batch, const model::GeneratorOutput& out, int maxRows) {
    const int64_t rows = std::min<int64_t>(maxRows, static_cast<int64_t>(batch.size()));
    const int h = static_cast<int>(batch.reference.size(2)), w = static_cast<int>(batch.reference.size(3));
    const bool body = batch.targetSemantics.size(1) == pose::kJointCount;
    const auto colours = body ? pose::jointColours() : face::partColours();
    std::vector<cv::Mat> lines;
    for (int64_t i = 0; i < rows; ++i) {
        std::vector<cv::Mat> tiles{
            labelled(image::tensorToImage(batch.reference[i]), "reference"),
            labelled(image::semanticsToColour(batch.targetSemantics[i].to(at::kCPU), colours), "target pose"),
            labelled(image::tensorToImage(out.image[i].detach()), "output"),
            labelled(image::tensorToImage(batch.target[i]), "ground truth")};
        if (out.flow4.defined()) {
            cv::Mat flow = image::flowToColour(out.flow4[i].detach().to(at::kCPU));
            cv::resize(flow, flow, {w, h}, 0, 0, cv::INTER_NEAREST);
            tiles.push_back(labelled(flow, "flow w4"));
        }
        if (out.mask4.defined()) {
            cv::Mat mask = image::heatToColour(out.mask4[i][0].detach().to(at::kCPU, at::kFloat), 0.f, 1.f);
            cv::resize(mask, mask, {w, h}, 0, 0, cv::INTER_NEAREST);
            tiles.push_back(labelled(mask, "combination m4"));
        }
        cv::Mat line;
        cv::hconcat(tiles, line);
        lines.push_back(line);
    }
    cv::Mat grid;
    cv::vconcat(lines, grid);
    return grid;
}

namespace {

class ImageObserver : public train::TrainingObserver {
public:
    explicit ImageObserver(std::string runDirectory) : m_dir(std::move(runDirectory)) {}

    void onLosses(int step, int stage, const train::StepLosses& losses) override {
        for (const auto& [name, value] : losses.terms) m_history[name].emplace_back(step, value);
        m_history["total"].emplace_back(step, losses.total);
        if (losses.discriminator > 0) m_history["discriminator"].emplace_back(step, losses.discriminator);
    }

    void onSamples(int step, const train::Batch& batch, const model::GeneratorOutput& output) override {
        try {
            image::saveImage((std::filesystem::path(m_dir) / "samples.png").string(), drawSampleGrid(batch, output, 4));
            image::saveImage((std::filesystem::path(m_dir) / "losses.png").string(), lossPlot());
        } catch (const std::exception& e) {
            log::warning("could not draw the training samples: ", e.what());
        }
    }

private:
    // One line per loss term against the step, on a log scale.
    cv::Mat lossPlot() const {
        const int width = 900, height = 500, left = 60, right = 150, top = 20, bottom = 40;
        cv::Mat plot(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
        double minStep = 1e300, maxStep = -1e300, minLog = 1e300, maxLog = -1e300;
        for (const auto& [name, points] : m_history) {
            for (const auto& [step, value] : points) {
                if (value <= 0) continue;
                minStep = std::min(minStep, double(step));
                maxStep = std::max(maxStep, double(step));
                minLog = std::min(minLog, std::log10(value));
                maxLog = std::max(maxLog, std::log10(value));
            }
        }
        if (minStep >= maxStep || minLog >= maxLog) return plot;
        auto toPixel = [&](double step, double value) {
            const double x = left + (step - minStep) / (maxStep - minStep) * (width - left - right);
            const double y = top + (maxLog - std::log10(value)) / (maxLog - minLog) * (height - top - bottom);
            return cv::Point(static_cast<int>(x), static_cast<int>(y));
        };
        cv::rectangle(plot, {left, top}, {width - right, height - bottom}, cv::Scalar(180, 180, 180));
        for (int e = static_cast<int>(std::ceil(minLog)); e <= static_cast<int>(std::floor(maxLog)); ++e) {
            const cv::Point p = toPixel(minStep, std::pow(10.0, e));
            cv::line(plot, {left, p.y}, {width - right, p.y}, cv::Scalar(230, 230, 230));
            cv::putText(plot, "1e" + std::to_string(e), {5, p.y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
                        cv::Scalar(80, 80, 80));
        }
        cv::putText(
            plot,
            "step " + std::to_string(static_cast<long>(minStep)) + " .. " + std::to_string(static_cast<long>(maxStep)),
            {left, height - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(80, 80, 80));
        int legend = 0;
        for (const auto& [name, points] : m_history) {
            const cv::Scalar colour =
                cv::Scalar((legend * 97) % 200, (legend * 53 + 80) % 200, (legend * 151 + 40) % 220);
            // A running mean over 10 points keeps the lines readable.
            double sum = 0;
            std::vector<cv::Point> line;
            for (std::size_t i = 0; i < points.size(); ++i) {
                sum += points[i].second;
                if (i >= 10) sum -= points[i - 10].second;
                const double mean = sum / static_cast<double>(std::min<std::size_t>(i + 1, 10));
                if (mean > 0) line.push_back(toPixel(points[i].first, mean));
            }
            if (line.size() > 1) cv::polylines(plot, line, false, colour, 1, cv::LINE_AA);
            cv::putText(plot, name, {width - right + 10, top + 15 + 18 * legend}, cv::FONT_HERSHEY_SIMPLEX, 0.45,
                        colour, 1, cv::LINE_AA);
            ++legend;
        }
        return plot;
    }

    std::string m_dir;
    std::map<std::string, std::vector<std::pair<int, double>>> m_history;
};

}  // namespace

std::unique_ptr<train::TrainingObserver> makeImageObserver(const std::string& runDirectory) {
    return std::make_unique<ImageObserver>(runDirectory);
}

}  // namespace marionette::cli
