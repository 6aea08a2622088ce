// marionette-cli batch: many edits in one process, the weights loaded once per worker. Inputs are the editor's
// edit documents (photo.jpg.marionette.json, body or portrait) or photo + target skeleton pairs, from a folder
// or a list file; each edited photo is written atomically to the output folder, never over an input.
#include "cli/arguments.h"
#include "cli/batch_report.h"
#include "cli/command.h"
#include "cli/person_file.h"
#include "cli/photo_folder.h"
#include "cli/weights_argument.h"

#include "marionette/deform/body_parts.h"
#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/portrait_session.h"
#include "marionette/edit/repose_session.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

namespace marionette::cli {
namespace {
namespace fs = std::filesystem;

// The skeleton files beside a photo that make it a batch input: the person as photographed and the edit.
constexpr const char* kReferenceSuffix = pose::kPoseFileSuffix;
constexpr const char* kTargetSuffix = ".target.json";
constexpr std::size_t kMaxListBytes = 16u << 20;

struct BatchInput {
    std::string name;      // as the report shows it
    std::string document;  // an edit document; empty for a pair
    std::string photo;     // a pair's photo
    std::string target;    // a pair's target skeleton
};

// One edit, read: what ReposeSession (or, for a portrait, PortraitSession) needs.
struct Edit {
    std::string photoPath;
    pose::Pose reference;
    pose::Pose target;
    std::optional<edit::PortraitEdit> portrait;  // a portrait edit: the face as photographed and as edited
    std::optional<edit::ReposeMethod> method;
    deform::DepthOrder depth;
    std::vector<std::string> inputs;  // every file read, which the output must not replace
};

BatchInput pairInput(const std::string& photo, const std::string& target) {
    return {fs::path(photo).filename().string(), "", photo, target};
}

// A folder: its edit documents, then its photos that have a target skeleton beside them.
std::vector<BatchInput> inputsInFolder(const std::string& folder) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) names.push_back(it->path().string());
    if (ec) throwFileError(folder, "cannot list the folder: " + ec.message());
    std::sort(names.begin(), names.end());
    std::vector<BatchInput> inputs;
    for (const auto& name : names)
        if (edit::isDocumentPath(name)) inputs.push_back({fs::path(name).filename().string(), name, "", ""});
    for (const auto& photo : photosIn(folder))
        if (fs::exists(photo + kTargetSuffix, ec)) inputs.push_back(pairInput(photo, photo + kTargetSuffix));
    return inputs;
}

// A list file: one input a line, "DOCUMENT.marionette.json" or "PHOTO TARGET.json", relative to the list's
// folder; blank lines and lines starting with # are skipped.
std::vector<BatchInput> inputsInList(const std::string& listPath) {
    const fs::path base = fs::path(listPath).parent_path();
    const auto resolve = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (base / p).string(); };
    std::istringstream lines(files::readAll(listPath, kMaxListBytes));
    std::vector<BatchInput> inputs;
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        std::istringstream words(line);
        std::vector<std::string> fields;
        for (std::string w; words >> w;) fields.push_back(w);
        if (fields.empty() || fields[0][0] == '#') continue;
        if (fields.size() == 1 && edit::isDocumentPath(fields[0])) {
            inputs.push_back({fields[0], resolve(fields[0]), "", ""});
        } else if (fields.size() == 2) {
            inputs.push_back(pairInput(resolve(fields[0]), resolve(fields[1])));
            inputs.back().name = fields[0];
        } else {
            throwFileError(listPath, "line " + std::to_string(number) + " is neither an edit document (*" +
                                         edit::kEditDocumentSuffix + ") nor a photo and its target skeleton");
        }
    }
    return inputs;
}

Edit readEdit(const BatchInput& input) {
    Edit e;
    if (!input.document.empty()) {
        const edit::EditDocument document = edit::readEditDocument(input.document);
        e.photoPath = edit::resolvePhotoPath(document, input.document);
        e.reference = document.reference;
        e.target = document.target;
        if (!document.method.empty()) e.method = edit::reposeMethodFromString(document.method);
        if (!document.depth.empty()) e.depth = deform::parseDepthOrder(document.depth);
        e.inputs = {input.document, e.photoPath};
        if (document.mode == "portrait") {
            if (!document.portrait) throwFileError(input.document, "is a portrait edit without its face");
            e.portrait = document.portrait;
            return e;
        }
    } else {
        e.photoPath = input.photo;
        const std::string reference = input.photo + kReferenceSuffix;
        if (!fs::exists(reference))
            throwFileError(input.photo, std::string("has no reference skeleton ") +
                                            fs::path(reference).filename().string() +
                                            " beside it (marionette-cli detect writes one)");
        e.reference = readPerson(reference, 0);
        e.target = readPerson(input.target, 0);
        e.inputs = {input.photo, reference, input.target};
    }
    if (e.reference.presentCount() < 2 || e.target.presentCount() < 2)
        throw Error("both skeletons need at least two joints");
    return e;
}

