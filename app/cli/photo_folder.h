#pragma once
// The photos of a folder, for the verbs that accept a folder as well as one photo (detect, landmarks, batch).
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace marionette::cli {

// Whether `path` names a photo by its extension (.jpg, .jpeg, .png, .webp, .tif, .tiff, .bmp).
bool isPhotoPath(const std::string& path);
// The photos directly in `folder`, sorted by name; throws marionette::Error when it is not a readable folder.
std::vector<std::string> photosIn(const std::string& folder);
// Makes `folder` (and its parents) for outputs; throws marionette::Error naming it when that fails.
void makeOutputFolder(const std::string& folder);

// Every photo of `folder` through `onePhoto(photo, output)`, the output <outFolder>/<photo file name><suffix>:
// progress and a summary as batch prints them; a photo that throws is reported and the others go on. `onePhoto`
// returns what the report says was written. Returns the exit code (1 when any photo failed).
int forEachPhotoIn(const std::string& folder, const std::string& outFolder, const std::string& suffix,
                   const std::function<std::string(const std::string& photo, const std::string& output)>& onePhoto,
                   std::ostream& out, std::ostream& err);

}  // namespace marionette::cli
