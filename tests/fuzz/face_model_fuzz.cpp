// Morphable face model files (face/morphable_model.h), the format of the bundled model that a user may replace.
#include "fuzz_targets.h"

#include "marionette/face/morphable_model.h"

#include <cmath>

namespace marionette::fuzz {

int fuzzFaceModel(const std::uint8_t* data, std::size_t size) {
    face::MorphableModel model;
    if (!readOrRefuse([&] { model = face::MorphableModel::fromJson(bytesOf(data, size), "fuzz.json"); })) return 0;
    // An accepted model gives finite shapes at every coefficient's limits, and its contour lines are jaw points
    // whose first candidate is the mean's.
    const auto finite = [](const face::Shape3& shape) {
        for (const auto& p : shape)
            if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z)) return false;
        return true;
    };
    require(finite(model.shape({}, {})), "face model: the mean shape is not finite");
    for (const bool expression : {false, true}) {
        const auto& components = expression ? model.expressions() : model.identity();
        for (std::size_t k = 0; k < components.size(); ++k) {
            require(components[k].min < components[k].max && components[k].priorSigma > 0.0,
                    "face model: a component's range or prior is not what the reader promised");
            for (const double c : {components[k].min, components[k].max}) {
                std::vector<double> coefficients(k + 1, 0.0);
                coefficients[k] = c;
                require(finite(expression ? model.shape({}, coefficients) : model.shape(coefficients, {})),
                        "face model: a shape at a component's limit is not finite");
            }
        }
    }
    for (const auto& line : model.contour())
        require(line.landmark >= 0 && line.landmark < face::kLandmarkCount && !line.candidates.empty(),
                "face model: a contour line outside the jaw or without candidates");
    return 0;
}

}  // namespace marionette::fuzz