// "<out>/<photo name without extension>-edited.png", made unique among this run's outputs.
class OutputNames {
public:
    explicit OutputNames(std::string folder) : m_folder(std::move(folder)) {}
    std::string next(const std::string& photoPath) {
        const std::string stem = fs::path(photoPath).stem().string() + "-edited";
        const int n = ++m_used[stem];
        return (fs::path(m_folder) / (stem + (n > 1 ? "-" + std::to_string(n) : "") + ".png")).string();
    }

private:
    std::string m_folder;
    std::map<std::string, int> m_used;
};

std::string canonical(const std::string& path) {
    std::error_code ec;
    const fs::path p = fs::weakly_canonical(path, ec);
    return ec ? fs::absolute(path).lexically_normal().string() : p.string();
}

class BatchCommand : public Command {
public:
    std::string name() const override { return "batch"; }
    std::string summary() const override {
        return "run many edits (body or portrait edit documents, or photo + target pairs) to a folder";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "batch",
            {
                {"--edits", "DIR|LIST",
                 "a folder of edit documents (*.marionette.json) and photos with PHOTO.target.json and PHOTO.pose.json "
                 "beside "
                 "them, or a list file: one DOCUMENT or 'PHOTO TARGET.json' a line",
                 "", true},
                {"--out", "DIR", "where the edited photos go: <photo name>-edited.png (never over an input)", "", true},
                {"--method", "hybrid|network", "how to re-pose; default: each document's own, else hybrid", "", false},
                {"--weights", "FILE", "body model weights (.safetensors)",
                 std::string("the shipped models/") + edit::kBundledBodyWeights, false},
                {"--portrait-weights", "FILE", "portrait model weights, for portrait edit documents",
                 std::string("the shipped models/") + edit::kBundledPortraitWeights, false},
                {"--jobs", "N", "edits at once, each worker with its own copy of the network", "1", false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads per worker (0: the processor cores shared among the workers)", "0",
                 false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        std::optional<edit::ReposeMethod> method;
        if (a.has("--method")) {
            method = edit::reposeMethodFromString(a.value("--method"));
            if (!method) throw UsageError("--method expects hybrid or network, got \"" + a.value("--method") + "\"");
        }
        const int jobs = a.intValue("--jobs");
        if (jobs < 1 || jobs > 64) throw UsageError("--jobs must be between 1 and 64");
        int threads = a.intValue("--threads");
        if (threads < 0 || threads > 256) throw UsageError("--threads must be between 0 and 256");
        if (threads == 0) threads = std::max(1, cpu_threads::defaultThreadCount() / jobs);

        const std::string edits = a.value("--edits");
        std::error_code ec;
        if (!fs::exists(edits, ec)) throwFileError(edits, "no such folder or list file");
        const std::vector<BatchInput> inputs =
            fs::is_directory(edits, ec) ? inputsInFolder(edits) : inputsInList(edits);
        if (inputs.empty())
            throwFileError(edits, "has no edit documents and no photo with a target skeleton beside it");
        const std::string outFolder = a.value("--out");
        makeOutputFolder(outFolder);

        const std::string weights = weightsArgument(a, model::SemanticsKind::Body);
        // Portrait weights are needed only if a portrait document comes; without them those inputs fail, saying why.
        Portraits portraits;
        try {
            portraits.weights = weightsArgument(a, model::SemanticsKind::Face, "--portrait-weights");
        } catch (const Error& e) {
            portraits.unavailable = e.what();
        }
        const edit::SessionOptions options{a.deviceValue(), threads};
        return run(inputs, outFolder, weights, portraits, options, method, static_cast<std::size_t>(jobs), out, err);
    }

private:
    struct Portraits {
        std::string weights;
        std::string unavailable;  // why there are none
    };

    struct Shared {
        const std::vector<BatchInput>& inputs;
        std::vector<std::string> outputs;  // per input, chosen before the run so that names do not race
        std::set<std::string> inputFiles;  // canonical paths of every file the run reads
        std::optional<edit::ReposeMethod> method;
        Portraits portraits;
        std::atomic<std::size_t> next{0};
        std::mutex reportMutex{};
        BatchReport* report = nullptr;
    };

    static int run(const std::vector<BatchInput>& inputs, const std::string& outFolder, const std::string& weights,
                   const Portraits& portraits, const edit::SessionOptions& options,
                   std::optional<edit::ReposeMethod> method, std::size_t jobs, std::ostream& out, std::ostream& err) {
        Shared shared{inputs, {}, {}, method, portraits};
        OutputNames names(outFolder);
        for (const auto& input : inputs) {
            const std::string photo =
                input.document.empty() ? input.photo : fs::path(input.document).stem().stem().string();
            shared.outputs.push_back(names.next(photo));
            for (const auto& file :
                 {input.document, input.photo, input.target, input.photo.empty() ? "" : input.photo + kReferenceSuffix})
                if (!file.empty()) shared.inputFiles.insert(canonical(file));
        }
        BatchReport report(inputs.size(), err, isTerminal(err));
        shared.report = &report;
        out << "batch: " << inputs.size() << " inputs, " << jobs << (jobs == 1 ? " worker" : " workers") << ", weights "
            << weights << '\n';

        jobs = std::min(jobs, inputs.size());
        std::vector<std::thread> workers;
        std::exception_ptr setupFailure;
        std::mutex setupMutex;
        for (std::size_t w = 1; w < jobs; ++w)
            workers.emplace_back([&] { work(shared, weights, options, setupFailure, setupMutex); });
        work(shared, weights, options, setupFailure, setupMutex);
        for (auto& worker : workers) worker.join();
        if (setupFailure) std::rethrow_exception(setupFailure);  // the weights could not be loaded at all

        report.printSummary(out);
        return report.exitCode();
    }

    // One worker: its own session (the network is not shared between threads), then inputs until none is left.
    static void work(Shared& shared, const std::string& weights, const edit::SessionOptions& options,
                     std::exception_ptr& setupFailure, std::mutex& setupMutex) {
        std::unique_ptr<edit::ReposeSession> session;
        try {
            session = std::make_unique<edit::ReposeSession>(weights, options);
        } catch (...) {
            const std::lock_guard<std::mutex> lock(setupMutex);
            if (!setupFailure) setupFailure = std::current_exception();
            return;
        }
        Sessions sessions{*session, nullptr, options};
        for (std::size_t i; (i = shared.next++) < shared.inputs.size();) {
            const auto start = std::chrono::steady_clock::now();
            std::string failure;
            try {
                runOne(sessions, shared.inputs[i], shared.outputs[i], shared);
            } catch (const std::exception& e) {
                failure = e.what();
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const std::lock_guard<std::mutex> lock(shared.reportMutex);
            if (failure.empty())
                shared.report->succeeded(shared.inputs[i].name, shared.outputs[i], seconds);
            else
                shared.report->failed(shared.inputs[i].name, failure, seconds);
        }
    }

    // A worker's sessions: the body one made up front, the portrait one on the first portrait edit.
    struct Sessions {
        edit::ReposeSession& body;
        std::unique_ptr<edit::PortraitSession> portrait;
        edit::SessionOptions options;

        edit::PortraitSession& portraitFor(const Portraits& portraits) {
            if (!portrait) {
                if (!portraits.unavailable.empty()) throw Error(portraits.unavailable);
                portrait = std::make_unique<edit::PortraitSession>(portraits.weights, options);
            }
            return *portrait;
        }
    };

    static void runOne(Sessions& sessions, const BatchInput& input, const std::string& output, const Shared& shared) {
        const Edit e = readEdit(input);
        // The documents' photos are known only once read, hence the second test.
        const std::string destination = canonical(output);
        if (shared.inputFiles.count(destination) > 0 || destination == canonical(e.photoPath))
            throwFileError(output, "is an input of this batch; not overwritten");
        const cv::Mat photo = image::loadImage(e.photoPath);
        const edit::ReposeMethod method = shared.method.value_or(e.method.value_or(edit::ReposeMethod::Hybrid));
        edit::RenderedFrame frame;
        if (e.portrait) {
            edit::PortraitSession& session = sessions.portraitFor(shared.portraits);
            session.setPhoto(photo, e.portrait->reference);
            edit::PortraitRenderRequest request;
            request.target = e.portrait->target;
            request.method = method;
            frame = session.render(request);
        } else {
            sessions.body.setPhoto(photo, e.reference);
            edit::RenderRequest request;
            request.target = e.target;
            request.method = method;
            request.depth = e.depth;
            frame = sessions.body.render(request);
        }
        image::saveImage(output, edit::editedPhoto(photo, frame));  // a temporary file, then renamed
    }
};

MARIONETTE_CLI_COMMAND(BatchCommand);

}  // namespace
}  // namespace marionette::cli
