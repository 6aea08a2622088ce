#pragma once
// The edit document (docs/architecture.md, "Documents and undo"): a small JSON file saved beside the photo as
// `photo.jpg.marionette.json` with the photo's path and SHA-256, the mode, both skeletons, the crop box,
// the weights used, and how the body is re-posed (edit::ReposeMethod's name, and the limbs drawn in front of
// or behind the trunk as deform::parseDepthOrder reads them). Example:
//   {"marionette_edit": 1, "photo": {"path": "messi5.jpg", "sha256": "9f2c..."}, "mode": "body",
//    "reference": {"nose": [241, 114, 1], ...}, "target": {...}, "crop_box": [28, 0, 446, 649],
//    "weights": "random-init small body", "method": "hybrid", "depth": "right_arm=behind"}
// "method" and "depth" are optional (documents written before them have neither).
// Joints are keyed by core/pose's joint keys as [x, y, confidence] in photo pixels; a missing joint is left out.
// A portrait edit (mode "portrait") adds the face, its 68 landmarks in photo pixels and the target's face
// parameters as core/face writes them (face_parameters.h); its skeletons are optional:
//   "portrait": {"face": 0, "reference_landmarks": [[x, y], ...68], "target_landmarks": [...],
//                "parameters": {"format": "marionette.face_parameters", "version": 1, "pose": {...}, ...}}
#include "marionette/face/face_parameters.h"
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <optional>
#include <string>

namespace marionette::edit {

constexpr int kEditDocumentVersion = 1;
constexpr std::size_t kMaxEditDocumentBytes = 4u << 20;
// The suffix that names an edit document beside its photo.
constexpr const char* kEditDocumentSuffix = ".marionette.json";

struct PortraitEdit {
    int faceIndex = 0;                // 0: the photo's largest face
    face::FaceLandmarks reference;    // photo pixels: the face as photographed
    face::FaceLandmarks target;       // photo pixels: the edited face (parameters + residuals + landmark drags)
    face::FaceParameters parameters;  // the target's, under the bundled morphable model

    bool operator==(const PortraitEdit& other) const;
};

struct EditDocument {
    std::string photoPath;                 // relative to the document's folder when the photo lies beside it
    std::string photoSha256;               // lower-case hex; empty when unknown
    std::string mode = "body";             // "body" or "portrait"
    pose::Pose reference;                  // photo pixels; may be empty in a portrait edit
    pose::Pose target;                     // photo pixels
    std::optional<PortraitEdit> portrait;  // required in a portrait edit
    std::optional<Box> cropBox;
    std::string weightsId;
    std::string method;  // "hybrid" or "network"; empty: not said (an older document)
    std::string depth;   // "right_arm=behind,left_leg=front"; empty: every limb automatic

    bool operator==(const EditDocument& other) const;
};

// `photo.jpg` -> `photo.jpg.marionette.json`.
std::string documentPathFor(const std::string& photoPath);
bool isDocumentPath(const std::string& path);
// The photo a document names, resolved against the document's folder when it is relative.
std::string resolvePhotoPath(const EditDocument& document, const std::string& documentPath);

std::string toJson(const EditDocument& document);
// Throws marionette::Error naming `sourceName` and what is wrong (not JSON, not an edit, a newer version,
// an unknown joint, a coordinate that is not a finite non-negative number, a face parameter out of range, an
// unknown method, a depth order deform::parseDepthOrder refuses, ...).
EditDocument parseEditDocument(const std::string& text, const std::string& sourceName);
EditDocument readEditDocument(const std::string& path);
void writeEditDocument(const std::string& path, const EditDocument& document);  // atomic

}  // namespace marionette::edit
