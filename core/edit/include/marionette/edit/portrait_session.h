#pragma once
// The portrait round trip's synthesis, behind a header without tensors (for the editor's worker and the CLI):
// the face's crop at the model's canvas (256 x 256 for portraits), the reference encoded once per photo, and per
// edit the target landmarks drawn as the P = 9 part maps (docs/model.md), synthesised, with the maps as images.
// Hybrid (the default, as for bodies): the photo's own pixels move with a mesh over the landmarks at the photo's
// resolution (deform::FaceWarp), and the network draws only what the photo never showed (an opened mouth).
//
//   edit::PortraitSession session(config, seed, {edit::Device::Cpu, 2});   // or a face weights file
//   session.setPhoto(photo, face.observed);                               // builds the face's mesh
//   auto frame = session.render({edit::portraitLandmarks(face, edited)});
//   cv::Mat edited = edit::editedPhoto(photo, frame);
#include "marionette/edit/repose_session.h"
#include "marionette/face/landmarks.h"

#include <memory>
#include <string>

namespace marionette::edit {

struct PortraitRenderRequest {
    face::FaceLandmarks target;  // photo pixels
    bool preview = false;        // the fast preview instead of the full synthesis (when the model has one)
    MapSelection maps;           // maps come with full syntheses only
    PasteExtent paste =
        PasteExtent::MovedParts;  // how much of the photo the output replaces (Network; portraitPasteRegion)
    ReposeMethod method = ReposeMethod::Hybrid;
};

class PortraitSession : public CropSession {
public:
    // Loads a face weights file; refuses a body model with a sentence saying so.
    PortraitSession(const std::string& weightsPath, const SessionOptions& options);
    // Randomly initialised weights (seeded) of a face config: what runs before a portrait model is trained.
    PortraitSession(const model::ModelConfig& config, std::uint64_t seed, const SessionOptions& options);
    ~PortraitSession();

    // A new photo (8-bit BGR) and the face's landmarks in it; the crop follows from them (portraitCropBox). The
    // face's mesh is built and factored here; a face that cannot be meshed leaves Hybrid falling back on Network.
    void setPhoto(const cv::Mat& photo, const face::FaceLandmarks& reference);
    // Network: the synthesised crop (or the landmarks' spline preview) and its paste-back weights. Hybrid: the
    // warp at the photo's resolution (photoResult, changed), the network run only for the unseen pixels (holeMask;
    // where it was used: networkMask) or for maps; a preview is the warp alone. No landmark moved: the photo.
    RenderedFrame render(const PortraitRenderRequest& request);
    // Whether Hybrid can run on the open photo (the face's mesh was built), and if not, why.
    bool canDeform() const;
    std::string deformUnavailableReason() const;
    // The face's mesh drawn over `image` (photo size) for `target`; `image` itself when there is no mesh.
    cv::Mat drawMesh(const cv::Mat& image, const face::FaceLandmarks& target) const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace marionette::edit
