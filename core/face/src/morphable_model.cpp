#include "marionette/face/morphable_model.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>

namespace marionette::face {

namespace detail {
// The bundled resources/face_model/face_model.json, embedded by the build (face_model_data.cpp).
extern const unsigned char kStandardFaceModelJson[];
extern const std::size_t kStandardFaceModelJsonSize;
}  // namespace detail

namespace {

constexpr const char* kModelFormat = "marionette.face_model";
constexpr int kModelVersion = 1;
constexpr std::size_t kMaxModelBytes = 16u << 20;
constexpr double kMaxCoordinate = 1000.0;  // centimetres: far beyond any face

using nlohmann::json;

// An integer of the file, or nullopt for anything else (a fraction, a string, or a number beyond 64 bits): read
// whole, so that a huge value cannot wrap around into a valid one.
std::optional<std::int64_t> integerOf(const json& value) {
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    return std::nullopt;
}

Vec3 readPoint(const json& value, const std::string& where) {
    if (!value.is_array() || value.size() != 3) throw Error(where + " is not a list of 3 numbers");
    Vec3 p;
    double* xyz[3] = {&p.x, &p.y, &p.z};
    for (std::size_t k = 0; k < 3; ++k) {
        if (!value[k].is_number()) throw Error(where + " is not a list of 3 numbers");
        *xyz[k] = value[k].get<double>();
        if (!std::isfinite(*xyz[k]) || std::abs(*xyz[k]) > kMaxCoordinate) throw Error(where + " is out of range");
    }
    return p;
}

Shape3 readShape(const json& value, const std::string& where) {
    if (!value.is_array() || value.size() != static_cast<std::size_t>(kLandmarkCount))
        throw Error(where + " must list 68 points (the iBUG layout)");
    Shape3 shape{};
    for (std::size_t i = 0; i < shape.size(); ++i)
        shape[i] = readPoint(value[i], where + ", point " + std::to_string(i));
    return shape;
}

std::vector<ShapeComponent> readComponents(const json& root, const char* key) {
    if (!root.contains(key) || !root[key].is_array()) throw Error(std::string("no \"") + key + "\" list");
    std::vector<ShapeComponent> out;
    std::set<std::string> names;
    for (const auto& entry : root[key]) {
        const std::string where = std::string(key) + " " + std::to_string(out.size());
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
            throw Error(where + " has no name");
        ShapeComponent c;
        c.name = entry["name"].get<std::string>();
        if (c.name.empty() || !names.insert(c.name).second)
            throw Error(where + ": name \"" + c.name + "\" is empty or repeated");
        c.description = entry.value("description", std::string());
        for (auto [field, target] :
             {std::pair{"min", &c.min}, std::pair{"max", &c.max}, std::pair{"prior_sigma", &c.priorSigma}}) {
            if (!entry.contains(field) || !entry[field].is_number())
                throw Error(where + " (\"" + c.name + "\") has no number \"" + field + "\"");
            *target = entry[field].get<double>();
        }
        if (!(c.min < c.max) || !(c.min <= 0.0 && c.max >= 0.0) || !(c.priorSigma > 0.0) ||
            !std::isfinite(c.max - c.min))
            throw Error(where + " (\"" + c.name + "\") needs min <= 0 <= max, min < max and prior_sigma > 0");
        if (!entry.contains("displacements")) throw Error(where + " (\"" + c.name + "\") has no displacements");
        c.displacement = readShape(entry["displacements"], where + " (\"" + c.name + "\") displacements");
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<ContourLine> readContour(const json& root, const Shape3& mean) {
    std::vector<ContourLine> out;
    if (!root.contains("contour")) return out;
    if (!root["contour"].is_array()) throw Error("\"contour\" must be a list");
    std::set<int> seen;
    for (const auto& entry : root["contour"]) {
        const std::string where = "contour line " + std::to_string(out.size());
        const auto landmark = entry.is_object() && entry.contains("landmark") ? integerOf(entry["landmark"])
                                                                              : std::optional<std::int64_t>();
        if (!landmark) throw Error(where + " has no landmark number");
        if (*landmark < 0 || *landmark >= kLandmarkCount || partOf(static_cast<int>(*landmark)) != FacePart::Jaw ||
            !seen.insert(static_cast<int>(*landmark)).second)
            throw Error(where + ": landmark " + std::to_string(*landmark) + " is not a jaw point, or is repeated");
        ContourLine line;
        line.landmark = static_cast<int>(*landmark);
        if (!entry.contains("candidates") || !entry["candidates"].is_array() || entry["candidates"].empty() ||
            entry["candidates"].size() > 64)
            throw Error(where + " needs 1 to 64 candidate points");
        for (const auto& point : entry["candidates"])
            line.candidates.push_back(
                readPoint(point, where + ", candidate " + std::to_string(line.candidates.size())));
        const Vec3& first = line.candidates.front();
        const Vec3& m = mean[static_cast<std::size_t>(line.landmark)];
        if (std::abs(first.x - m.x) + std::abs(first.y - m.y) + std::abs(first.z - m.z) > 1e-3)
            throw Error(where + ": the first candidate must be the mean shape's point");
        out.push_back(std::move(line));
    }
    return out;
}

int indexOf(const std::vector<ShapeComponent>& components, const std::string& name, const char* kind) {
    for (std::size_t i = 0; i < components.size(); ++i) {
        if (components[i].name == name) return static_cast<int>(i);
    }
    std::string known;
    for (const auto& c : components) known += (known.empty() ? "" : ", ") + c.name;
    throw Error(std::string("there is no ") + kind + " \"" + name + "\"; the face model has: " + known);
}

}  // namespace

const MorphableModel& MorphableModel::standard() {
    static const MorphableModel model = fromJson(
        std::string(reinterpret_cast<const char*>(detail::kStandardFaceModelJson), detail::kStandardFaceModelJsonSize),
        "the bundled face model");
    return model;
}

MorphableModel MorphableModel::fromJson(const std::string& text, const std::string& sourceName) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        throwFileError(sourceName, std::string("is not valid JSON (") + e.what() + ")");
    }
    try {
        if (!root.is_object() || root.value("format", std::string()) != kModelFormat)
            throw Error(std::string("is not a face model (expected \"format\": \"") + kModelFormat + "\")");
        if (!root.contains("version") || integerOf(root["version"]) != std::optional<std::int64_t>(kModelVersion))
            throw Error("has a face model version this build does not read (expected " + std::to_string(kModelVersion) +
                        ")");
        if (!root.contains("mean")) throw Error("has no \"mean\" shape");
        MorphableModel model;
        model.m_mean = readShape(root["mean"], "mean");
        model.m_identity = readComponents(root, "identity");
        model.m_expressions = readComponents(root, "expressions");
        model.m_contour = readContour(root, model.m_mean);
        return model;
    } catch (const Error& e) {
        throwFileError(sourceName, e.what());
    }
}

MorphableModel MorphableModel::load(const std::string& path) {
    return fromJson(files::readAll(path, kMaxModelBytes), path);
}

int MorphableModel::expressionIndex(const std::string& name) const {
    return indexOf(m_expressions, name, "expression");
}

Shape3 MorphableModel::shape(const std::vector<double>& identity, const std::vector<double>& expression) const {
    Shape3 out = m_mean;
    auto accumulate = [&out](const std::vector<ShapeComponent>& components, const std::vector<double>& coefficients) {
        const std::size_t n = std::min(components.size(), coefficients.size());
        for (std::size_t k = 0; k < n; ++k) {
            const double c = coefficients[k];
            if (c == 0.0) continue;
            const Shape3& d = components[k].displacement;
            for (std::size_t i = 0; i < out.size(); ++i) {
                out[i].x += c * d[i].x;
                out[i].y += c * d[i].y;
                out[i].z += c * d[i].z;
            }
        }
    };
    accumulate(m_identity, identity);
    accumulate(m_expressions, expression);
    return out;
}

}  // namespace marionette::face
