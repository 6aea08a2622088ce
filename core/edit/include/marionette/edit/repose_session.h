#pragma once
// The editor's round trip over one photo, behind a header without tensors (the editor's ui/ does no tensor
// maths): the person's crop, the reference cached in the engine, synthesis or the fast preview of a target
// skeleton, and the maps as images. The same library calls as `marionette-cli repose`.
//
// Usage (on one thread, the editor's inference worker):
//   edit::ReposeSession session("models/body.safetensors", {edit::Device::Auto});
//   session.setPhoto(photo, referencePose);             // 8-bit BGR, photo pixels
//   auto frame = session.render({targetPose});          // per edit; prepares the crop when it changes
//   cv::Mat edited = edit::composite(photo, frame.output, frame.cropBox, frame.pasteRegion);
#include "marionette/deform/body_parts.h"
#include "marionette/edit/round_trip.h"
#include "marionette/engine/device.h"
#include "marionette/model/config.h"
#include "marionette/model/training_summary.h"
#include "marionette/pose/pose.h"
#include "marionette/util/stage_timer.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace marionette::engine {
class Engine;
}

namespace marionette::edit {

// Where the networks run: the engine's one device choice, named here for the editor and the command line.
using Device = engine::Device;
using engine::parseDevice;
using engine::toString;

struct SessionOptions {
    Device device = Device::Auto;
    int threads = 0;  // CPU threads for LibTorch; 0: one per processor core (cpu_threads::defaultThreadCount)
};

// Whether CUDA can be chosen (this LibTorch has CUDA and a device is present).
bool cudaAvailable();

// How a body edit is drawn. Hybrid (the default): the photo's own pixels move with a mesh pinned to the
// skeleton, at the photo's resolution, the uncovered background is filled from the photo, and the network
// supplies only what the photo never showed (the trunk behind a raised arm). Network: the paper's synthesis
// of the whole crop, pasted back (blurred: it draws at the canvas's size).
enum class ReposeMethod { Hybrid, Network };
const char* toString(ReposeMethod method);  // "hybrid", "network"
std::optional<ReposeMethod> reposeMethodFromString(const std::string& text);

struct MapSelection {
    bool flow = false;
    bool combination = false;
    bool attentionWarped = false;
    bool flowWarped = false;
    bool visibility = false;               // models with a flow prior: where the output keeps the warped photo
    std::optional<Point2> attentionPoint;  // photo pixels: draw where this point of the result reads from

    bool any() const {
        return flow || combination || attentionWarped || flowWarped || visibility || attentionPoint.has_value();
    }
    static MapSelection all(std::optional<Point2> attentionPoint) {
        return {true, true, true, true, true, attentionPoint};
    }
};

struct RenderRequest {
    pose::Pose target;     // photo pixels
    bool preview = false;  // the fast preview instead of the full synthesis (when the model has one)
    MapSelection maps;     // maps come with full syntheses only
    PasteExtent paste = PasteExtent::MovedParts;  // how much of the photo the output replaces (Network)
    ReposeMethod method = ReposeMethod::Hybrid;
    deform::DepthOrder depth;  // Hybrid: which limbs are drawn in front of or behind the trunk
};

struct RenderedFrame {
    Box cropBox;            // photo pixels
    cv::Mat referenceCrop;  // 8-bit BGR, canvas size
    cv::Mat output;         // 8-bit BGR, canvas size: the synthesis or the preview
    cv::Mat pasteAlpha;     // 8-bit, canvas size: how the output blends into the photo (composite())
    cv::Mat
        pasteRegion;  // float, canvas size: where the output replaces the photo (pasteRegion()); empty: the whole crop
    MapImages maps;
    bool preview = false;     // whether `output` is the preview
    bool prepared = false;    // whether the reference had to be (re)encoded for this frame
    double milliseconds = 0;  // wall time of this render (crop, prepare, synthesis, conversion)
    double synthesisMilliseconds = 0;
    std::vector<StageTiming> timings;

    // Hybrid only (Network leaves them empty: composite() of `output` makes its photo).
    ReposeMethod method =
        ReposeMethod::Network;  // what drew this frame (Hybrid falls back to Network when it cannot mesh)
    cv::Mat photoResult;        // 8-bit BGR, photo size: the edited photo at its own resolution
    cv::Rect changed;           // the photo pixels that may differ from the photo (empty: none)
    cv::Mat personAlpha;        // float, `changed` size: the re-posed person's alpha
    cv::Mat holeMask;           // 8-bit, `changed` size: where the person was and no longer is
    cv::Mat networkMask;  // 8-bit, `changed` size: where the network's synthesis was used (what the photo never showed)
    // A flow prior model's V from a full synthesis (float, canvas size; 1 = the warped photo, 0 = the network's
    // drawing), for either method; empty for previews and other models.
    cv::Mat visibility;
    int flippedTriangles = 0;
    double deformMilliseconds = 0;
    std::vector<std::string> warnings;  // sentences for the user (a limb the mask misses, why Hybrid fell back)
};

// The whole photo as `frame` edits it: Hybrid's photoResult, or the network's crop pasted back (composite()).
cv::Mat editedPhoto(const cv::Mat& photo, const RenderedFrame& frame);

namespace detail {
class CropSynthesis;
}

// What a body and a portrait session answer alike: the weights they run, the canvas, the device, the photo.
class CropSession {
public:
    CropSession(const CropSession&) = delete;
    CropSession& operator=(const CropSession&) = delete;

    const model::ModelConfig& config() const;
    // How the loaded weights were made (empty for random weights).
    model::TrainingSummary training() const;
    ImageSize canvas() const;
    std::string deviceName() const;
    bool onCuda() const;
    // Both kinds drag with a preview that needs no network: the skeleton's limb warp, the landmarks' spline.
    bool hasPreview() const { return true; }
    bool hasPhoto() const;

protected:
    explicit CropSession(std::unique_ptr<engine::Engine> engine);
    ~CropSession();
    detail::CropSynthesis& synthesis() { return *m_synthesis; }

private:
    std::unique_ptr<detail::CropSynthesis> m_synthesis;
};

class ReposeSession : public CropSession {
public:
    // Loads a body weights file; refuses a portrait model with a sentence saying so.
    ReposeSession(const std::string& weightsPath, const SessionOptions& options);
    // Randomly initialised weights (seeded): what the editor runs before trained weights are installed.
    ReposeSession(const model::ModelConfig& config, std::uint64_t seed, const SessionOptions& options);
    ~ReposeSession();

    // A new photo and the person's skeleton in it; encoding waits for the first render (it needs the crop).
    // `others`: the other people's skeletons, so that someone touching the person stays where they are; when
    // not given, the bundled multi-person detector finds them.
    void setPhoto(const cv::Mat& photo, const pose::Pose& reference,
                  const std::optional<std::vector<pose::Pose>>& others = std::nullopt);
    // Crops (re-encoding the reference when the crop box changed), synthesises or previews, draws the maps.
    // Hybrid: warps the person at the photo's resolution and calls the network only for what the photo never
    // showed, or for maps; a preview is the warp alone with the fast background fill.
    RenderedFrame render(const RenderRequest& request);
    // Whether Hybrid can run on the open photo (a person mask and a mesh were made), and if not, why.
    bool canDeform() const;
    std::string deformUnavailableReason() const;
    // The person's meshes drawn over `image` (photo size) in `target`'s pose; `image` itself when no mesh.
    cv::Mat drawMesh(const cv::Mat& image, const pose::Pose& target) const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace marionette::edit
