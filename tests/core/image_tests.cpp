#include "check.h"

#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_header.h"
#include "marionette/image/image_io.h"
#include "marionette/image/tensor_image.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <filesystem>

using namespace marionette;
using namespace marionette::image;

namespace {

cv::Mat gradientImage(int width, int height) {
    cv::Mat m(height, width, CV_8UC3);
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c)
            m.at<cv::Vec3b>(r, c) = cv::Vec3b(uchar(c * 3), uchar(r * 5), uchar((r + c) % 256));
    return m;
}

// A JPEG whose EXIF block says "rotate 90 degrees clockwise to display" (orientation 6).
std::string jpegWithOrientation(const cv::Mat& image, int orientation) {
    const std::string jpeg = encodeImage(image, "jpg", 95);
    std::string tiff("MM\0*\0\0\0\x08", 8);              // big-endian TIFF header, IFD at 8
    tiff += std::string("\0\x01", 2);                    // one entry
    tiff += std::string("\x01\x12\0\x03\0\0\0\x01", 8);  // tag 0x0112 orientation, SHORT, count 1
    tiff += std::string("\0", 1) + char(orientation) + std::string("\0\0", 2);
    tiff += std::string("\0\0\0\0", 4);  // no next IFD
    const std::string payload = std::string("Exif\0\0", 6) + tiff;
    const std::size_t length = payload.size() + 2;
    std::string app1 = std::string("\xFF\xE1", 2) + char(length >> 8) + char(length & 0xFF) + payload;
    return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

std::string pngHeaderClaiming(std::uint32_t width, std::uint32_t height) {
    std::string png = encodeImage(gradientImage(16, 16), "png");
    for (int i = 0; i < 4; ++i) {
        png[16 + i] = char((width >> (24 - 8 * i)) & 0xFF);
        png[20 + i] = char((height >> (24 - 8 * i)) & 0xFF);
    }
    return png;
}

cv::Vec3b pixel(const cv::Mat& m, int r, int c) { return m.at<cv::Vec3b>(r, c); }

}  // namespace

TEST_CASE(image_every_format_round_trips_with_its_header_read) {
    const cv::Mat img = gradientImage(40, 30);
    for (const std::string ext : {"png", "jpg", "webp", "bmp", "tiff"}) {
        const std::string path = test::tempPath("img." + ext);
        saveImage(path, img);
        const std::string bytes = files::readAll(path, kMaxImageFileBytes);
        const ImageHeader header = readImageHeader(bytes, path);
        EXPECT_EQ(header.width, 40);
        EXPECT_EQ(header.height, 30);
        const cv::Mat back = loadImage(path);
        EXPECT_EQ(back.cols, 40);
        EXPECT_EQ(back.rows, 30);
        const bool lossless = ext == "png" || ext == "bmp" || ext == "tiff";
        if (lossless)
            EXPECT_EQ(cv::norm(back, img, cv::NORM_INF), 0.0);
        else
            EXPECT(cv::norm(back, img, cv::NORM_L1) / (40 * 30 * 3) < 6.0);
    }
}

