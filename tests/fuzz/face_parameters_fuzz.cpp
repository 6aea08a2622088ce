// Portrait parameter files and face presets (face/face_parameters.h), read over the neutral face of the bundled
// morphable model as the editor reads a preset.
#include "fuzz_targets.h"

#include "marionette/face/face_parameters.h"

namespace marionette::fuzz {

int fuzzFaceParameters(const std::uint8_t* data, std::size_t size) {
    const face::MorphableModel& model = face::MorphableModel::standard();
    const face::FaceParameters neutral = face::FaceParameters::neutral(model);
    face::FaceParameters parameters;
    if (!readOrRefuse([&] { parameters = face::parametersFromJson(bytesOf(data, size), model, "fuzz.json", neutral); }))
        return 0;
    const face::FaceParameters again =
        face::parametersFromJson(face::parametersToJson(parameters, model), model, "fuzz.json written back", neutral);
    const face::HeadPose &p = parameters.pose, &q = again.pose;
    require(p.yaw == q.yaw && p.pitch == q.pitch && p.roll == q.roll && p.x == q.x && p.y == q.y &&
                p.scale == q.scale && again.identity == parameters.identity &&
                again.expression == parameters.expression,
            "face parameters: changed on writing them back");
    return 0;
}

}  // namespace marionette::fuzz
