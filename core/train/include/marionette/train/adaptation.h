#pragma once
// Adapting weights to the photos being edited: a short fine-tuning on warped copies of their own people or
// faces. synth's limb warp reposes each person at random; its landmark warp (a thin-plate spline through
// the 68 landmarks) turns each face's head and changes its expression. Half the pairs go from the warped crop to the untouched
// one, so the loss compares against the photo's real pixels; the other half go from the photo to the warped
// crop, as an edit does, so the target skeleton keeps mattering (with the photo always the target, the network
// learns to redraw the photo whatever the skeleton says). The network learns this person's clothes, skin and
// background, which no synthetic person shows it. Not in the paper: it is the per-subject fine-tuning of
// few-shot reposing methods, with the trainer of docs/model.md.
//
// Usage:
//   train::PersonPhoto person{crop, canvasPose};  // crop [3, H, W] in [-1, 1] on the model's canvas
//   const auto body = train::AdaptationBase::read("models/body-early.safetensors");
//   train::adaptWeights(body, {person}, "photo me.jpg", "me.safetensors", {}, onProgress);
//   train::FacePhoto face{faceCrop, canvasLandmarks};
//   train::adaptWeights(train::AdaptationBase::read("models/portrait-early.safetensors"), {face}, "photo me.jpg", "me-face.safetensors");
#include "marionette/engine/device.h"
#include "marionette/face/landmarks.h"
#include "marionette/model/config.h"
#include "marionette/model/safetensors.h"
#include "marionette/pose/pose.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/train/data.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace marionette::train {

struct LossWeights;  // losses.h

// The limb warp moves a bone, and the crop around it needs two joints besides.
constexpr int kMinimumAdaptationJoints = 3;

// One photo's person on the model's canvas.
struct PersonPhoto {
    at::Tensor image;  // [3, H, W] float RGB in [-1, 1]
    pose::Pose pose;   // canvas pixels; at least three joints
};

// Which way the pairs from single photos go: half each way (training), or only from the photo to a warped
// copy, as an edit goes (to judge an adaptation: the other half rewards redrawing the photo).
enum class PhotoPairs { BothWays, FromPhoto };

// Pairs from single photos: pair i warps photo i % count by a draw from i (kPairsPerPhoto draws each); the
// warped copy is the reference when (i / count) is even, the target when it is odd. The two kinds below
// differ in the warp only.
class WarpedPhotoPairs : public PairDataset {
public:
    static constexpr std::size_t kPairsPerPhoto = std::size_t(1) << 20;

    std::string description() const override { return m_description; }
    std::size_t size() const override { return m_photoCount * kPairsPerPhoto; }
    PairSample pair(std::size_t index, std::uint64_t seed) const final;
    std::size_t photoCount() const { return m_photoCount; }

protected:
    // Throws marionette::Error when there is no photo (`nothing` says what is missing).
    WarpedPhotoPairs(std::string description, std::size_t photoCount, PhotoPairs directions,
                     const std::string& nothing);

    struct Warped {
        PairSample pair;
        bool photoIsReference = false;  // which way the warp's generator made it
    };
    // The draw `index` of photo index % photoCount(), in the generator's own direction.
    virtual Warped warp(std::size_t index) const = 0;
    // Fills PairSample::targetSource where the warp knows it (the pair already in its final direction).
    virtual void addCorrespondence(PairSample& /*pair*/, bool /*photoIsReference*/) const {}

private:
    std::string m_description;
    std::size_t m_photoCount;
    PhotoPairs m_directions;
};

// People reposed limb by limb (synth::LimbWarpPairGenerator).
class LimbWarpedPhotos : public WarpedPhotoPairs {
public:
    // Throws marionette::Error for no photos, an image that is not [3, H, W] of the canvas or a person with
    // fewer than three joints (named by its index and `description`).
    LimbWarpedPhotos(std::vector<PersonPhoto> photos, std::string description, int height, int width,
                     synth::LimbWarpConfig warp = {}, PhotoPairs directions = PhotoPairs::BothWays);

private:
    Warped warp(std::size_t index) const override;
    void addCorrespondence(PairSample& pair, bool photoIsReference) const override;

    std::vector<PersonPhoto> m_photos;
    synth::LimbWarpPairGenerator m_generator;
};