TEST_CASE(image_os2_bitmaps_have_their_16_bit_sides_read) {
    // A 16 x 16, 24-bit OS/2 1.x bitmap: file header, 12-byte core header, rows of 48 bytes stored bottom-up
    // (the bottom row red, the rest blue).
    std::string bytes = "BM";
    const auto put = [&bytes](std::uint32_t value, int size) {
        for (int i = 0; i < size; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    };
    put(26 + 16 * 48, 4), put(0, 4), put(26, 4);                // file size, reserved, pixel offset
    put(12, 4), put(16, 2), put(16, 2), put(1, 2), put(24, 2);  // core header: size, width, height, planes, bits
    for (int row = 0; row < 16; ++row)
        for (int x = 0; x < 16; ++x) put(row == 0 ? 0xFF0000u : 0x0000FFu, 3);  // little-endian B, G, R
    const ImageHeader header = readImageHeader(bytes, "os2.bmp");
    EXPECT(header.format == ImageFormat::Bmp);
    EXPECT_EQ(header.width, std::int64_t(16));
    EXPECT_EQ(header.height, std::int64_t(16));
    const std::string path = test::tempPath("os2.bmp");
    files::writeAtomically(path, bytes);
    const cv::Mat image = loadImage(path);
    EXPECT_EQ(image.cols, 16);
    EXPECT_EQ(image.rows, 16);
    EXPECT(pixel(image, 15, 0) == cv::Vec3b(0, 0, 255) && pixel(image, 0, 15) == cv::Vec3b(255, 0, 0));
}

TEST_CASE(image_exif_orientation_is_honoured) {
    const cv::Mat wide = gradientImage(48, 24);
    const std::string path = test::tempPath("rotated.jpg");
    files::writeAtomically(path, jpegWithOrientation(wide, 6));
    const cv::Mat loaded = loadImage(path);
    EXPECT_EQ(loaded.cols, 24);  // displayed upright: rotated a quarter turn
    EXPECT_EQ(loaded.rows, 48);
    files::writeAtomically(path, jpegWithOrientation(wide, 1));
    EXPECT_EQ(loadImage(path).cols, 48);
}

TEST_CASE(image_bad_files_are_refused_with_the_reason) {
    const std::string dir = test::tempPath("");
    const std::string empty = test::tempPath("empty.png");
    files::writeAtomically(empty, "");
    EXPECT_THROWS(Error, loadImage(empty), "empty.png", "empty");
    const std::string text = test::tempPath("notes.jpg");
    files::writeAtomically(text, "hello, not an image");
    EXPECT_THROWS(Error, loadImage(text), "notes.jpg", "not an image");

    const std::string jpeg = encodeImage(gradientImage(64, 64), "jpg");
    const std::string truncated = test::tempPath("truncated.jpg");
    files::writeAtomically(truncated, jpeg.substr(0, jpeg.size() / 2));
    EXPECT_THROWS(Error, loadImage(truncated), "truncated.jpg", "truncated");
    EXPECT_THROWS(Error, decodeImage(jpeg.substr(0, 12), "header-only.jpg"), "header-only.jpg", "JPEG header");

    std::string corrupt = jpeg;
    for (std::size_t i = jpeg.size() / 3; i < jpeg.size() - 2; ++i) corrupt[i] = char(0x00);
    corrupt[corrupt.size() / 2] = char(0xFF);  // scramble the scan but keep the end marker
    // Either a clean decode of garbage-free rows or a clear error; never a crash.
    try {
        decodeImage(corrupt, "scrambled.jpg");
    } catch (const Error& e) {
        EXPECT(std::string(e.what()).find("scrambled.jpg") != std::string::npos);
    }

    const std::string png = encodeImage(gradientImage(32, 32), "png");
    EXPECT_THROWS(Error, decodeImage(png.substr(0, png.size() - 20), "cut.png"), "cut.png", "truncated");

    EXPECT_THROWS(Error, decodeImage(encodeImage(cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)), "png"), "dot.png"),
                  "dot.png", "1 x 1", "at least");
    EXPECT_THROWS(Error, decodeImage(pngHeaderClaiming(50000, 50000), "huge.png"), "huge.png", "50000 x 50000",
                  "megapixels");
    EXPECT_THROWS(Error, decodeImage(pngHeaderClaiming(0, 10), "zero.png"), "zero.png", "empty size");
    EXPECT_THROWS(Error, loadImage(test::tempPath("missing.png")), "missing.png", "no such file");
}

