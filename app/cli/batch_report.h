#pragma once
// How a verb that runs many inputs reports them: a progress line (count, rate, ETA) rewritten in place on a
// terminal, one plain line per input otherwise; a summary table at the end. A failed input is reported and
// the run goes on; the verb's exit code is 1 when any failed.
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace marionette::cli {

class BatchReport {
public:
    // `progress` receives the progress line (stderr in the programs); `live` rewrites it in place (a terminal).
    BatchReport(std::size_t total, std::ostream& progress, bool live);

    // Each input once, when it is done, with the seconds it took. Not thread-safe: callers serialise.
    void succeeded(const std::string& input, const std::string& output, double seconds);
    void failed(const std::string& input, const std::string& why, double seconds);

    // One row per input (input, result, seconds, output or error), then the totals.
    void printSummary(std::ostream& out) const;
    std::size_t failures() const { return m_failures; }
    int exitCode() const;

private:
    struct Row {
        std::string input;
        bool ok = false;
        double seconds = 0;
        std::string detail;  // the output written, or why it failed
    };
    void finish(Row row);
    double elapsedSeconds() const;

    std::size_t m_total;
    std::ostream& m_progress;
    bool m_live;
    std::chrono::steady_clock::time_point m_start;
    std::vector<Row> m_rows;
    std::size_t m_failures = 0;
};

// Whether `stream` is the process's stderr and that is a terminal (then BatchReport draws live).
bool isTerminal(const std::ostream& stream);

}  // namespace marionette::cli
