#include "marionette/face/face_parameters.h"

#include "face_projection.h"
#include "marionette/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace marionette::face {

namespace detail {

Eigen::Matrix3d headRotation(double yaw, double pitch, double roll) {
    const double cy = std::cos(yaw), sy = std::sin(yaw);
    const double cp = std::cos(pitch), sp = std::sin(pitch);
    const double cr = std::cos(roll), sr = std::sin(roll);
    Eigen::Matrix3d ry, rx, rz;
    ry << cy, 0, sy, 0, 1, 0, -sy, 0, cy;  // the nose (z > 0) turns towards +x, the image's right
    rx << 1, 0, 0, 0, cp, sp, 0, -sp, cp;  // the nose turns towards +y: chin up
    rz << cr, -sr, 0, sr, cr, 0, 0, 0, 1;  // counter-clockwise as the camera sees it
    return rz * rx * ry;
}

Eigen::Vector3d headAngles(const Eigen::Matrix3d& r) {
    // Third row of Rz Rx Ry is (-cos(pitch) sin(yaw), -sin(pitch), cos(pitch) cos(yaw)); Rz leaves it alone.
    const double pitch = std::asin(std::clamp(-r(2, 1), -1.0, 1.0));
    const double yaw = std::atan2(-r(2, 0), r(2, 2));
    const double roll = std::atan2(-r(0, 1), r(1, 1));
    return {yaw, pitch, roll};
}

Eigen::Matrix2Xd projectShape(const Eigen::Matrix3Xd& shape, const Eigen::Matrix3d& rotation, double x, double y,
                              double scale, const FaceCamera& camera) {
    const double distance = camera.focal / scale;  // centimetres from the camera to the face's centre
    const double tx = (x - camera.cx) / scale, ty = (y - camera.cy) / scale;
    const Eigen::Matrix3Xd turned = rotation * shape;
    Eigen::Matrix2Xd out(2, shape.cols());
    for (Eigen::Index i = 0; i < shape.cols(); ++i) {
        // Camera frame: x right, y down, z away from the camera (the model's y and z flip).
        const double depth = std::max(distance - turned(2, i), 1e-3 * distance);
        out(0, i) = camera.cx + camera.focal * (turned(0, i) + tx) / depth;
        out(1, i) = camera.cy + camera.focal * (-turned(1, i) + ty) / depth;
    }
    return out;
}

Eigen::Matrix3Xd toMatrix(const Shape3& shape) {
    Eigen::Matrix3Xd m(3, kLandmarkCount);
    for (int i = 0; i < kLandmarkCount; ++i) {
        const Vec3& p = shape[static_cast<std::size_t>(i)];
        m.col(i) << p.x, p.y, p.z;
    }
    return m;
}

ModelMatrices::ModelMatrices(const MorphableModel& model) : mean(toMatrix(model.mean())) {
    for (const auto& c : model.identity()) basis.push_back(toMatrix(c.displacement));
    for (const auto& c : model.expressions()) basis.push_back(toMatrix(c.displacement));
    for (const auto& line : model.contour()) {
        Eigen::Matrix3Xd candidates(3, static_cast<Eigen::Index>(line.candidates.size()));
        for (std::size_t j = 0; j < line.candidates.size(); ++j) {
            const Vec3& p = line.candidates[j];
            candidates.col(static_cast<Eigen::Index>(j)) << p.x, p.y, p.z;
        }
        contourLandmarks.push_back(line.landmark);
        contourCandidates.push_back(std::move(candidates));
    }
}

Eigen::Matrix3Xd ModelMatrices::shape(const double* coefficients) const {
    Eigen::Matrix3Xd out = mean;
    for (std::size_t k = 0; k < basis.size(); ++k) {
        if (coefficients[k] != 0.0) out += coefficients[k] * basis[k];
    }
    return out;
}

void slideContour(Eigen::Matrix3Xd& shape, const ModelMatrices& model, double yaw, double pitch) {
    constexpr double kSoftness = 0.15;                                       // centimetres
    const Eigen::RowVector3d across = headRotation(yaw, pitch, 0.0).row(0);  // roll does not change the silhouette
    for (std::size_t l = 0; l < model.contourLandmarks.size(); ++l) {
        const int i = model.contourLandmarks[l];
        const Eigen::Matrix3Xd& candidates = model.contourCandidates[l];
        const double side = candidates(0, 0) < 0.0 ? -1.0 : 1.0;
        const Eigen::Vector3d displacement = shape.col(i) - model.mean.col(i);
        const Eigen::RowVectorXd outwards = side * (across * candidates) / kSoftness;
        const Eigen::RowVectorXd weights = (outwards.array() - outwards.maxCoeff()).exp().matrix();
        shape.col(i) = candidates * weights.transpose() / weights.sum() + displacement;
    }
}

Eigen::Matrix2Xd projectModel(const ModelMatrices& model, const double* coefficients, double yaw, double pitch,
                              double roll, double x, double y, double scale, const FaceCamera& camera) {
    Eigen::Matrix3Xd shape = model.shape(coefficients);
    slideContour(shape, model, yaw, pitch);
    return projectShape(shape, headRotation(yaw, pitch, roll), x, y, scale, camera);
}

}  // namespace detail