TEST_CASE(image_failed_save_leaves_the_old_file_intact) {
    const std::string path = test::tempPath("keep.png");
    saveImage(path, gradientImage(20, 20));
    const std::string before = files::readAll(path, kMaxImageFileBytes);
    EXPECT_THROWS(Error, saveImage(test::tempPath("keep.xyz"), gradientImage(20, 20)), "keep.xyz", ".xyz");
    EXPECT_THROWS(Error, saveImage(test::tempPath("no-folder/x.png"), gradientImage(20, 20)), "folder");
    EXPECT_THROWS(Error, saveImage(path, cv::Mat()), "empty image");
    EXPECT(files::readAll(path, kMaxImageFileBytes) == before);
    // No temporary files are left behind.
    int entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
        EXPECT(e.path().filename().string().find(".tmp") == std::string::npos);
        ++entries;
    }
    EXPECT(entries > 0);
}

TEST_CASE(image_tensor_conversion_is_exact_for_8_bit) {
    const cv::Mat img = gradientImage(33, 17);
    const auto t = imageToTensor(img);
    EXPECT_EQ(t.size(0), 3);
    EXPECT_EQ(t.size(1), 17);
    EXPECT_EQ(t.size(2), 33);
    EXPECT(t.min().item<float>() >= -1.f);
    EXPECT(t.max().item<float>() <= 1.f);
    // Channel 0 is red: OpenCV's BGR pixel (b, g, r) = (c*3, r*5, (r+c)%256).
    EXPECT_NEAR(t[0][2][5].item<float>(), (7 % 256) / 127.5 - 1.0, 1e-6);
    EXPECT_NEAR(t[2][2][5].item<float>(), 15 / 127.5 - 1.0, 1e-6);
    EXPECT_EQ(cv::norm(tensorToImage(t), img, cv::NORM_INF), 0.0);
    // Out-of-range values are clamped, with or without a batch dimension.
    const cv::Mat saturated = tensorToImage(torch::full({1, 3, 4, 4}, 5.f));
    EXPECT(pixel(saturated, 3, 3) == cv::Vec3b(255, 255, 255));
    EXPECT(pixel(tensorToImage(torch::full({3, 4, 4}, -5.f)), 0, 0) == cv::Vec3b(0, 0, 0));
}

TEST_CASE(image_flow_colours_follow_the_wheel) {
    auto flowOf = [](float dx, float dy) {
        auto f = torch::zeros({2, 1, 2});
        f[0][0][0] = dx;
        f[1][0][0] = dy;
        f[0][0][1] = 2.f;  // the reference magnitude in the second pixel
        return flowToColour(f);
    };
    EXPECT(pixel(flowOf(2.f, 0.f), 0, 0) == cv::Vec3b(0, 0, 255));     // right: red
    EXPECT(pixel(flowOf(-2.f, 0.f), 0, 0) == cv::Vec3b(255, 255, 0));  // left: cyan
    const cv::Vec3b down = pixel(flowOf(0.f, 2.f), 0, 0);              // down: hue 90, chartreuse
    EXPECT_EQ(int(down[1]), 255);
    EXPECT_EQ(int(down[0]), 0);
    EXPECT(std::abs(int(down[2]) - 128) <= 1);
    const cv::Vec3b up = pixel(flowOf(0.f, -2.f), 0, 0);  // up: hue 270, violet
    EXPECT_EQ(int(up[0]), 255);
    EXPECT_EQ(int(up[1]), 0);
    EXPECT(pixel(flowOf(0.f, 0.f), 0, 0) == cv::Vec3b(255, 255, 255));  // still: white
    const cv::Vec3b half = pixel(flowOf(1.f, 0.f), 0, 0);               // half the magnitude: half saturation
    EXPECT_EQ(int(half[2]), 255);
    EXPECT(std::abs(int(half[0]) - 128) <= 1);
    // An explicit scale saturates larger flows.
    const auto f = torch::full({2, 3, 3}, 10.f);
    EXPECT(cv::norm(flowToColour(f, 1.f), flowToColour(f), cv::NORM_INF) == 0.0);
}

