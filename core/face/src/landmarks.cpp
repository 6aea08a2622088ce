#include "marionette/face/landmarks.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <vector>

namespace marionette::face {
namespace {

constexpr float kMaxCoordinate = 100000.f;  // the same bound as body poses: beyond any supported image

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

}  // namespace

Box FaceLandmarks::bounds() const {
    float minX = points[0].x, maxX = points[0].x, minY = points[0].y, maxY = points[0].y;
    for (const auto& p : points) {
        minX = std::min(minX, p.x);
        maxX = std::max(maxX, p.x);
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    return {minX, minY, double(maxX) - minX, double(maxY) - minY};
}

FaceLandmarks FaceLandmarks::mirrored(float axisX) const {
    FaceLandmarks out;
    for (int i = 0; i < kLandmarkCount; ++i) {
        const Point2 p = points[static_cast<std::size_t>(i)];
        out.points[static_cast<std::size_t>(mirrorLandmark(i))] = {2.f * axisX - p.x, p.y};
    }
    return out;
}

FaceLandmarks FaceLandmarks::mapped(const std::function<Point2(Point2)>& f) const {
    FaceLandmarks out;
    for (std::size_t i = 0; i < points.size(); ++i) out.points[i] = f(points[i]);
    return out;
}

bool FaceLandmarks::operator==(const FaceLandmarks& other) const {
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (points[i].x != other.points[i].x || points[i].y != other.points[i].y) return false;
    }
    return true;
}

void validate(const FaceLandmarks& landmarks, const std::string& what) {
    for (int i = 0; i < kLandmarkCount; ++i) {
        const Point2 p = landmarks.points[static_cast<std::size_t>(i)];
        std::ostringstream where;
        where << what << ": landmark " << i << " (" << partInfo(partOf(i)).label << ") at (" << p.x << ", " << p.y
              << ")";
        if (!isFinite(p)) throw Error(where.str() + " is not a finite number");
        if (p.x < 0.f || p.y < 0.f) throw Error(where.str() + " has a negative coordinate");
        if (p.x > kMaxCoordinate || p.y > kMaxCoordinate)
            throw Error(where.str() + " is beyond the largest supported image");
    }
}

FaceLandmarks parsePts(const std::string& text, const std::string& sourceName) {
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> rows;
    while (std::getline(in, line)) {
        line = trim(line);
        if (!line.empty()) rows.push_back(line);
    }
    // Header: optional "version: 1", then "n_points: 68", then "{".
    std::size_t r = 0;
    if (r < rows.size() && rows[r].rfind("version:", 0) == 0) ++r;
    if (r >= rows.size() || rows[r].rfind("n_points:", 0) != 0)
        throwFileError(sourceName, "not a .pts file: no n_points line");
    const std::string countText = trim(rows[r].substr(9));
    char* end = nullptr;
    const long count = std::strtol(countText.c_str(), &end, 10);
    if (countText.empty() || *end != '\0') throwFileError(sourceName, "n_points is not a number");
    if (count != kLandmarkCount)
        throwFileError(sourceName, "has " + std::to_string(count) + " points; expected 68 (the iBUG layout)");
    ++r;
    if (r >= rows.size() || rows[r] != "{") throwFileError(sourceName, "expected '{' after n_points");
    ++r;
    FaceLandmarks landmarks;
    for (int i = 0; i < kLandmarkCount; ++i, ++r) {
        if (r >= rows.size() || rows[r] == "}")
            throwFileError(sourceName, "only " + std::to_string(i) + " of 68 points before the end");
        std::istringstream values(rows[r]);
        double x = 0, y = 0;
        std::string extra;
        if (!(values >> x >> y) || (values >> extra))
            throwFileError(sourceName,
                           "point " + std::to_string(i) + ": expected two numbers, got \"" + rows[r] + "\"");
        landmarks.points[static_cast<std::size_t>(i)] = {static_cast<float>(x), static_cast<float>(y)};
    }
    if (r >= rows.size() || rows[r] != "}") throwFileError(sourceName, "more than 68 points, or no closing '}'");
    validate(landmarks, sourceName);
    return landmarks;
}

FaceLandmarks readPts(const std::string& path) { return parsePts(files::readAll(path, kMaxPtsBytes), path); }

std::string toPts(const FaceLandmarks& landmarks) {
    validate(landmarks, "landmarks");
    std::ostringstream out;
    out << "version: 1\nn_points: " << kLandmarkCount << "\n{\n" << std::setprecision(9);
    for (const auto& p : landmarks.points) out << p.x << ' ' << p.y << '\n';
    out << "}\n";
    return out.str();
}

void writePts(const std::string& path, const FaceLandmarks& landmarks) {
    files::writeAtomically(path, toPts(landmarks));
}

}  // namespace marionette::face
