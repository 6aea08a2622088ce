#include "marionette/edit/edit_document.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

namespace marionette::edit {
namespace {

using nlohmann::json;

json poseToJson(const pose::Pose& p) {
    json joints = json::object();
    for (int i = 0; i < pose::kJointCount; ++i) {
        if (const auto k = p.find(pose::jointAt(i))) joints[pose::jointKey(pose::jointAt(i))] = {k->position.x, k->position.y, k->confidence};
    }
    return joints;
}

pose::Pose poseFromJson(const json& j, const std::string& where) {
    if (!j.is_object()) throw Error(where + " must be an object of joints, like {\"nose\": [x, y, confidence]}");
    pose::Pose p;
    for (const auto& [key, value] : j.items()) {
        const auto joint = pose::jointFromKey(key);
        if (!joint) throw Error(where + ": unknown joint \"" + key + "\"");
        if (!value.is_array() || value.size() < 2 || value.size() > 3 || !value[0].is_number() || !value[1].is_number() ||
            (value.size() == 3 && !value[2].is_number()))
            throw Error(where + ": " + key + " must be [x, y] or [x, y, confidence] numbers");
        const float confidence = value.size() == 3 ? value[2].get<float>() : 1.f;
        if (!std::isfinite(confidence) || confidence <= 0.f) throw Error(where + ": " + key + " has an invalid confidence");
        p.set(*joint, value[0].get<float>(), value[1].get<float>(), confidence);
    }
    pose::validate(p, where);
    return p;
}

const json& member(const json& doc, const char* key, const std::string& source) {
    if (!doc.contains(key)) throwFileError(source, std::string("the edit has no \"") + key + "\"");
    return doc.at(key);
}

}  // namespace

bool EditDocument::operator==(const EditDocument& o) const {
    const auto sameBox = [](const std::optional<Box>& a, const std::optional<Box>& b) {
        if (a.has_value() != b.has_value()) return false;
        return !a || (a->x == b->x && a->y == b->y && a->width == b->width && a->height == b->height);
    };
    return photoPath == o.photoPath && photoSha256 == o.photoSha256 && mode == o.mode && reference == o.reference &&
           target == o.target && sameBox(cropBox, o.cropBox) && weightsId == o.weightsId;
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
    doc["reference"] = poseToJson(d.reference);
    doc["target"] = poseToJson(d.target);
    if (d.cropBox) doc["crop_box"] = {d.cropBox->x, d.cropBox->y, d.cropBox->width, d.cropBox->height};
    doc["weights"] = d.weightsId;
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
        const int version = doc.at("marionette_edit").get<int>();
        if (version > kEditDocumentVersion)
            throwFileError(source, "the edit has version " + std::to_string(version) + ", newer than this editor reads (" +
                                       std::to_string(kEditDocumentVersion) + "); update Marionette");
        if (version < 1) throwFileError(source, "the edit has an invalid version " + std::to_string(version));
        const json& photo = member(doc, "photo", source);
        d.photoPath = photo.at("path").get<std::string>();
        if (d.photoPath.empty()) throwFileError(source, "the edit names no photo");
        if (photo.contains("sha256")) d.photoSha256 = photo.at("sha256").get<std::string>();
        if (doc.contains("mode")) d.mode = doc.at("mode").get<std::string>();
        if (d.mode != "body") throwFileError(source, "the edit's mode \"" + d.mode + "\" is not supported here (expected body)");
        d.reference = poseFromJson(member(doc, "reference", source), source + ": reference");
        d.target = poseFromJson(member(doc, "target", source), source + ": target");
        if (doc.contains("crop_box")) {
            const auto& b = doc.at("crop_box");
            if (!b.is_array() || b.size() != 4) throwFileError(source, "crop_box must be [x, y, width, height]");
            const Box box{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
            if (!std::isfinite(box.x) || !std::isfinite(box.y) || box.empty() || !std::isfinite(box.width) || !std::isfinite(box.height))
                throwFileError(source, "crop_box must have a finite position and a positive size");
            d.cropBox = box;
        }
        if (doc.contains("weights")) d.weightsId = doc.at("weights").get<std::string>();
    } catch (const json::exception& e) {
        throwFileError(source, std::string("the edit is incomplete or mistyped (") + e.what() + ")");
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
