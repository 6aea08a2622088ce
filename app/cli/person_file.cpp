#include "cli/person_file.h"

#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"

namespace marionette::cli {

pose::Pose readPerson(const std::string& path, int index) {
    pose::People people = pose::readOpenPoseJson(path);
    if (index < 0 || index >= static_cast<int>(people.size()))
        throw Error(path + ": has " + std::to_string(people.size()) + " people; there is no person " +
                    std::to_string(index));
    return std::move(people[static_cast<std::size_t>(index)]);
}

std::vector<pose::Pose> readOthers(const std::string& path, int index) {
    pose::People people = pose::readOpenPoseJson(path);
    std::vector<pose::Pose> others;
    for (std::size_t i = 0; i < people.size(); ++i) {
        if (static_cast<int>(i) != index) others.push_back(std::move(people[i]));
    }
    return others;
}

}  // namespace marionette::cli
