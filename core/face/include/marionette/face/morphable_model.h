#pragma once
// A sparse 3D morphable face model on the 68 iBUG landmarks: a mean shape, a small identity basis and a named
// expression basis, all in centimetres, x to the image's right (the person's left), y up, z towards the camera,
// origin at the centroid of the mean shape:
//   shape = mean + sum_k identity_k * identityDisplacement_k + sum_k expression_k * expressionDisplacement_k
// The bundled model (resources/face_model/face_model.json, made by tools/make_face_model.py) takes its mean
// shape from the MediaPipe canonical face mesh (Apache-2.0); its identity and expression shapes are authored.
#include "marionette/face/layout.h"

#include <array>
#include <string>
#include <vector>

namespace marionette::face {

struct Vec3 {
    double x = 0.0;
    double y = 0.0;
    double z = 0.0;
};

using Shape3 = std::array<Vec3, kLandmarkCount>;

// One identity or expression direction of the model.
struct ShapeComponent {
    std::string name;         // "smile_left"
    std::string description;  // for tooltips
    double min = 0.0;         // the coefficient's allowed range
    double max = 0.0;
    double priorSigma = 1.0;  // the fit's Gaussian prior on the coefficient: N(0, priorSigma^2)
    Shape3 displacement{};    // centimetres per unit of coefficient
};

// Where a jaw landmark can lie: points on the face at its height, from the face's outline inwards (the first
// is the mean shape's point). The jaw's landmarks mark the face's silhouette, which slides over the cheek as the
// head turns away; the projection takes the candidate furthest out in the turned face.
struct ContourLine {
    int landmark = 0;
    std::vector<Vec3> candidates;
};

class MorphableModel {
public:
    // The bundled model, built into the library (no file to find at run time). Parsed once.
    static const MorphableModel& standard();
    // A model file in the same format; errors name `sourceName` and what is wrong.
    static MorphableModel fromJson(const std::string& text, const std::string& sourceName);
    static MorphableModel load(const std::string& path);

    const Shape3& mean() const { return m_mean; }
    const std::vector<ShapeComponent>& identity() const { return m_identity; }
    const std::vector<ShapeComponent>& expressions() const { return m_expressions; }
    const std::vector<ContourLine>& contour() const { return m_contour; }  // may be empty: fixed jaw points
    int identityCount() const { return static_cast<int>(m_identity.size()); }
    int expressionCount() const { return static_cast<int>(m_expressions.size()); }

    // Index of a named component; throws marionette::Error listing the valid names when there is none.
    int expressionIndex(const std::string& name) const;

    // The 3D landmarks for the given coefficients (one per component; shorter vectors mean zeros beyond), the
    // jaw as in the mean shape (see ContourLine for how it moves with the pose).
    Shape3 shape(const std::vector<double>& identity, const std::vector<double>& expression) const;

private:
    Shape3 m_mean{};
    std::vector<ShapeComponent> m_identity;
    std::vector<ShapeComponent> m_expressions;
    std::vector<ContourLine> m_contour;
};

}  // namespace marionette::face
