#include "marionette/engine/op_profile.h"

#include "marionette/util/error.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>

namespace marionette::engine {
namespace {

using Clock = std::chrono::steady_clock;

struct Started : at::ObserverContext {
    Clock::time_point start;
    bool outermost = false;
};

std::mutex g_mutex;
std::map<std::string, OpTime>* g_totals = nullptr;  // owned by the active OpProfile
std::atomic<bool> g_active{false};
bool g_withShapes = false;
thread_local int t_depth = 0;

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction&) {
    auto ctx = std::make_unique<Started>();
    ctx->outermost = t_depth++ == 0;
    if (ctx->outermost) ctx->start = Clock::now();
    return ctx;
}

void onEnd(const at::RecordFunction& fn, at::ObserverContext* context) {
    --t_depth;
    auto* ctx = static_cast<Started*>(context);
    if (!ctx || !ctx->outermost) return;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - ctx->start).count();
    std::string name = fn.name();
    if (g_withShapes) {
        for (const c10::IValue& input : fn.inputs()) {
            if (!input.isTensor() || !input.toTensor().defined()) continue;
            std::string sizes;
            for (int64_t size : input.toTensor().sizes()) sizes += (sizes.empty() ? "" : ",") + std::to_string(size);
            name += " [" + sizes + "]";
        }
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_totals) return;
    OpTime& t = (*g_totals)[name];
    t.name = name;
    t.milliseconds += ms;
    ++t.calls;
}

}  // namespace

OpProfile::OpProfile(bool withShapes) {
    if (g_active.exchange(true)) throw Error("only one operator profile can record at a time");
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_totals = new std::map<std::string, OpTime>();
        g_withShapes = withShapes;
    }
    m_handle = at::addGlobalCallback(
        at::RecordFunctionCallback(onStart, onEnd).needsInputs(withShapes).scopes({at::RecordScope::FUNCTION}));
}

OpProfile::~OpProfile() {
    at::removeCallback(m_handle);
    std::lock_guard<std::mutex> lock(g_mutex);
    delete g_totals;
    g_totals = nullptr;
    g_active = false;
}

std::vector<OpTime> OpProfile::totals() const {
    std::lock_guard<std::mutex> lock(g_mutex);
    std::vector<OpTime> rows;
    for (const auto& [name, t] : *g_totals) rows.push_back(t);
    std::sort(rows.begin(), rows.end(), [](const OpTime& a, const OpTime& b) { return a.milliseconds > b.milliseconds; });
    return rows;
}

std::string operatorTable(const std::vector<OpTime>& totals, int units, const std::string& unit, int rows) {
    double all = 0.0;
    std::size_t nameWidth = 34;
    for (const auto& t : totals) all += t.milliseconds;
    for (int i = 0; i < rows && i < static_cast<int>(totals.size()); ++i)
        nameWidth = std::max(nameWidth, totals[static_cast<std::size_t>(i)].name.size() + 2);
    const double per = std::max(1, units);
    std::ostringstream table;
    table << std::fixed << "  " << std::left << std::setw(static_cast<int>(nameWidth)) << "operator" << std::right << std::setw(10)
          << ("ms/" + unit) << std::setw(8) << "share" << std::setw(13) << ("calls/" + unit) << '\n';
    for (int i = 0; i < rows && i < static_cast<int>(totals.size()); ++i) {
        const auto& t = totals[static_cast<std::size_t>(i)];
        table << "  " << std::left << std::setw(static_cast<int>(nameWidth)) << t.name << std::right << std::setprecision(2)
              << std::setw(10) << t.milliseconds / per << std::setprecision(1) << std::setw(7) << (all > 0 ? 100.0 * t.milliseconds / all : 0.0)
              << "%" << std::setw(13) << static_cast<double>(t.calls) / per << '\n';
    }
    table << "  " << std::left << std::setw(static_cast<int>(nameWidth)) << "(all operators)" << std::right << std::setprecision(2)
          << std::setw(10) << all / per << '\n';
    return table.str();
}

}  // namespace marionette::engine
