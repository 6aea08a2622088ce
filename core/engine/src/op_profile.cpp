#include "marionette/engine/op_profile.h"

#include "marionette/util/error.h"

#include <ATen/record_function.h>

#include <algorithm>
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
            if (!input.isTensor()) continue;
            name += " [";
            for (int64_t size : input.toTensor().sizes()) name += std::to_string(size) + ",";
            name.back() = ']';
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

}  // namespace marionette::engine
