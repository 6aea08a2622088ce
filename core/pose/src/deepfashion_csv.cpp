#include "marionette/pose/deepfashion_csv.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

namespace marionette::pose {
namespace {

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

// "[57, 87, -1]" -> {57, 87, -1}; refuses anything else with `where` in the message.
std::vector<float> parseBracketList(const std::string& field, const std::string& where) {
    const std::string s = trim(field);
    if (s.size() < 2 || s.front() != '[' || s.back() != ']') throw Error(where + ": expected a list like [1, 2, 3]");
    std::vector<float> values;
    std::istringstream in(s.substr(1, s.size() - 2));
    std::string item;
    while (std::getline(in, item, ',')) {
        const std::string t = trim(item);
        char* end = nullptr;
        const double v = std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size()) throw Error(where + ": \"" + t + "\" is not a number");
        values.push_back(static_cast<float>(v));
    }
    return values;
}

std::string joinList(const std::vector<float>& values) {
    std::ostringstream out;
    out << std::setprecision(9) << '[';
    for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
    out << ']';
    return out.str();
}

}  // namespace

std::vector<NamedPose> parseDeepFashionKeypoints(const std::string& text, const std::string& sourceName) {
    const auto rows = lines(text);
    if (rows.empty() || trim(rows[0]) != "name:keypoints_y:keypoints_x")
        throwFileError(sourceName,
                       "not a DeepFashion keypoint file: the first line must be name:keypoints_y:keypoints_x");
    std::vector<NamedPose> out;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        if (trim(rows[r]).empty()) continue;
        const std::string where = sourceName + ": line " + std::to_string(r + 1);
        const auto first = rows[r].find(':');
        const auto second = first == std::string::npos ? first : rows[r].find(':', first + 1);
        if (second == std::string::npos) throw Error(where + ": expected name: [y...]: [x...]");
        NamedPose named;
        named.name = trim(rows[r].substr(0, first));
        if (named.name.empty()) throw Error(where + ": the image name is empty");
        const auto ys = parseBracketList(rows[r].substr(first + 1, second - first - 1), where);
        const auto xs = parseBracketList(rows[r].substr(second + 1), where);
        if (ys.size() != kJointCount || xs.size() != kJointCount) {
            throw Error(where + ": " + std::to_string(ys.size()) + " y and " + std::to_string(xs.size()) +
                        " x values; expected 18 of each (COCO-18)");
        }
        for (int j = 0; j < kJointCount; ++j) {
            const float y = ys[static_cast<std::size_t>(j)];
            const float x = xs[static_cast<std::size_t>(j)];
            if (x == -1.f || y == -1.f) continue;  // DeepFashion's "missing"
            named.pose.set(jointAt(j), x, y, 1.f);
        }
        validate(named.pose, where);
        out.push_back(std::move(named));
    }
    return out;
}

std::vector<NamedPose> readDeepFashionKeypoints(const std::string& path) {
    return parseDeepFashionKeypoints(files::readAll(path, kMaxAnnotationCsvBytes), path);
}

std::string toDeepFashionKeypoints(const std::vector<NamedPose>& poses) {
    std::ostringstream out;
    out << "name:keypoints_y:keypoints_x\n";
    for (const auto& named : poses) {
        if (named.name.find(':') != std::string::npos || named.name.find('\n') != std::string::npos)
            throw Error("image name \"" + named.name +
                        "\" cannot be written to a DeepFashion file (contains ':' or a newline)");
        validate(named.pose, named.name);
        std::vector<float> ys, xs;
        for (int j = 0; j < kJointCount; ++j) {
            const auto k = named.pose.find(jointAt(j));
            ys.push_back(k ? k->position.y : -1.f);
            xs.push_back(k ? k->position.x : -1.f);
        }
        out << named.name << ": " << joinList(ys) << ": " << joinList(xs) << '\n';
    }
    return out.str();
}

void writeDeepFashionKeypoints(const std::string& path, const std::vector<NamedPose>& poses) {
    files::writeAtomically(path, toDeepFashionKeypoints(poses));
}

std::vector<ImagePair> parseDeepFashionPairs(const std::string& text, const std::string& sourceName) {
    const auto rows = lines(text);
    if (rows.empty() || trim(rows[0]) != "from,to")
        throwFileError(sourceName, "not a DeepFashion pairs file: the first line must be from,to");
    std::vector<ImagePair> out;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const std::string row = trim(rows[r]);
        if (row.empty()) continue;
        const auto comma = row.find(',');
        if (comma == std::string::npos || row.find(',', comma + 1) != std::string::npos)
            throwFileError(sourceName, "line " + std::to_string(r + 1) + ": expected two names separated by one comma");
        ImagePair pair{trim(row.substr(0, comma)), trim(row.substr(comma + 1))};
        if (pair.from.empty() || pair.to.empty())
            throwFileError(sourceName, "line " + std::to_string(r + 1) + ": an image name is empty");
        out.push_back(std::move(pair));
    }
    return out;
}

std::vector<ImagePair> readDeepFashionPairs(const std::string& path) {
    return parseDeepFashionPairs(files::readAll(path, kMaxAnnotationCsvBytes), path);
}

std::string toDeepFashionPairs(const std::vector<ImagePair>& pairs) {
    std::string out = "from,to\n";
    for (const auto& p : pairs) {
        if (p.from.find_first_of(",\n") != std::string::npos || p.to.find_first_of(",\n") != std::string::npos)
            throw Error("image pair \"" + p.from + "\", \"" + p.to +
                        "\" cannot be written (a name contains ',' or a newline)");
        out += p.from + "," + p.to + "\n";
    }
    return out;
}

void writeDeepFashionPairs(const std::string& path, const std::vector<ImagePair>& pairs) {
    files::writeAtomically(path, toDeepFashionPairs(pairs));
}

}  // namespace marionette::pose
