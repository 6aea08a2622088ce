#include "cli/batch_report.h"

#include "cli/command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace marionette::cli {
namespace {

std::string durationText(double seconds) {
    std::ostringstream text;
    if (seconds < 90)
        text << std::lround(seconds) << " s";
    else
        text << std::lround(seconds / 60) << " min";
    return text.str();
}

}  // namespace

bool isTerminal(const std::ostream& stream) { return &stream == &std::cerr && ::isatty(STDERR_FILENO) == 1; }

BatchReport::BatchReport(std::size_t total, std::ostream& progress, bool live)
    : m_total(total), m_progress(progress), m_live(live), m_start(std::chrono::steady_clock::now()) {}

double BatchReport::elapsedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
}

void BatchReport::succeeded(const std::string& input, const std::string& output, double seconds) {
    finish({input, true, seconds, output});
}

void BatchReport::failed(const std::string& input, const std::string& why, double seconds) {
    ++m_failures;
    finish({input, false, seconds, why});
}

void BatchReport::finish(Row row) {
    m_rows.push_back(row);
    const std::size_t done = m_rows.size();
    const double elapsed = elapsedSeconds();
    const double rate = elapsed > 0 ? done / elapsed : 0;
    const double eta = rate > 0 ? (m_total - done) / rate : 0;
    std::ostringstream line;
    line << '[' << done << '/' << m_total << "] " << std::fixed << std::setprecision(2) << rate << " inputs/s, ETA "
         << durationText(eta);
    if (m_live) {
        // A failure stays on screen as its own line; the progress line is redrawn below it.
        if (!row.ok) m_progress << "\r\033[K" << row.input << ": FAILED: " << row.detail << '\n';
        m_progress << "\r\033[K" << line.str() << "  " << row.input << (done == m_total ? "\n" : "") << std::flush;
    } else {
        m_progress << line.str() << "  " << row.input << ": " << (row.ok ? "wrote " : "FAILED: ") << row.detail << '\n';
    }
}

void BatchReport::printSummary(std::ostream& out) const {
    std::size_t width = 5;
    for (const auto& row : m_rows) width = std::max(width, row.input.size());
    width = std::min<std::size_t>(width, 60);
    out << std::left << std::setw(static_cast<int>(width)) << "input"
        << "  result  seconds  output or error\n";
    for (const auto& row : m_rows) {
        out << std::left << std::setw(static_cast<int>(width)) << row.input << "  " << std::setw(6)
            << (row.ok ? "ok" : "FAILED") << "  " << std::right << std::setw(7) << std::fixed << std::setprecision(1)
            << row.seconds << "  " << row.detail << '\n';
    }
    const double elapsed = elapsedSeconds();
    out << (m_rows.size() - m_failures) << " done, " << m_failures << " failed, in " << std::fixed
        << std::setprecision(1) << elapsed << " s (" << std::setprecision(2)
        << (elapsed > 0 ? m_rows.size() / elapsed : 0.0) << " inputs/s)\n";
}

int BatchReport::exitCode() const { return m_failures > 0 ? kExitFailure : kExitOk; }

}  // namespace marionette::cli
