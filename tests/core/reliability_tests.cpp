// A training run killed at the worst moments and resumed: each trainer runs in a child process that dies by a
// signal (SIGKILL between steps, SIGXFSZ in the middle of a checkpoint write), and the next resumes the run.
// The parent never runs LibTorch itself, so the children fork from a process without OpenMP threads.
#include "check.h"
#include "moving_squares.h"

#include "marionette/train/loss_log.h"
#include "marionette/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace marionette;
using namespace marionette::train;

namespace {

struct Outcome {
    int resumedAt = -1;  // the step the child's trainer started from (-1: it never got there)
    int signal = 0;      // the signal that ended it, 0 when it exited
    int exitCode = -1;
};

// Runs a trainer in a child process: it writes the step it starts from to `dir`/started, then trains.
// `prepare` runs in the child before training (an observer that kills it, a file size limit).
Outcome trainInChild(const TrainOptions& options, const std::function<void(Trainer&)>& prepare) {
    const std::string started = options.runDirectory + "/../started";
    std::filesystem::remove(started);
    const pid_t child = ::fork();
    if (child == 0) {
        int code = 0;
        try {
            at::set_num_threads(1);
            Trainer trainer(options, std::make_shared<test::MovingSquares>(32));
            std::ofstream(started) << trainer.step() << '\n';
            prepare(trainer);
            trainer.run();
        } catch (const std::exception& e) {
            std::cerr << "    child: " << e.what() << '\n';
            code = 2;
        }
        ::_exit(code);
    }
    Outcome outcome;
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child) return outcome;
    if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
    if (WIFEXITED(status)) outcome.exitCode = WEXITSTATUS(status);
    std::ifstream in(started);
    in >> outcome.resumedAt;
    return outcome;
}

// Kills its own process when a step is reached, as SIGKILL from outside would between two steps.
struct KillAt : TrainingObserver {
    explicit KillAt(int step) : step(step) {}
    void onLosses(int s, int, const StepLosses&) override {
        if (s == step) std::raise(SIGKILL);
    }
    int step;
};

std::vector<std::string> linesOf(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> leftoversIn(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.front() == '.' || name.find(".tmp") != std::string::npos) found.push_back(name);
    }
    return found;
}

}  // namespace

TEST_CASE(resume_of_a_killed_trainer_starts_at_its_last_complete_checkpoint_with_one_loss_log) {
    const std::string dir = test::tempPath("killed/run");
    std::filesystem::create_directories(dir);
    TrainOptions o = test::tinyTrainOptions(dir);
    o.batchSize = 2;
    o.threads = 1;
    o.stage1Steps = 6;
    o.stage2Steps = 3;
    o.checkpointEvery = 3;
    o.resume = true;

    // Killed at step 5: checkpoint 3 is the last complete one, and the log has rows up to step 4.
    KillAt atFive(5);
    const Outcome first = trainInChild(o, [&](Trainer& t) { t.setObserver(&atFive); });
    EXPECT_EQ(first.resumedAt, 0);
    EXPECT_EQ(first.signal, SIGKILL);

    // Resumed at 3, then killed in the middle of writing checkpoint 6: a file size limit below a checkpoint's
    // size ends the process (SIGXFSZ) at that write and at no other (the loss log stays far smaller).
    const Outcome second = trainInChild(o, [](Trainer&) {
        const rlimit limit{256 * 1024, 256 * 1024};
        ::setrlimit(RLIMIT_FSIZE, &limit);
    });
    EXPECT_EQ(second.resumedAt, 3);
    EXPECT_EQ(second.signal, SIGXFSZ);

    // The half-written checkpoint 6 is not taken: resumed at 3 again, and this time trained to the end. The
    // unfinished file is gone before it trains.
    const auto unfinished = leftoversIn(dir);
    EXPECT_EQ(unfinished.size(), std::size_t(1));
    const std::string seenAtStart = dir + "/../leftovers";
    const Outcome third = trainInChild(o, [&](Trainer&) {
        std::ofstream out(seenAtStart);
        for (const auto& name : leftoversIn(dir)) out << name << ' ';
    });
    const auto leftAtStart = linesOf(seenAtStart);
    EXPECT_EQ(leftAtStart.size(), std::size_t(0));
    EXPECT_EQ(third.resumedAt, 3);
    EXPECT_EQ(third.exitCode, 0);
    EXPECT(std::filesystem::exists(dir + "/checkpoint-000000009.pt"));

    // One loss log: the header once, then one complete row per step, steps rising by one.
    const auto lines = linesOf(dir + "/losses.csv");
    const std::string header = lossLogHeader();
    EXPECT(!lines.empty() && lines.front() == header);
    const auto columns = std::count(header.begin(), header.end(), ',');
    std::vector<int> steps;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), ','), columns);
        steps.push_back(std::atoi(lines[i].c_str()));
    }
    std::ostringstream seen;
    for (int s : steps) seen << s << ' ';
    EXPECT_EQ(seen.str(), std::string("1 2 3 4 5 6 7 8 9 "));
    // Nothing half-written is left in the run folder.
    std::ostringstream leftovers;
    for (const auto& name : leftoversIn(dir)) leftovers << name << ' ';
    EXPECT_EQ(leftovers.str(), std::string());
}

TEST_CASE(resume_loss_log_keeps_the_rows_up_to_the_checkpoint_and_drops_a_torn_row) {
    const std::string dir = test::tempPath("trim");
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/losses.csv", header = lossLogHeader();
    const auto row = [](int step) { return lossLogRow(step, 1, 2 * step, 0.5 * step, {{"attn", 1.0}}, 1.0, 0.0); };
    const auto write = [&](const std::string& text) { std::ofstream(path, std::ios::binary) << text; };
    const auto read = [&] {
        std::ifstream in(path, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    // Rows past the checkpoint, and the last one cut short by the kill.
    write(header + "\n" + row(1) + "\n" + row(2) + "\n" + row(3) + "\n" + row(4).substr(0, 9));
    EXPECT_EQ(trimLossLog(path, 2), 2);
    EXPECT_EQ(read(), header + "\n" + row(1) + "\n" + row(2) + "\n");
    EXPECT_EQ(trimLossLog(path, 2), 0);  // nothing more to drop: the file is left as it is
    // A row with a missing field, and rows logged twice (by a build without this trim), are dropped too.
    write(header + "\n" + row(1) + "\n" + row(2) + "\n" + row(2) + "\n" + row(3).substr(0, 20) + "\n");
    EXPECT_EQ(trimLossLog(path, 10), 2);
    EXPECT_EQ(read(), header + "\n" + row(1) + "\n" + row(2) + "\n");
    // Killed before the header was whole: the file goes, and the trainer writes a new one.
    write(header.substr(0, 12));
    EXPECT_EQ(trimLossLog(path, 0), 1);
    EXPECT(!std::filesystem::exists(path));
    EXPECT_EQ(trimLossLog(path, 0), 0);
    // Not a loss log: left for upgradeLossLog to refuse with its reason.
    write("not,a,loss,log\n1,2\n");
    EXPECT_EQ(trimLossLog(path, 0), 0);
    EXPECT_EQ(read(), std::string("not,a,loss,log\n1,2\n"));
}
