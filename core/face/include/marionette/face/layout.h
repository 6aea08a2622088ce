#pragma once
// The 68-point iBUG 300-W landmark layout and its 9 parts, defined once (docs/model.md, "Semantics": face, P = 9).
#include "marionette/util/rgb.h"

#include <array>
#include <cstdint>
#include <vector>

namespace marionette::face {

constexpr int kLandmarkCount = 68;
constexpr int kPartCount = 9;
// The nose tip, the last point of the bridge: where a portrait's attention map starts unless a point is picked.
constexpr int kNoseTip = 30;

enum class FacePart : int {
    Jaw = 0,     // 0-16
    RightBrow,   // 17-21
    LeftBrow,    // 22-26
    NoseBridge,  // 27-30
    LowerNose,   // 31-35
    RightEye,    // 36-41, closed
    LeftEye,     // 42-47, closed
    OuterLips,   // 48-59, closed
    InnerLips,   // 60-67, closed
};

struct PartRange {
    FacePart part;
    int first;          // first landmark index
    int last;           // last landmark index, inclusive
    bool closed;        // the polyline returns to its first point
    const char* key;    // "right_eye"
    const char* label;  // "Right eye"
    Rgb colour;
};

const std::array<PartRange, kPartCount>& faceParts();
const PartRange& partInfo(FacePart part);
// The 9 part colours in channel order, for drawing part maps.
std::vector<Rgb> partColours();
FacePart partOf(int landmarkIndex);
// Landmark index of the mirror point (iBUG's left/right symmetry), for horizontal flips.
int mirrorLandmark(int landmarkIndex);

}  // namespace marionette::face
