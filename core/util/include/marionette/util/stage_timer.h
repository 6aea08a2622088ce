#pragma once
// Times named stages of a computation (llama.cpp's time_meas idea): a scoped Stage adds its wall time to
// the timer. A synchronise hook (for CUDA) runs before each clock read so that queued work is counted.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace marionette {

struct StageTiming {
    std::string stage;
    double milliseconds = 0.0;
};

class StageTimer {
public:
    explicit StageTimer(std::function<void()> synchronize = {}) : m_synchronize(std::move(synchronize)) {}

    class Stage {
    public:
        Stage(StageTimer* timer, const char* name) : m_timer(timer), m_name(name) {
            if (m_timer) m_start = m_timer->now();
        }
        ~Stage() {
            if (m_timer)
                m_timer->add(m_name, std::chrono::duration<double, std::milli>(m_timer->now() - m_start).count());
        }
        Stage(const Stage&) = delete;
        Stage& operator=(const Stage&) = delete;

    private:
        StageTimer* m_timer;
        const char* m_name;
        std::chrono::steady_clock::time_point m_start;
    };

    void add(const std::string& stage, double ms) {
        for (auto& t : m_timings) {
            if (t.stage == stage) {
                t.milliseconds += ms;
                return;
            }
        }
        m_timings.push_back({stage, ms});
    }
    const std::vector<StageTiming>& timings() const { return m_timings; }
    double total() const {
        double sum = 0;
        for (const auto& t : m_timings) sum += t.milliseconds;
        return sum;
    }

private:
    std::chrono::steady_clock::time_point now() {
        if (m_synchronize) m_synchronize();
        return std::chrono::steady_clock::now();
    }

    std::function<void()> m_synchronize;
    std::vector<StageTiming> m_timings;
};

}  // namespace marionette
