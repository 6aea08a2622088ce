#include "marionette/face/layout.h"

#include "marionette/util/error.h"

#include <string>

namespace marionette::face {
namespace {

constexpr std::array<PartRange, kPartCount> kParts{{
    {FacePart::Jaw, 0, 16, false, "jaw", "Jaw", {255, 170, 0}},
    {FacePart::RightBrow, 17, 21, false, "right_brow", "Right brow", {170, 255, 0}},
    {FacePart::LeftBrow, 22, 26, false, "left_brow", "Left brow", {0, 255, 85}},
    {FacePart::NoseBridge, 27, 30, false, "nose_bridge", "Nose bridge", {0, 255, 255}},
    {FacePart::LowerNose, 31, 35, false, "lower_nose", "Lower nose", {0, 128, 255}},
    {FacePart::RightEye, 36, 41, true, "right_eye", "Right eye", {85, 0, 255}},
    {FacePart::LeftEye, 42, 47, true, "left_eye", "Left eye", {255, 0, 255}},
    {FacePart::OuterLips, 48, 59, true, "outer_lips", "Outer lips", {255, 0, 85}},
    {FacePart::InnerLips, 60, 67, true, "inner_lips", "Inner lips", {255, 60, 60}},
}};

// iBUG 68 mirror table: the point at the same place on the other half of the face.
constexpr std::array<int, kLandmarkCount> kMirror{
    16, 15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4, 3, 2, 1, 0,  // jaw
    26, 25, 24, 23, 22, 21, 20, 19, 18, 17,                         // brows
    27, 28, 29, 30,                                                 // nose bridge
    35, 34, 33, 32, 31,                                             // lower nose
    45, 44, 43, 42, 47, 46,                                         // right eye <-> left eye
    39, 38, 37, 36, 41, 40,                                         // left eye <-> right eye
    54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,                 // outer lips
    64, 63, 62, 61, 60, 67, 66, 65,                                 // inner lips
};

}  // namespace

const std::array<PartRange, kPartCount>& faceParts() { return kParts; }

const PartRange& partInfo(FacePart part) { return kParts.at(static_cast<std::size_t>(part)); }

std::vector<Rgb> partColours() {
    std::vector<Rgb> out;
    for (const auto& p : kParts) out.push_back(p.colour);
    return out;
}

FacePart partOf(int landmarkIndex) {
    for (const auto& p : kParts) {
        if (landmarkIndex >= p.first && landmarkIndex <= p.last) return p.part;
    }
    throw Error("landmark index " + std::to_string(landmarkIndex) + " is outside the 68-point layout");
}

int mirrorLandmark(int landmarkIndex) {
    if (landmarkIndex < 0 || landmarkIndex >= kLandmarkCount)
        throw Error("landmark index " + std::to_string(landmarkIndex) + " is outside the 68-point layout");
    return kMirror[static_cast<std::size_t>(landmarkIndex)];
}

}  // namespace marionette::face