TEST_CASE(image_heat_and_semantics_colours) {
    auto heat = torch::linspace(0, 1, 256).view({1, 256});
    const cv::Mat coloured = heatToColour(heat);
    cv::Mat grey(1, 256, CV_8UC1);
    for (int i = 0; i < 256; ++i) grey.at<uchar>(0, i) = uchar(i);
    cv::Mat expected;
    cv::applyColorMap(grey, expected, cv::COLORMAP_TURBO);
    EXPECT(cv::norm(coloured, expected, cv::NORM_INF) <= 1.0);

    auto s = torch::zeros({2, 4, 4});
    s[0][1][1] = 1.f;
    s[1][2][2] = 0.5f;
    const cv::Mat drawn = semanticsToColour(s, {Rgb{255, 0, 0}, Rgb{0, 255, 0}});
    EXPECT(pixel(drawn, 1, 1) == cv::Vec3b(0, 0, 255));
    EXPECT(pixel(drawn, 2, 2) == cv::Vec3b(0, 128, 0));
    EXPECT(pixel(drawn, 0, 0) == cv::Vec3b(0, 0, 0));
    EXPECT_THROWS(Error, semanticsToColour(s, {Rgb{1, 2, 3}}), "2 channels");
}

TEST_CASE(image_person_crop_box_has_the_canvas_aspect_and_stays_in_the_photo) {
    const ImageSize canvas{176, 256};
    pose::Pose p;
    p.set(pose::JointId::Nose, 300.f, 100.f);
    p.set(pose::JointId::LeftAnkle, 320.f, 500.f);
    p.set(pose::JointId::RightWrist, 250.f, 300.f);
    const Box box = personCropBox(p, ImageSize{1000, 800}, canvas);
    EXPECT_NEAR(box.width / box.height, 176.0 / 256.0, 0.01);
    EXPECT(box.x <= 250 && box.right() >= 320 && box.y <= 100 && box.bottom() >= 500);
    EXPECT(box.x >= 0 && box.y >= 0 && box.right() <= 1000 && box.bottom() <= 800);
    EXPECT_NEAR(box.height, 400 * 1.4, 2.0);  // 20 % margin above and below
    EXPECT_NEAR(box.y + box.height / 2, 300, 1.0);

    // Near the border: shifted inside, aspect kept.
    pose::Pose edge = p.mapped([](Point2 q) { return Point2{q.x - 240.f, q.y}; });
    const Box shifted = personCropBox(edge, ImageSize{1000, 800}, canvas);
    EXPECT_EQ(shifted.x, 0.0);
    EXPECT_NEAR(shifted.width / shifted.height, 176.0 / 256.0, 0.01);

    // A person taller than a landscape photo: the box keeps the whole person and reaches past the photo
    // vertically, while it is still shifted inside horizontally.
    pose::Pose nearLeft = p.mapped([](Point2 q) { return Point2{q.x - 200.f, q.y - 50.f}; });
    const Box tall = personCropBox(nearLeft, ImageSize{1000, 450}, canvas);
    EXPECT(tall.y < 0 && tall.bottom() > 450);
    EXPECT_NEAR(tall.y + tall.height / 2, 250, 1.0);
    EXPECT_EQ(tall.x, 0.0);

    // Without a photo the box is centred on the person.
    const Box free = personCropBox(edge, std::nullopt, canvas);
    EXPECT_NEAR(free.x + free.width / 2, 45, 1.0);

    pose::Pose single;
    single.set(pose::JointId::Neck, 5.f, 5.f);
    EXPECT_THROWS(Error, personCropBox(single, ImageSize{100, 100}, canvas), "two joints");
}

