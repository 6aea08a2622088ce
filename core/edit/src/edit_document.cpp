#include "marionette/edit/edit_document.h"

#include "marionette/deform/body_parts.h"
#include "marionette/edit/repose_session.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"
#include "marionette/util/json_int.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

namespace marionette::edit {
namespace {

using face::HeadPose;
using nlohmann::json;

json poseToJson(const pose::Pose& p) {
    json joints = json::object();
    for (int i = 0; i < pose::kJointCount; ++i) {
        if (const auto k = p.find(pose::jointAt(i)))
            joints[pose::jointKey(pose::jointAt(i))] = {k->position.x, k->position.y, k->confidence};
    }
    return joints;
}

pose::Pose poseFromJson(const json& j, const std::string& where) {
    if (!j.is_object()) throw Error(where + " must be an object of joints, like {\"nose\": [x, y, confidence]}");
    pose::Pose p;
    for (const auto& [key, value] : j.items()) {
        const auto joint = pose::jointFromKey(key);
        if (!joint) throw Error(where + ": unknown joint \"" + key + "\"");
        if (!value.is_array() || value.size() < 2 || value.size() > 3 || !value[0].is_number() ||
            !value[1].is_number() || (value.size() == 3 && !value[2].is_number()))
            throw Error(where + ": " + key + " must be [x, y] or [x, y, confidence] numbers");
        const float confidence = value.size() == 3 ? value[2].get<float>() : 1.f;
        if (!std::isfinite(confidence) || confidence <= 0.f)
            throw Error(where + ": " + key + " has an invalid confidence");
        p.set(*joint, value[0].get<float>(), value[1].get<float>(), confidence);
    }
    pose::validate(p, where);
    return p;
}

json landmarksToJson(const face::FaceLandmarks& landmarks) {
    json points = json::array();
    for (const auto& p : landmarks.points) points.push_back({p.x, p.y});
    return points;
}

face::FaceLandmarks landmarksFromJson(const json& j, const std::string& where) {
    if (!j.is_array() || j.size() != static_cast<std::size_t>(face::kLandmarkCount))
        throw Error(where + " must be an array of " + std::to_string(face::kLandmarkCount) + " [x, y] points");
    face::FaceLandmarks landmarks;
    for (std::size_t i = 0; i < landmarks.points.size(); ++i) {
        const json& p = j[i];
        if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
            throw Error(where + ": point " + std::to_string(i) + " must be [x, y] numbers");
        landmarks.points[i] = {p[0].get<float>(), p[1].get<float>()};
    }
    face::validate(landmarks, where);
    return landmarks;
}

bool sameParameters(const face::FaceParameters& a, const face::FaceParameters& b) {
    const HeadPose& p = a.pose;
    const HeadPose& q = b.pose;
    return p.yaw == q.yaw && p.pitch == q.pitch && p.roll == q.roll && p.x == q.x && p.y == q.y && p.scale == q.scale &&
           a.identity == b.identity && a.expression == b.expression;
}

int intValue(const json& value, const std::string& source, const std::string& what) {
    return jsonInt(value, source + ": " + what);
}

const json& member(const json& doc, const char* key, const std::string& source) {
    if (!doc.contains(key)) throwFileError(source, std::string("the edit has no \"") + key + "\"");
    return doc.at(key);
}

// "method" and "depth": optional, checked against what the editor and the command line accept.
void readReposeChoices(const json& doc, const std::string& source, EditDocument& d) {
    if (doc.contains("method")) {
        if (!doc.at("method").is_string())
            throwFileError(source, "the edit's method must be a string (hybrid or network)");
        d.method = doc.at("method").get<std::string>();
        if (!reposeMethodFromString(d.method))
            throwFileError(source, "the edit's method \"" + d.method + "\" is not known (expected hybrid or network)");
    }
    if (doc.contains("depth")) {
        if (!doc.at("depth").is_string())
            throwFileError(source, "the edit's depth must be a string like \"right_arm=behind\"");
        d.depth = doc.at("depth").get<std::string>();
        try {
            deform::parseDepthOrder(d.depth);
        } catch (const Error& e) {
            throwFileError(source, std::string("the edit's ") + e.what());
        }
    }
}

}  // namespace

bool PortraitEdit::operator==(const PortraitEdit& o) const {
    return faceIndex == o.faceIndex && reference == o.reference && target == o.target &&
           sameParameters(parameters, o.parameters);
}

bool EditDocument::operator==(const EditDocument& o) const {
    const auto sameBox = [](const std::optional<Box>& a, const std::optional<Box>& b) {
        if (a.has_value() != b.has_value()) return false;
        return !a || (a->x == b->x && a->y == b->y && a->width == b->width && a->height == b->height);
    };
    return photoPath == o.photoPath && photoSha256 == o.photoSha256 && mode == o.mode && reference == o.reference &&
           target == o.target && portrait == o.portrait && sameBox(cropBox, o.cropBox) && weightsId == o.weightsId &&
           method == o.method && depth == o.depth;
}

std::string documentPathFor(const std::string& photoPath) { return photoPath + kEditDocumentSuffix; }

bool isDocumentPath(const std::string& path) {
    const std::string suffix = kEditDocumentSuffix;
    return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string resolvePhotoPath(const EditDocument& document, const std::string& documentPath) {
    const std::filesystem::path photo(document.photoPath);
    if (photo.is_absolute()) return photo.string();
    return (std::filesystem::path(documentPath).parent_path() / photo).lexically_normal().string();
}

std::string toJson(const EditDocument& d) {
    json doc;
    doc["marionette_edit"] = kEditDocumentVersion;
    doc["photo"] = {{"path", d.photoPath}, {"sha256", d.photoSha256}};
    doc["mode"] = d.mode;
    if (d.mode == "body" || d.reference.presentCount() > 0) doc["reference"] = poseToJson(d.reference);
    if (d.mode == "body" || d.target.presentCount() > 0) doc["target"] = poseToJson(d.target);
    if (d.portrait) {
        const face::MorphableModel& model = face::MorphableModel::standard();
        doc["portrait"] = {{"face", d.portrait->faceIndex},
                           {"reference_landmarks", landmarksToJson(d.portrait->reference)},
                           {"target_landmarks", landmarksToJson(d.portrait->target)},
                           {"parameters", json::parse(face::parametersToJson(d.portrait->parameters, model))}};
    }
    if (d.cropBox) doc["crop_box"] = {d.cropBox->x, d.cropBox->y, d.cropBox->width, d.cropBox->height};
    doc["weights"] = d.weightsId;
    if (!d.method.empty()) doc["method"] = d.method;
    if (!d.depth.empty()) doc["depth"] = d.depth;
    return doc.dump(1) + "\n";
}

EditDocument parseEditDocument(const std::string& text, const std::string& source) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::exception& e) {
        throwFileError(source, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!doc.is_object() || !doc.contains("marionette_edit"))
        throwFileError(source, "not a Marionette edit (no \"marionette_edit\" version)");
    EditDocument d;
    try {
        const int version = intValue(doc.at("marionette_edit"), source, "the edit's version");
        if (version > kEditDocumentVersion)
            throwFileError(source, "the edit has version " + std::to_string(version) +
                                       ", newer than this editor reads (" + std::to_string(kEditDocumentVersion) +
                                       "); update Marionette");
        if (version < 1) throwFileError(source, "the edit has an invalid version " + std::to_string(version));
        const json& photo = member(doc, "photo", source);
        d.photoPath = photo.at("path").get<std::string>();
        if (d.photoPath.empty()) throwFileError(source, "the edit names no photo");
        if (photo.contains("sha256")) d.photoSha256 = photo.at("sha256").get<std::string>();
        if (doc.contains("mode")) d.mode = doc.at("mode").get<std::string>();
        if (d.mode != "body" && d.mode != "portrait")
            throwFileError(source,
                           "the edit's mode \"" + d.mode + "\" is not supported here (expected body or portrait)");
        const bool portrait = d.mode == "portrait";
        if (!portrait || doc.contains("reference"))
            d.reference = poseFromJson(member(doc, "reference", source), source + ": reference");
        if (!portrait || doc.contains("target"))
            d.target = poseFromJson(member(doc, "target", source), source + ": target");
        if (portrait || doc.contains("portrait")) {
            const json& p = member(doc, "portrait", source);
            if (!p.is_object()) throwFileError(source, "\"portrait\" must be an object");
            PortraitEdit edit;
            if (p.contains("face")) edit.faceIndex = intValue(p.at("face"), source, "the portrait's face index");
            if (edit.faceIndex < 0) throwFileError(source, "the portrait's face index must be 0 or more");
            edit.reference =
                landmarksFromJson(member(p, "reference_landmarks", source), source + ": reference_landmarks");
            edit.target = landmarksFromJson(member(p, "target_landmarks", source), source + ": target_landmarks");
            const face::MorphableModel& model = face::MorphableModel::standard();
            edit.parameters = face::parametersFromJson(member(p, "parameters", source).dump(), model,
                                                       source + ": parameters", face::FaceParameters::neutral(model));
            face::checkParameters(edit.parameters, model, source + ": parameters");
            d.portrait = edit;
        }
        if (doc.contains("crop_box")) {
            const auto& b = doc.at("crop_box");
            if (!b.is_array() || b.size() != 4) throwFileError(source, "crop_box must be [x, y, width, height]");
            const Box box{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
            if (!std::isfinite(box.x) || !std::isfinite(box.y) || box.empty() || !std::isfinite(box.width) ||
                !std::isfinite(box.height))
                throwFileError(source, "crop_box must have a finite position and a positive size");
            d.cropBox = box;
        }
        if (doc.contains("weights")) d.weightsId = doc.at("weights").get<std::string>();
        readReposeChoices(doc, source, d);
    } catch (const json::exception& e) {
        throwFileError(source, std::string("the edit is incomplete or mistyped (") + e.what() + ")");
    } catch (const Error& e) {
        const std::string message = e.what();
        if (message.rfind(source, 0) == 0) throw;
        throwFileError(source, message);
    }
    return d;
}

EditDocument readEditDocument(const std::string& path) {
    return parseEditDocument(files::readAll(path, kMaxEditDocumentBytes), path);
}

void writeEditDocument(const std::string& path, const EditDocument& document) {
    files::writeAtomically(path, toJson(document));
}

}  // namespace marionette::edit
