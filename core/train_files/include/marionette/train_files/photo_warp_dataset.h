#pragma once
// Training pairs from single photos, no second photo of the person needed: for a body model each photo, with
// an OpenPose JSON beside it, is cut around its person onto the canvas and reposed limb by limb
// (train::LimbWarpedPhotos); for a face model each photo, with 68 landmarks beside it, is cut around its face
// and warped to another head pose and expression (train::LandmarkWarpedPhotos). For fine-tuning on a few
// people of one's own; every photo is held in memory.
//
//   photos:me.jpg          one photo (body: me.jpg.pose.json or me_keypoints.json beside it;
//                          face: me.jpg.landmarks.pts, me.jpg.pts or me.pts)
//   photos:holiday/        every image in the folder that has such a file beside it
//   photo-edits:me.jpg     the same, only the pairs from the photo to a warped copy (eval of an adaptation)
#include "marionette/model/config.h"
#include "marionette/train/adaptation.h"

#include <memory>
#include <string>

namespace marionette::train_files {

// At most this many photos (each is about 0.5 MB on a 256 x 176 canvas); larger sets belong in folder: data.
constexpr std::size_t kMaxWarpedPhotos = 2000;

// `path` is one image or a folder of images. Images without a usable pose or landmarks file or that cannot
// be read are dropped and logged; throws marionette::Error naming the path when none is left or when there
// are more than kMaxWarpedPhotos.
std::shared_ptr<const train::PairDataset> openWarpedPhotos(const std::string& path, const model::ModelConfig& config,
                                                           train::PhotoPairs directions = train::PhotoPairs::BothWays);

}  // namespace marionette::train_files
