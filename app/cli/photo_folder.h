#pragma once
// The photos of a folder, for the verbs that accept a folder as well as one photo (detect, landmarks, batch).
#include <string>
#include <vector>

namespace marionette::cli {

// Whether `path` names a photo by its extension (.jpg, .jpeg, .png, .webp, .tif, .tiff, .bmp).
bool isPhotoPath(const std::string& path);
// The photos directly in `folder`, sorted by name; throws marionette::Error when it is not a readable folder.
std::vector<std::string> photosIn(const std::string& folder);
// Makes `folder` (and its parents) for outputs; throws marionette::Error naming it when that fails.
void makeOutputFolder(const std::string& folder);

}  // namespace marionette::cli
