#pragma once
// The portrait round trip's synthesis, behind a header without tensors (for the editor's worker and the CLI):
// the face's crop at the model's canvas (256 x 256 for portraits), the reference encoded once per photo, and per
// edit the target landmarks drawn as the P = 9 part maps (model.md), synthesised, with the maps as images.
//
//   edit::PortraitSession session(config, seed, {edit::Device::Cpu, 2});   // or a face weights file
//   session.setPhoto(photo, face.observed);
//   auto frame = session.render({edit::portraitLandmarks(face, edited)});
//   cv::Mat edited = edit::composite(photo, frame.output, frame.cropBox);
#include "marionette/edit/repose_session.h"
#include "marionette/face/landmarks.h"

#include <memory>
#include <string>

namespace marionette::edit {

struct PortraitRenderRequest {
    face::FaceLandmarks target;  // photo pixels
    bool preview = false;        // the fast preview instead of the full synthesis (when the model has one)
    MapSelection maps;           // maps come with full syntheses only
    PasteExtent paste = PasteExtent::MovedParts;  // how much of the photo the output replaces (portraitPasteRegion)
};

class PortraitSession : public CropSession {
public:
    // Loads a face weights file; refuses a body model with a sentence saying so.
    PortraitSession(const std::string& weightsPath, const SessionOptions& options);
    // Randomly initialised weights (seeded) of a face config: what runs before a portrait model is trained.
    PortraitSession(const model::ModelConfig& config, std::uint64_t seed, const SessionOptions& options);
    ~PortraitSession();

    // A new photo (8-bit BGR) and the face's landmarks in it; the crop follows from them (portraitCropBox).
    void setPhoto(const cv::Mat& photo, const face::FaceLandmarks& reference);
    RenderedFrame render(const PortraitRenderRequest& request);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace marionette::edit
