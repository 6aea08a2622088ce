#pragma once
// Training fixtures shared by the trainer and data-parallel tests: a tiny learnable pair data set and the
// tiny model/trainer configuration that trains on it in milliseconds per step.
#include "marionette/train/data.h"
#include "marionette/train/trainer.h"

#include <torch/torch.h>

#include <string>

namespace marionette::test {

// A textured square on a plain background, moved diagonally between reference and target; the "skeleton"
// is two joints on the square's corners. Deterministic in (index, seed).
class MovingSquares : public train::PairDataset {
public:
    explicit MovingSquares(int size = 32) : m_size(size) {}
    std::string description() const override { return "moving-squares test data"; }
    std::size_t size() const override { return 64; }
    train::PairSample pair(std::size_t index, std::uint64_t seed) const override {
        const int side = m_size / 3;
        torch::Generator gen = at::detail::createCPUGenerator(seed ^ (index * 7919));
        const auto texture = torch::rand({3, side, side}, gen) * 2 - 1;
        auto draw = [&](int x, int y) {
            auto image = torch::full({3, m_size, m_size}, -0.5f);
            image.slice(1, y, y + side).slice(2, x, x + side).copy_(texture);
            return image;
        };
        const int x0 = static_cast<int>(index % 8) * (m_size - side) / 8,
                  y0 = static_cast<int>(index / 8) * (m_size - side) / 8;
        const int x1 = (m_size - side) - x0, y1 = (m_size - side) - y0;
        train::PairSample p;
        p.reference = draw(x0, y0);
        p.target = draw(x1, y1);
        p.referencePose.set(pose::JointId::Neck, float(x0), float(y0));
        p.referencePose.set(pose::JointId::RightHip, float(x0 + side - 1), float(y0 + side - 1));
        p.targetPose.set(pose::JointId::Neck, float(x1), float(y1));
        p.targetPose.set(pose::JointId::RightHip, float(x1 + side - 1), float(y1 + side - 1));
        return p;
    }

private:
    int m_size;
};

// c = 4, K = 8, a 32 x 32 canvas, one loader thread, no augmentation, CPU, a CSV row every step.
inline train::TrainOptions tinyTrainOptions(const std::string& runDirectory) {
    train::TrainOptions o;
    o.model.width = 4;
    o.model.keyChannels = 8;
    o.model.height = 32;
    o.model.canvasWidth = 32;
    o.loaderWorkers = 1;
    o.runDirectory = runDirectory;
    o.logEvery = 1;
    o.augment.flip = false;
    o.augment.maxScale = o.augment.maxShift = o.augment.colourJitter = 0.0;
    o.device = engine::Device::Cpu;
    return o;
}

}  // namespace marionette::test
