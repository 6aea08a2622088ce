#include "cli/arguments.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace marionette::cli {

Arguments::Arguments(std::string verb, std::vector<Option> options)
    : m_verb(std::move(verb)), m_options(std::move(options)) {
    m_options.push_back({"--help", "", "show this help", "", false});
    for (std::size_t i = 0; i < m_options.size(); ++i) {
        for (std::size_t j = i + 1; j < m_options.size(); ++j) {
            if (m_options[i].name == m_options[j].name)
                throw std::logic_error("option " + m_options[i].name + " declared twice for " + m_verb);
        }
    }
}

const Option& Arguments::spec(const std::string& name) const {
    for (const auto& o : m_options) {
        if (o.name == name) return o;
    }
    throw std::logic_error("undeclared option " + name);
}

void Arguments::parse(const std::vector<std::string>& args) {
    m_given.clear();
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto found =
            std::find_if(m_options.begin(), m_options.end(), [&](const Option& o) { return o.name == arg; });
        if (found == m_options.end()) throw UsageError("unknown option \"" + arg + "\" for " + m_verb);
        if (has(arg)) throw UsageError("option " + arg + " given twice");
        if (found->valueName.empty()) {
            m_given.emplace_back(arg, "1");
            continue;
        }
        if (i + 1 >= args.size()) throw UsageError("option " + arg + " needs a value (" + found->valueName + ")");
        m_given.emplace_back(arg, args[++i]);
    }
    if (has("--help")) return;
    for (const auto& o : m_options) {
        if (o.required && !has(o.name)) throw UsageError("missing option " + o.name + " " + o.valueName);
    }
}

bool Arguments::has(const std::string& name) const {
    return std::any_of(m_given.begin(), m_given.end(), [&](const auto& g) { return g.first == name; });
}

std::string Arguments::value(const std::string& name) const {
    for (const auto& g : m_given) {
        if (g.first == name) return g.second;
    }
    const Option& o = spec(name);
    if (!o.defaultValue.empty()) return o.defaultValue;
    throw UsageError("missing option " + name);
}

int Arguments::intValue(const std::string& name) const {
    const std::string text = value(name);
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < -1000000000L || v > 1000000000L)
        throw UsageError("option " + name + " expects a whole number, got \"" + text + "\"");
    return static_cast<int>(v);
}

double Arguments::doubleValue(const std::string& name) const {
    const std::string text = value(name);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v))
        throw UsageError("option " + name + " expects a number, got \"" + text + "\"");
    return v;
}

std::string Arguments::choiceValue(const std::string& name, const std::vector<std::string>& choices) const {
    const std::string text = value(name);
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
    std::string listed;
    for (std::size_t i = 0; i < choices.size(); ++i)
        listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    throw UsageError("option " + name + " expects " + listed + ", got \"" + text + "\"");
}

std::string defaultCanvasSizes(const std::string& bodyName, const std::string& faceName) {
    const auto canvas = [](const model::ModelConfig& c) {
        return std::to_string(c.height) + "x" + std::to_string(c.canvasWidth);
    };
    return canvas(model::ModelConfig::body()) + " (" + bodyName + "), " + canvas(model::ModelConfig::face()) + " (" +
           faceName + ")";
}

std::pair<int, int> Arguments::sizeValue(const std::string& name, const model::ModelConfig& config) const {
    return has(name) ? sizeValue(name) : std::pair{config.height, config.canvasWidth};
}

std::pair<int, int> Arguments::sizeValue(const std::string& name) const {
    const std::string text = value(name);
    const auto x = text.find('x');
    char* end1 = nullptr;
    char* end2 = nullptr;
    // strtol's end pointer points into the string it read: it must outlive the checks below.
    const std::string first = x == std::string::npos ? "" : text.substr(0, x);
    const long h = x == std::string::npos ? 0 : std::strtol(first.c_str(), &end1, 10);
    const std::string rest = x == std::string::npos ? "" : text.substr(x + 1);
    const long w = std::strtol(rest.c_str(), &end2, 10);
    if (x == std::string::npos || *end1 != '\0' || rest.empty() || *end2 != '\0' || h < 16 || w < 16 || h > 4096 ||
        w > 4096 || h % 16 != 0 || w % 16 != 0)
        throw UsageError("option " + name + " expects HEIGHTxWIDTH, both multiples of 16 between 16 and 4096, got \"" +
                         text + "\"");
    return {static_cast<int>(h), static_cast<int>(w)};
}

std::string Arguments::help() const {
    std::ostringstream out;
    out << "usage: " << programName() << ' ' << m_verb << " [options]\n";
    for (const auto& o : m_options) {
        std::string left = "  " + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
        out << left << std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') << o.help;
        if (!o.defaultValue.empty()) out << " (default " << o.defaultValue << ")";
        if (o.required) out << " (required)";
        out << '\n';
    }
    return out.str();
}

namespace {
std::string& program() {
    static std::string name = "marionette-cli";
    return name;
}
}  // namespace

void setProgramName(std::string name) { program() = std::move(name); }
const std::string& programName() { return program(); }

}  // namespace marionette::cli
