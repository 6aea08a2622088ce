#pragma once
// One person of an OpenPose JSON file, picked by the verbs' --person option.
#include "marionette/pose/pose.h"

#include <string>
#include <vector>

namespace marionette::cli {

// Reads `path` and returns its person `index`; an index the file does not have is an error naming the count.
pose::Pose readPerson(const std::string& path, int index);
// Every person of `path` but `index`: the others, whom re-posing leaves in place.
std::vector<pose::Pose> readOthers(const std::string& path, int index);

}  // namespace marionette::cli
