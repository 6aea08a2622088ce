#include "marionette/engine/op_profile.h"

#include "marionette/util/error.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>

namespace marionette::engine {
namespace {

using Clock = std::chrono::steady_clock;

struct Started : at::ObserverContext {
    Clock::time_point start;
    bool outermost = false;
    std::string name;
    double flops = 0.0;
};

std::mutex g_mutex;
std::map<std::string, OpTime>* g_totals = nullptr;  // owned by the active OpProfile
std::atomic<bool> g_active{false};
bool g_withShapes = false;
thread_local int t_depth = 0;

std::vector<int64_t> intList(const c10::IValue& value, std::size_t dims, int64_t fallback) {
    std::vector<int64_t> out(dims, fallback);
    if (!value.isIntList()) return out;
    const auto list = value.toIntVector();
    for (std::size_t i = 0; i < dims && !list.empty(); ++i) out[i] = list[std::min(i, list.size() - 1)];
    return out;
}

// 2 M K N per product, with batch dimensions (broadcast by matmul) multiplying it.
double productFlops(const at::Tensor& a, const at::Tensor& b) {
    if (a.dim() == 0 || b.dim() == 0) return 0.0;
    const double k = static_cast<double>(a.size(-1));
    const double m = a.dim() >= 2 ? static_cast<double>(a.size(-2)) : 1.0;
    const double n = b.dim() >= 2 ? static_cast<double>(b.size(-1)) : 1.0;
    if (k == 0.0 || m == 0.0 || n == 0.0) return 0.0;
    const double batch = std::max(static_cast<double>(a.numel()) / (m * k), static_cast<double>(b.numel()) / (k * n));
    return 2.0 * batch * m * k * n;
}

const at::Tensor* tensorAt(const std::vector<c10::IValue>& inputs, std::size_t i) {
    if (i >= inputs.size() || !inputs[i].isTensor() || !inputs[i].toTensor().defined()) return nullptr;
    return &inputs[i].toTensor();
}

}  // namespace

double operatorFlops(const std::string& op, const std::vector<c10::IValue>& inputs) {
    const auto product = [&](std::size_t first) {
        const at::Tensor* a = tensorAt(inputs, first);
        const at::Tensor* b = tensorAt(inputs, first + 1);
        return a && b ? productFlops(*a, *b) : 0.0;
    };
    if (op == "aten::mm" || op == "aten::bmm" || op == "aten::matmul") return product(0);
    if (op == "aten::addmm" || op == "aten::baddbmm") return product(1);
    if (op == "aten::linear") {
        const at::Tensor* x = tensorAt(inputs, 0);
        const at::Tensor* w = tensorAt(inputs, 1);
        return x && w && w->dim() == 2 ? 2.0 * static_cast<double>(x->numel()) * static_cast<double>(w->size(0)) : 0.0;
    }
    if (op == "aten::conv2d") {
        // conv2d(input, weight, bias, stride, padding, dilation, groups); padding may be "same" or "valid".
        const at::Tensor* x = tensorAt(inputs, 0);
        const at::Tensor* w = tensorAt(inputs, 1);
        if (!x || !w || x->dim() != 4 || w->dim() != 4) return 0.0;
        const auto stride = intList(inputs.size() > 3 ? inputs[3] : c10::IValue(), 2, 1);
        const auto dilation = intList(inputs.size() > 5 ? inputs[5] : c10::IValue(), 2, 1);
        std::vector<int64_t> padding(2, 0);
        bool same = false;
        if (inputs.size() > 4 && inputs[4].isIntList())
            padding = intList(inputs[4], 2, 0);
        else if (inputs.size() > 4 && inputs[4].isString())
            same = inputs[4].toStringRef() == "same";
        double outputPixels = 1.0;
        for (int d = 0; d < 2; ++d) {
            const int64_t size = x->size(2 + d);
            const int64_t kernel = w->size(2 + d);
            const int64_t out = same ? size : (size + 2 * padding[d] - dilation[d] * (kernel - 1) - 1) / stride[d] + 1;
            outputPixels *= static_cast<double>(std::max<int64_t>(out, 0));
        }
        // Each output value of each image takes one multiply-add per weight of its output channel.
        return 2.0 * static_cast<double>(x->size(0)) * outputPixels * static_cast<double>(w->numel());
    }
    return 0.0;
}

namespace {

// Arguments can be read only here: by the end callback, list arguments may point at freed memory.
std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& fn) {
    auto ctx = std::make_unique<Started>();
    ctx->outermost = t_depth++ == 0;
    if (!ctx->outermost) return ctx;
    ctx->name = fn.name();
    const auto arguments = fn.inputs();
    ctx->flops = operatorFlops(ctx->name, std::vector<c10::IValue>(arguments.begin(), arguments.end()));
    if (g_withShapes) {
        for (const c10::IValue& input : arguments) {
            if (!input.isTensor() || !input.toTensor().defined()) continue;
            std::string sizes;
            for (int64_t size : input.toTensor().sizes()) sizes += (sizes.empty() ? "" : ",") + std::to_string(size);
            ctx->name += " [" + sizes + "]";
        }
    }
    ctx->start = Clock::now();
    return ctx;
}

void onEnd(const at::RecordFunction&, at::ObserverContext* context) {
    --t_depth;
    auto* ctx = static_cast<Started*>(context);
    if (!ctx || !ctx->outermost) return;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - ctx->start).count();
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_totals) return;
    OpTime& t = (*g_totals)[ctx->name];
    t.name = ctx->name;
    t.milliseconds += ms;
    t.flops += ctx->flops;
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
        at::RecordFunctionCallback(onStart, onEnd).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
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
    std::sort(rows.begin(), rows.end(),
              [](const OpTime& a, const OpTime& b) { return a.milliseconds > b.milliseconds; });
    return rows;
}

