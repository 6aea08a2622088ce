#include "marionette/train/loss_log.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
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
    static const std::vector<std::string> terms{"attn", "flow", "regu", "perc", "face", "style",
                                                "adv",  "l1",   "warp", "skel", "sflow"};
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

}  // namespace marionette::train