// The true correspondence of a pair made by warping a photo P (PairSample::targetSource and its Known map): the
// warped image W shows P at S(q), `photoToWarped` ([H, W, 2], the warp's sampling grid). With the photo as the
// reference that is S itself; with the photo as the target it is S's inverse, found by fixed-point iteration
// (known where it converges to a quarter pixel inside the canvas).
struct Correspondence {
    at::Tensor source;  // [2, H, W] reference pixels (x, y)
    at::Tensor known;   // [1, H, W]
};
Correspondence warpCorrespondence(const at::Tensor& photoToWarped, bool photoIsReference);
// The same for a limb-warped pair: S = synth::limbWarpSourceCoordinates(photo pose, warped pose).
Correspondence limbWarpCorrespondence(const pose::Pose& referencePose, const pose::Pose& targetPose,
                                      bool photoIsReference, int height, int width, const synth::LimbBlend& blend);

// One photo's face on the model's canvas.
struct FacePhoto {
    at::Tensor image;               // [3, H, W] float RGB in [-1, 1]
    face::FaceLandmarks landmarks;  // canvas pixels
};

// Faces warped to landmarks perturbed by the draw (synth::PortraitPairGenerator: head turn, roll, expression).
class LandmarkWarpedPhotos : public WarpedPhotoPairs {
public:
    // Throws marionette::Error for no faces, an image that is not [3, H, W] of the canvas or landmarks that
    // are not finite (named by its index and `description`).
    LandmarkWarpedPhotos(std::vector<FacePhoto> faces, std::string description, int height, int width,
                         PhotoPairs directions = PhotoPairs::BothWays);

private:
    Warped warp(std::size_t index) const override;
    // S = synth::landmarkWarpSourceCoordinates(photo landmarks, warped landmarks) with the generator's anchors.
    void addCorrespondence(PairSample& pair, bool photoIsReference) const override;

    std::vector<FacePhoto> m_faces;
    synth::PortraitPairGenerator m_generator;
};

// The losses of an adaptation: those of the shipped weights' recipe (docs/model.md, departure 2), which need no
// VGG-19 and so run fast on a CPU: attention, pixel L1, flow-warped L1 and the skeletons' flow.
// The skeletons' flow term is for bodies only.
LossWeights adaptationLossWeights(model::SemanticsKind kind = model::SemanticsKind::Body);

struct AdaptationOptions {
    int steps = 150;  // at c = 16 on two CPU threads: 3-6 minutes for a body, 6.5-12 for a face; seconds on a GPU
    int batchSize = 4;
    // Three times the training recipe's: at 150 steps it scored higher on both samples' held-out pairs than
    // 1e-4 (README, "adapt"), and the edits still follow the target.
    double learningRate = 3e-4;
    engine::Device device = engine::Device::Auto;
    int threads = 0;  // CPU threads; 0: one per processor core
    std::uint64_t seed = 1;
};

struct AdaptationProgress {
    int step = 0, steps = 0;
    double pixelL1 = 0.0;  // of the latest batch, on the [-1, 1] scale
    double imagesPerSecond = 0.0;
};

enum class AdaptationResult { Finished, Cancelled };

// The weights an adaptation starts from: the file's contents, read once, and the model they describe.
struct AdaptationBase {
    std::shared_ptr<const model::SafetensorsContent> content;
    std::string path;
    model::ModelConfig config;

    // Throws marionette::Error for an unreadable file or one whose metadata describes no model.
    static AdaptationBase read(const std::string& path);
    // From contents the caller has read already (those of `path`).
    static AdaptationBase of(std::shared_ptr<const model::SafetensorsContent> content, std::string path);
};

// Fine-tunes body weights on `photos` and writes the result (EMA, fp16) to `outPath` atomically. Its
// training record keeps the original's under "init" (model::TrainingSummary reads both). `progress` is called
// after every step on the calling thread; returning false cancels: nothing is written.
// Throws marionette::Error for portrait weights, fewer than one step and photos that do not fit the canvas.
AdaptationResult adaptWeights(const AdaptationBase& base, std::vector<PersonPhoto> photos,
                              const std::string& description, const std::string& outPath,
                              const AdaptationOptions& options = {},
                              const std::function<bool(const AdaptationProgress&)>& progress = {});
// The same for portrait weights on faces; body weights are refused.
AdaptationResult adaptWeights(const AdaptationBase& base, std::vector<FacePhoto> faces, const std::string& description,
                              const std::string& outPath, const AdaptationOptions& options = {},
                              const std::function<bool(const AdaptationProgress&)>& progress = {});

// An adaptation keeps its trainer's files in a scratch folder of the system's temporary folder,
// "marionette-adapt-<process id>-<n>", removed when it ends. A process killed meanwhile leaves its folder (a few
// checkpoints) behind; every adaptation first removes those in `folder` whose process no longer runs. Returns how
// many it removed.
int removeAbandonedScratchFolders(const std::string& folder);

}  // namespace marionette::train