TEST_CASE(image_distance_to_a_segment) {
    const Point2 a{0.f, 0.f}, b{10.f, 0.f};
    EXPECT_NEAR(distanceToSegment({5.f, 3.f}, a, b), 3.0, 1e-6);   // beside the segment: the perpendicular
    EXPECT_NEAR(distanceToSegment({-3.f, 4.f}, a, b), 5.0, 1e-6);  // before a: the distance to a
    EXPECT_NEAR(distanceToSegment({13.f, 4.f}, a, b), 5.0, 1e-6);  // past b: the distance to b
    EXPECT_NEAR(distanceToSegment({3.f, 4.f}, a, a), 5.0, 1e-6);   // a point-like segment
}

TEST_CASE(image_crop_and_paste_back_geometry) {
    const cv::Mat photo = gradientImage(200, 160);
    const Box box{40, 20, 88, 128};
    const cv::Mat canvas = cropToCanvas(photo, box, ImageSize{44, 64});  // half size
    EXPECT_EQ(canvas.cols, 44);
    EXPECT_EQ(canvas.rows, 64);
    // Point mapping agrees with the resize: the canvas pixel at a mapped point shows the photo's colour there.
    const BoxToCanvas map{box, 44, 64};
    const Point2 c = map.toCanvas({80.5f, 84.5f});
    EXPECT_NEAR(c.x, 20.0, 1e-4);
    EXPECT_NEAR(c.y, 32.0, 1e-4);
    const Point2 back = map.fromCanvas(c);
    EXPECT_NEAR(back.x, 80.5, 1e-4);
    EXPECT_NEAR(back.y, 84.5, 1e-4);

    // Pasting a white crop: white in the middle, untouched outside, a soft ramp at the inner edges.
    cv::Mat target = photo.clone();
    const cv::Mat white(64, 44, CV_8UC3, cv::Scalar(255, 255, 255));
    pasteBack(target, white, box, 8);
    EXPECT(pixel(target, 84, 84) == cv::Vec3b(255, 255, 255));
    EXPECT(pixel(target, 10, 10) == pixel(photo, 10, 10));
    EXPECT(pixel(target, 84, 150) == pixel(photo, 84, 150));
    const cv::Vec3b edge = pixel(target, 84, 40);   // first column of the box: weight 0.5/8
    const cv::Vec3b inner = pixel(target, 84, 44);  // 4.5 px in: weight 4.5/8
    EXPECT(edge[0] < inner[0] || inner[0] == 255);
    EXPECT(std::abs(int(edge[1]) - int(pixel(photo, 84, 40)[1])) < 20);

    // A box on the photo's border is not feathered on that side.
    cv::Mat onBorder = photo.clone();
    pasteBack(onBorder, white, Box{0, 20, 88, 128}, 8);
    EXPECT(pixel(onBorder, 84, 0) == cv::Vec3b(255, 255, 255));

    // Pasting an unmodified crop back changes the photo only by resampling.
    cv::Mat same = photo.clone();
    pasteBack(same, cropToCanvas(photo, box, ImageSize{88, 128}), box, 8);
    EXPECT_EQ(cv::norm(same, photo, cv::NORM_INF), 0.0);

    // A box reaching past the photo: the outside repeats the border; pasting back touches only the inside.
    const cv::Mat padded = cropToCanvas(photo, Box{-20, -10, 88, 128}, ImageSize{88, 128});
    EXPECT(pixel(padded, 0, 0) == pixel(photo, 0, 0));
    EXPECT(pixel(padded, 10, 20) == pixel(photo, 0, 0));
    EXPECT(pixel(padded, 50, 60) == pixel(photo, 40, 40));
    cv::Mat partly = photo.clone();
    pasteBack(partly, white, Box{150, 100, 88, 128}, 4);
    EXPECT(pixel(partly, 159, 199) == cv::Vec3b(255, 255, 255));
    EXPECT(pixel(partly, 50, 50) == pixel(photo, 50, 50));
    EXPECT_THROWS(Error, cropToCanvas(photo, Box{300, 0, 88, 128}, ImageSize{44, 64}), "outside");
}