namespace {

using nlohmann::json;

constexpr const char* kParametersFormat = "marionette.face_parameters";
constexpr int kParametersVersion = 1;
constexpr double kMaxPixel = 100000.0;  // the bound of every photo coordinate
constexpr double kMaxScale = 100000.0;

std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

void checkValue(double value, double min, double max, const std::string& what) {
    if (!std::isfinite(value)) throw Error(what + " is not a finite number");
    if (value < min || value > max)
        throw Error(what + " is " + number(value) + ", outside its range " + number(min) + " to " + number(max));
}

void checkCount(std::size_t have, int want, const std::string& what) {
    if (have != static_cast<std::size_t>(want))
        throw Error(what + " has " + std::to_string(have) + " values; the face model has " + std::to_string(want));
}

struct PoseField {
    const char* name;
    double HeadPose::*member;
    double min, max;
};

const std::array<PoseField, 6>& poseFields() {
    static const std::array<PoseField, 6> fields{{
        {"yaw", &HeadPose::yaw, -kMaxYawDegrees, kMaxYawDegrees},
        {"pitch", &HeadPose::pitch, -kMaxPitchDegrees, kMaxPitchDegrees},
        {"roll", &HeadPose::roll, -kMaxRollDegrees, kMaxRollDegrees},
        {"x", &HeadPose::x, -kMaxPixel, kMaxPixel},
        {"y", &HeadPose::y, -kMaxPixel, kMaxPixel},
        {"scale", &HeadPose::scale, 1e-6, kMaxScale},
    }};
    return fields;
}

double readNumber(const json& value, const std::string& what) {
    if (!value.is_number()) throw Error(what + " must be a number, not " + value.dump());
    return value.get<double>();
}

void readCoefficients(const json& section, const std::vector<ShapeComponent>& components, std::vector<double>& values,
                      const char* kind) {
    if (!section.is_object()) throw Error(std::string("\"") + kind + "\" must be an object of name: value");
    for (const auto& [name, value] : section.items()) {
        int index = -1;
        for (std::size_t k = 0; k < components.size(); ++k) {
            if (components[k].name == name) index = static_cast<int>(k);
        }
        if (index < 0) {
            std::string known;
            for (const auto& c : components) known += (known.empty() ? "" : ", ") + c.name;
            throw Error(std::string(kind) + " \"" + name + "\" is not in the face model (it has: " + known + ")");
        }
        const ShapeComponent& c = components[static_cast<std::size_t>(index)];
        const std::string what = std::string(kind) + " \"" + name + "\"";
        const double v = readNumber(value, what);
        checkValue(v, c.min, c.max, what);
        values[static_cast<std::size_t>(index)] = v;
    }
}

}  // namespace

FaceParameters FaceParameters::neutral(const MorphableModel& model, const HeadPose& pose) {
    FaceParameters p;
    p.pose = pose;
    p.identity.assign(static_cast<std::size_t>(model.identityCount()), 0.0);
    p.expression.assign(static_cast<std::size_t>(model.expressionCount()), 0.0);
    return p;
}

double FaceParameters::expressionValue(const MorphableModel& model, const std::string& name) const {
    const auto index = static_cast<std::size_t>(model.expressionIndex(name));
    return index < expression.size() ? expression[index] : 0.0;
}

void FaceParameters::setExpression(const MorphableModel& model, const std::string& name, double value) {
    const auto index = static_cast<std::size_t>(model.expressionIndex(name));
    const ShapeComponent& c = model.expressions()[index];
    checkValue(value, c.min, c.max, "expression \"" + name + "\"");
    if (expression.size() < model.expressions().size()) expression.resize(model.expressions().size(), 0.0);
    expression[index] = value;
}

FaceCamera defaultCamera(ImageSize photo) {
    if (photo.width <= 0 || photo.height <= 0) throw Error("a camera needs a photo size");
    return {1.4 * std::max(photo.width, photo.height), 0.5 * (photo.width - 1), 0.5 * (photo.height - 1)};
}

