#include "marionette/train/loss_log.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>

namespace marionette::train {
namespace {

std::vector<std::string> splitFields(const std::string& line) {
    std::vector<std::string> fields;
    std::stringstream in(line);
    std::string field;
    while (std::getline(in, field, ',')) fields.push_back(field);
    return fields;
}

}  // namespace

const std::vector<std::string>& lossLogTerms() {
    static const std::vector<std::string> terms{"attn", "flow", "regu", "perc", "face",  "style",
                                                "adv",  "l1",   "warp", "skel", "sflow", "vis"};
    return terms;
}

std::string lossLogHeader() {
    std::string header = "step,stage,images,seconds";
    for (const auto& term : lossLogTerms()) header += "," + term;
    return header + ",total,discriminator";
}

std::string lossLogRow(int step, int stage, long long images, double seconds,
                       const std::map<std::string, double>& terms, double total, double discriminator) {
    std::ostringstream row;
    row << step << ',' << stage << ',' << images << ',' << std::fixed << std::setprecision(2) << seconds
        << std::setprecision(6);
    for (const auto& term : lossLogTerms()) {
        const auto it = terms.find(term);
        row << ',' << (it == terms.end() ? 0.0 : it->second);
    }
    row << ',' << total << ',' << discriminator;
    return row.str();
}

bool upgradeLossLog(const std::string& path) {
    if (!std::filesystem::exists(path)) return false;
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read the loss log");
    std::string headerLine;
    std::getline(in, headerLine);
    if (headerLine == lossLogHeader()) return false;
    const auto oldColumns = splitFields(headerLine);
    if (oldColumns.empty() || oldColumns.front() != "step")
        throw Error(path +
                    ": not a loss log (its first line does not start with \"step\"); move it out of the run folder");
    const auto newColumns = splitFields(lossLogHeader());
    std::ostringstream out;
    out << lossLogHeader() << '\n';
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto fields = splitFields(line);
        for (std::size_t c = 0; c < newColumns.size(); ++c) {
            std::string value = "0";
            for (std::size_t o = 0; o < oldColumns.size(); ++o)
                if (oldColumns[o] == newColumns[c] && o < fields.size()) value = fields[o];
            out << (c ? "," : "") << value;
        }
        out << '\n';
    }
    files::writeAtomically(path, out.str());
    return true;
}

int trimLossLog(const std::string& path, int lastStep) {
    if (!std::filesystem::exists(path)) return 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot read the loss log");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t headerEnd = text.find('\n');
    if (headerEnd == std::string::npos) {  // killed before the header was written whole
        std::filesystem::remove(path);
        return text.empty() ? 0 : 1;
    }
    const std::string header = text.substr(0, headerEnd);
    if (header.rfind("step,", 0) != 0) return 0;  // upgradeLossLog refuses it with the reason
    const std::size_t columns = splitFields(header).size();
    std::string kept = header + '\n';
    int dropped = 0, previous = -1;
    std::size_t start = headerEnd + 1;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {  // the last row, cut short
            ++dropped;
            break;
        }
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty()) continue;
        const auto fields = splitFields(line);
        char* rest = nullptr;
        const long step = fields.empty() ? -1 : std::strtol(fields.front().c_str(), &rest, 10);
        const bool whole = fields.size() == columns && rest && *rest == '\0' && step >= 0;
        if (!whole || step > lastStep || step <= previous) {
            ++dropped;
            continue;
        }
        previous = static_cast<int>(step);
        kept += line + '\n';
    }
    if (dropped > 0) files::writeAtomically(path, kept);
    return dropped;
}

}  // namespace marionette::train
