#include "marionette/pose/openpose_json.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <filesystem>

namespace marionette::pose {
namespace {

constexpr int kCocoValues = kJointCount * 3;
constexpr int kBody25Values = 25 * 3;
// BODY_25: 0 nose, 1 neck, 2-7 arms, 8 mid-hip, 9-14 legs, 15-18 eyes and ears, 19-24 feet.
constexpr std::array<int, kJointCount> kBody25Index{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};

Pose personFromValues(const nlohmann::json& values, const std::string& where) {
    if (!values.is_array()) throw Error(where + ": pose_keypoints_2d is not an array of numbers");
    const int count = static_cast<int>(values.size());
    if (count != kCocoValues && count != kBody25Values) {
        throw Error(where + ": pose_keypoints_2d has " + std::to_string(count) +
                    " values; expected 54 (COCO-18) or 75 (BODY_25), three per joint");
    }
    const bool body25 = count == kBody25Values;
    Pose pose;
    for (int j = 0; j < kJointCount; ++j) {
        const int source = body25 ? kBody25Index[static_cast<std::size_t>(j)] : j;
        std::array<double, 3> v{};
        for (int c = 0; c < 3; ++c) {
            const auto& item = values[static_cast<std::size_t>(source * 3 + c)];
            if (!item.is_number()) {
                throw Error(where + ": value " + std::to_string(source * 3 + c) + " of pose_keypoints_2d (" +
                            jointLabel(jointAt(j)) + ") is not a number");
            }
            v[static_cast<std::size_t>(c)] = item.get<double>();
        }
        if (!std::isfinite(v[2]) || v[2] < 0.0)
            throw Error(where + ": " + jointLabel(jointAt(j)) + " has an invalid confidence");
        // OpenPose writes absent joints as 0, 0, 0; a confidence too small for a float is 0 here too.
        if (static_cast<float>(v[2]) == 0.f) continue;
        pose.set(jointAt(j), static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2]));
    }
    validate(pose, where);
    return pose;
}

}  // namespace

std::vector<std::string> poseFileCandidates(const std::string& photoPath) {
    const std::filesystem::path photo(photoPath);
    return {photoPath + kPoseFileSuffix, (photo.parent_path() / (photo.stem().string() + "_keypoints.json")).string()};
}

int body25IndexOf(JointId joint) { return kBody25Index.at(static_cast<std::size_t>(index(joint))); }

People parseOpenPoseJson(const std::string& text, const std::string& sourceName) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // syntax errors and number overflow alike
        throwFileError(sourceName, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!doc.is_object() || !doc.contains("people") || !doc["people"].is_array())
        throwFileError(sourceName, "not an OpenPose file: no \"people\" array");
    People people;
    std::size_t i = 0;
    for (const auto& person : doc["people"]) {
        const std::string where = sourceName + ": person " + std::to_string(i++);
        if (!person.is_object() || !person.contains("pose_keypoints_2d")) throw Error(where + ": no pose_keypoints_2d");
        people.push_back(personFromValues(person["pose_keypoints_2d"], where));
    }
    return people;
}

People readOpenPoseJson(const std::string& path) {
    return parseOpenPoseJson(files::readAll(path, kMaxPoseJsonBytes), path);
}

std::string toOpenPoseJson(const People& people) {
    nlohmann::json doc;
    doc["version"] = 1.3;
    doc["people"] = nlohmann::json::array();
    for (std::size_t p = 0; p < people.size(); ++p) {
        validate(people[p], "person " + std::to_string(p));
        nlohmann::json values = nlohmann::json::array();
        for (int j = 0; j < kJointCount; ++j) {
            const auto k = people[p].find(jointAt(j));
            if (k && k->confidence > 0.f) {
                values.push_back(k->position.x);
                values.push_back(k->position.y);
                values.push_back(k->confidence);
            } else {
                values.insert(values.end(), {0.0, 0.0, 0.0});
            }
        }
        doc["people"].push_back({{"person_id", {-1}}, {"pose_keypoints_2d", values}});
    }
    return doc.dump(1) + "\n";
}

void writeOpenPoseJson(const std::string& path, const People& people) {
    files::writeAtomically(path, toOpenPoseJson(people));
}

}  // namespace marionette::pose