void checkParameters(const FaceParameters& parameters, const MorphableModel& model, const std::string& what) {
    for (const auto& f : poseFields()) checkValue(parameters.pose.*f.member, f.min, f.max, what + ": pose " + f.name);
    checkCount(parameters.identity.size(), model.identityCount(), what + ": identity");
    checkCount(parameters.expression.size(), model.expressionCount(), what + ": expression");
    for (std::size_t k = 0; k < parameters.identity.size(); ++k) {
        const auto& c = model.identity()[k];
        checkValue(parameters.identity[k], c.min, c.max, what + ": identity \"" + c.name + "\"");
    }
    for (std::size_t k = 0; k < parameters.expression.size(); ++k) {
        const auto& c = model.expressions()[k];
        checkValue(parameters.expression[k], c.min, c.max, what + ": expression \"" + c.name + "\"");
    }
}

FaceLandmarks project(const MorphableModel& model, const FaceParameters& parameters, const FaceCamera& camera) {
    const HeadPose& pose = parameters.pose;
    if (!(pose.scale > 0.0)) throw Error("face parameters: the scale must be positive");
    checkCount(parameters.identity.size(), model.identityCount(), "face parameters: identity");
    checkCount(parameters.expression.size(), model.expressionCount(), "face parameters: expression");
    std::vector<double> coefficients = parameters.identity;
    coefficients.insert(coefficients.end(), parameters.expression.begin(), parameters.expression.end());
    const auto points = detail::projectModel(detail::ModelMatrices(model), coefficients.data(),
                                             detail::radians(pose.yaw), detail::radians(pose.pitch),
                                             detail::radians(pose.roll), pose.x, pose.y, pose.scale, camera);
    FaceLandmarks out;
    for (int i = 0; i < kLandmarkCount; ++i)
        out.points[static_cast<std::size_t>(i)] = {static_cast<float>(points(0, i)), static_cast<float>(points(1, i))};
    return out;
}

std::string parametersToJson(const FaceParameters& parameters, const MorphableModel& model) {
    checkParameters(parameters, model, "face parameters");
    json pose = json::object();
    for (const auto& f : poseFields()) pose[f.name] = parameters.pose.*f.member;
    json identity = json::object(), expression = json::object();
    for (std::size_t k = 0; k < parameters.identity.size(); ++k)
        identity[model.identity()[k].name] = parameters.identity[k];
    for (std::size_t k = 0; k < parameters.expression.size(); ++k)
        expression[model.expressions()[k].name] = parameters.expression[k];
    const json root = {{"format", kParametersFormat},
                       {"version", kParametersVersion},
                       {"pose", pose},
                       {"identity", identity},
                       {"expression", expression}};
    return root.dump(1) + "\n";
}

FaceParameters parametersFromJson(const std::string& text, const MorphableModel& model, const std::string& sourceName,
                                  const FaceParameters& base) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        throwFileError(sourceName, std::string("is not valid JSON (") + e.what() + ")");
    }
    FaceParameters out = base;
    out.identity.resize(static_cast<std::size_t>(model.identityCount()), 0.0);
    out.expression.resize(static_cast<std::size_t>(model.expressionCount()), 0.0);
    try {
        if (!root.is_object()) throw Error("face parameters must be a JSON object");
        for (const auto& [key, value] : root.items()) {
            if (key == "format") {
                if (value != kParametersFormat)
                    throw Error(std::string("\"format\" must be \"") + kParametersFormat + "\"");
            } else if (key == "version") {
                if (value != kParametersVersion)
                    throw Error("\"version\" " + value.dump() + " is not one this build reads (1)");
            } else if (key == "pose") {
                if (!value.is_object()) throw Error("\"pose\" must be an object");
                for (const auto& [name, v] : value.items()) {
                    const auto& fields = poseFields();
                    const auto f = std::find_if(fields.begin(), fields.end(),
                                                [&wanted = name](const PoseField& p) { return wanted == p.name; });
                    if (f == fields.end())
                        throw Error("pose \"" + name + "\" is unknown (use yaw, pitch, roll, x, y, scale)");
                    const std::string what = std::string("pose ") + f->name;
                    const double number = readNumber(v, what);
                    checkValue(number, f->min, f->max, what);
                    out.pose.*f->member = number;
                }
            } else if (key == "identity") {
                readCoefficients(value, model.identity(), out.identity, "identity");
            } else if (key == "expression") {
                readCoefficients(value, model.expressions(), out.expression, "expression");
            } else {
                throw Error("\"" + key + "\" is not a face parameter section (use pose, identity, expression)");
            }
        }
        checkParameters(out, model, "face parameters");
    } catch (const Error& e) {
        throwFileError(sourceName, e.what());
    }
    return out;
}

}  // namespace marionette::face
