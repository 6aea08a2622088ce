// marionette-cli landmarks: finds the faces in a photo with dlib and writes the 68 iBUG landmarks of one of
// them (the largest by default) as a .pts file.
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/photo_folder.h"

#include "marionette/face/landmarks.h"
#include "marionette/face_detect/face_detector.h"
#include "marionette/image/image_io.h"
#include "marionette/util/error.h"

#include <cmath>
#include <filesystem>
#include <ostream>

namespace marionette::cli {
namespace {

class LandmarksCommand : public Command {
public:
    std::string name() const override { return "landmarks"; }
    std::string summary() const override { return "find the faces in a photo and write 68 landmarks of one (.pts)"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "landmarks",
            {
                {"--image", "FILE|DIR", "the photo, or a folder of photos", "", true},
                {"--out", "FILE|DIR",
                 "68-point landmarks to write (.pts, iBUG format); for a folder, the folder for <photo>.landmarks.pts",
                 "", true},
                {"--face", "N", "which face: 0 is the largest, 1 the next, ...", "0", false},
                {"--predictor", "FILE", "dlib's shape_predictor_68_face_landmarks.dat",
                 face_detect::defaultPredictorPath(), false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const std::string imagePath = a.value("--image");
        const int index = a.intValue("--face");
        if (index < 0) throw UsageError("--face must be 0 or more");

        auto detector = face_detect::FaceDetector::shared(a.value("--predictor"));
        std::error_code ec;
        if (std::filesystem::is_directory(imagePath, ec))
            return landmarksFolder(*detector, index, imagePath, a.value("--out"), out, err);
        const cv::Mat photo = image::loadImage(imagePath);
        const auto faces = detector->detectAll(photo, imagePath);
        const auto chosen = face_detect::pickFace(faces, index, {photo.cols, photo.rows}, imagePath);
        face::writePts(a.value("--out"), chosen.landmarks);

        out << imagePath << ": " << faces.size() << (faces.size() == 1 ? " face" : " faces") << ", largest first\n";
        for (std::size_t i = 0; i < faces.size(); ++i) {
            const Box& b = faces[i].box;
            out << (static_cast<int>(i) == index ? "* " : "  ") << "face " << i << ": " << std::lround(b.width) << " x "
                << std::lround(b.height) << " at " << std::lround(b.x) << "," << std::lround(b.y) << '\n';
        }
        out << "wrote " << a.value("--out") << ": 68 landmarks of face " << index << '\n';
        (void)err;
        return kExitOk;
    }

private:
    // Every photo of `folder` to <outFolder>/<photo file name>.landmarks.pts, dlib's model loaded once; a photo
    // without that face is reported and the others go on (exit code 1).
    static int landmarksFolder(face_detect::FaceDetector& detector, int index, const std::string& folder,
                               const std::string& outFolder, std::ostream& out, std::ostream& err) {
        return forEachPhotoIn(
            folder, outFolder, ".landmarks.pts",
            [&](const std::string& photo, const std::string& output) {
                const cv::Mat picture = image::loadImage(photo);
                const auto faces = detector.detectAll(picture, photo);
                face::writePts(output,
                               face_detect::pickFace(faces, index, {picture.cols, picture.rows}, photo).landmarks);
                return output;
            },
            out, err);
    }
};

MARIONETTE_CLI_COMMAND(LandmarksCommand);

}  // namespace

}  // namespace marionette::cli