std::string operatorTable(const std::vector<OpTime>& totals, int units, const std::string& unit, int rows) {
    double all = 0.0, counted = 0.0, countedMs = 0.0;
    std::size_t nameWidth = 34;
    for (const auto& t : totals) {
        all += t.milliseconds;
        if (t.flops > 0.0) {
            counted += t.flops;
            countedMs += t.milliseconds;
        }
    }
    for (int i = 0; i < rows && i < static_cast<int>(totals.size()); ++i)
        nameWidth = std::max(nameWidth, totals[static_cast<std::size_t>(i)].name.size() + 2);
    const double per = std::max(1, units);
    const auto rate = [](double flops, double ms) { return ms > 0.0 ? flops / ms / 1e6 : 0.0; };  // GFLOP/s
    const auto name = [&](const std::string& text) {
        std::ostringstream cell;
        cell << "  " << std::left << std::setw(static_cast<int>(nameWidth)) << text << std::right;
        return cell.str();
    };
    std::ostringstream table;
    table << std::fixed << name("operator") << std::setw(10) << ("ms/" + unit) << std::setw(8) << "share"
          << std::setw(13) << ("calls/" + unit) << std::setw(14) << ("GFLOP/" + unit) << std::setw(9) << "GFLOP/s"
          << '\n';
    for (int i = 0; i < rows && i < static_cast<int>(totals.size()); ++i) {
        const auto& t = totals[static_cast<std::size_t>(i)];
        table << name(t.name) << std::setprecision(2) << std::setw(10) << t.milliseconds / per << std::setprecision(1)
              << std::setw(7) << (all > 0 ? 100.0 * t.milliseconds / all : 0.0) << "%" << std::setw(13)
              << static_cast<double>(t.calls) / per;
        if (t.flops > 0.0)
            table << std::setprecision(3) << std::setw(14) << t.flops / per / 1e9 << std::setprecision(0)
                  << std::setw(9) << rate(t.flops, t.milliseconds);
        table << '\n';
    }
    table << name("(all operators)") << std::setprecision(2) << std::setw(10) << all / per << '\n';
    table << name("(convolutions, matrix products)") << std::setprecision(2) << std::setw(10) << countedMs / per
          << std::setprecision(1) << std::setw(7) << (all > 0 ? 100.0 * countedMs / all : 0.0) << "%" << std::setw(13)
          << "" << std::setprecision(3) << std::setw(14) << counted / per / 1e9 << std::setprecision(0) << std::setw(9)
          << rate(counted, countedMs) << '\n';
    return table.str();
}

}  // namespace marionette::engine
