#include "marionette/deform/puppet.h"

#include "marionette/deform/mesh_render.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"
#include "marionette/util/stage_timer.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

namespace marionette::deform {
namespace {

using Clock = std::chrono::steady_clock;
double millisecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The target with every joint it lacks taken from the reference: a hidden joint stays where it was.
pose::Pose completed(const pose::Pose& target, const pose::Pose& reference) {
    pose::Pose out = target;
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto joint = pose::jointAt(j);
        if (!out.has(joint) && reference.has(joint)) out.set(joint, reference.at(joint));
    }
    return out;
}

// The trunk's outline (shoulders and hips, grown by `grow`), filled into an 8-bit mask of `size` whose
// origin is `origin`; empty when a corner is missing.
cv::Mat trunkEnvelope(const pose::Pose& p, cv::Size size, cv::Point origin, double grow) {
    using J = pose::JointId;
    cv::Mat mask = cv::Mat::zeros(size, CV_8U);
    std::vector<cv::Point> corners;
    for (J j : {J::RightShoulder, J::LeftShoulder, J::LeftHip, J::RightHip}) {
        if (!p.has(j)) return mask;
        const cv::Point2f q = jointPoint(p, j) - cv::Point2f(origin);
        corners.emplace_back(static_cast<int>(std::lround(q.x)), static_cast<int>(std::lround(q.y)));
    }
    cv::fillConvexPoly(mask, corners, cv::Scalar(255));
    const int r = std::max(1, static_cast<int>(std::lround(grow)));
    cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    return mask;
}

// Whether the bone from `parent` to `joint` lies mostly over the trunk's outline (shoulders and hips).
bool liesOverTrunk(const pose::Pose& p, pose::JointId parent, pose::JointId joint) {
    using J = pose::JointId;
    std::vector<cv::Point2f> trunk;
    for (J j : {J::RightShoulder, J::LeftShoulder, J::LeftHip, J::RightHip}) {
        if (!p.has(j)) return false;
        trunk.push_back(jointPoint(p, j));
    }
    const cv::Point2f a = jointPoint(p, parent), b = jointPoint(p, joint);
    int inside = 0;
    for (int i = 0; i <= 10; ++i) inside += cv::pointPolygonTest(trunk, a + (b - a) * (i / 10.f), false) >= 0;
    return inside >= 6;
}

// The reference without the limb joints the detector could hardly see and whose bones lie over the trunk
// (hidden behind the body, or out of the frame with the detector guessing them there), nor the joints below.
pose::Pose visibleJoints(const pose::Pose& reference, float hiddenBelow) {
    pose::Pose out = reference;
    for (const pose::Limb& limb : pose::limbs()) {  // parents before children
        if (!isLimb(partOfJoint(limb.child)) || !out.has(limb.child)) continue;
        const bool parentHidden = reference.has(limb.parent) && !out.has(limb.parent);
        const bool unsure = reference.at(limb.child).confidence < hiddenBelow && reference.has(limb.parent) &&
                            liesOverTrunk(reference, limb.parent, limb.child);
        if (parentHidden || unsure) out.remove(limb.child);
    }
    return out;
}

cv::Scalar partColour(BodyPart part) {
    static const cv::Scalar colours[kBodyPartCount] = {{60, 200, 255}, {40, 40, 255},  {255, 120, 40},
                                                       {40, 220, 40},  {220, 60, 220}, {200, 200, 60}};
    return colours[index(part)];
}

}  // namespace

struct Puppet::State {
    cv::Mat photo;
    pose::Pose reference;
    pose::Pose visible;  // the reference without its hidden limb joints
    PersonLayer layer;
    double torso = 1;
    // Per part: its share of the person's alpha within layer.box, its mesh and solver, and whether it lay in
    // front of the trunk in the photo.
    std::array<cv::Mat, kBodyPartCount> partAlpha;
    std::array<cv::Rect, kBodyPartCount> partBox;  // photo pixels: where each part's alpha is not zero
    std::array<PartMesh, kBodyPartCount> meshes;
    std::array<std::optional<ArapSolver>, kBodyPartCount> solvers;
    std::array<bool, kBodyPartCount> inFrontInPhoto{};
    double buildMilliseconds = 0;
    std::vector<StageTiming> buildStages;
    // The background with the whole person taken out (Puppet Warp and Photo Wake-Up fill the background
    // first): holes are filled from it, so they never take the person's own colours. The fast plate is made
    // with the puppet, the best one on the first pose() that asks for it, then used by every later pose().
    cv::Rect plateBox;
    cv::Mat plateHoles;
    cv::Mat fastPlate;
    mutable cv::Mat bestPlate;
    // The photo with the person's soft edge un-mixed from the background behind it: what moved parts are
    // sampled from, so that a turned head does not carry a halo of the wall it stood against.
    cv::Mat foreground;

    const cv::Mat& plate(FillQuality quality, double& milliseconds) const {
        if (quality == FillQuality::Best && bestPlate.empty()) {
            const auto start = Clock::now();
            bestPlate = photo(plateBox).clone();
            fillHoles(bestPlate, plateHoles, FillQuality::Best);
            milliseconds = millisecondsSince(start);
        }
        return bestPlate.empty() ? fastPlate : bestPlate;
    }

    std::vector<cv::Point2f> pinTargets(BodyPart p, const pose::Pose& target) const {
        std::vector<cv::Point2f> out;
        for (const Pin& pin : meshes[static_cast<std::size_t>(index(p))].pins) out.push_back(pinPosition(pin, target));
        return out;
    }
};

Puppet::Puppet(const cv::Mat& photo, const cv::Mat& personProbability, const pose::Pose& reference,
               const PuppetOptions& options)
    : m_state(std::make_unique<State>()) {
    const auto start = Clock::now();
    State& s = *m_state;
    if (reference.presentCount() < 2) throw Error("the skeleton needs at least two joints to move the person's pixels");
    s.photo = photo;
    s.reference = reference;
    s.visible = visibleJoints(reference, options.hiddenBelow);
    StageTimer timer;
    std::optional<StageTimer::Stage> stage(std::in_place, &timer, "layer");
    s.layer = makePersonLayer(photo, personProbability, s.visible, options.layer);
    stage.emplace(&timer, "meshes");
    s.torso = pose::torsoLength(reference);
    const cv::Rect box = s.layer.box;

    // Each part owns its pixels fully and fades out over `feather` pixels past them, so that where parts meet
    // a moved part's edge blends into what lies under it.
    const int feather = std::max(2, static_cast<int>(std::lround(s.torso * 0.02)));
    const double scale =
        std::min(1.0, options.layer.workingSize / static_cast<double>(std::max(box.width, box.height)));
    const cv::Mat trunk = trunkEnvelope(reference, box.size(), box.tl(), 0.0);
    for (int i = 0; i < kBodyPartCount; ++i) {
        const BodyPart part = bodyPartAt(i);
        const cv::Mat own = s.layer.parts(box) == (1 + i);
        cv::Mat membership;
        cv::dilate(own, membership, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * feather + 1, 2 * feather + 1}));
        membership.convertTo(membership, CV_32F, 1.0 / 255.0);
        cv::blur(membership, membership, {2 * feather + 1, 2 * feather + 1});
        cv::Mat ownF;
        own.convertTo(ownF, CV_32F, 1.0 / 255.0);
        cv::max(membership, ownF, membership);  // exactly 1 on its own pixels
        s.partAlpha[static_cast<std::size_t>(i)] = s.layer.alpha(box).mul(membership);
        const cv::Rect partInBox = cv::boundingRect(s.partAlpha[static_cast<std::size_t>(i)] > 0.f);
        s.partBox[static_cast<std::size_t>(i)] = cv::Rect(partInBox.tl() + box.tl(), partInBox.size());

        cv::Mat region;
        cv::resize(s.partAlpha[static_cast<std::size_t>(i)] > 0.004f, region,
                   cv::Size(std::max(1, static_cast<int>(std::lround(box.width * scale))),
                            std::max(1, static_cast<int>(std::lround(box.height * scale)))),
                   0, 0, cv::INTER_AREA);
        region = region > 0;
        cv::dilate(region, region, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
        // The neck bends: the head's outline where it meets the trunk stays sewn to the trunk.
        MeshAnchor anchor;
        if (part == BodyPart::Head) {
            cv::Mat trunkPixels;
            cv::resize(s.layer.parts(box) == (1 + index(BodyPart::Trunk)), trunkPixels, region.size(), 0, 0,
                       cv::INTER_NEAREST);
            cv::dilate(trunkPixels, trunkPixels, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
            anchor.region = region & trunkPixels;
        }
        s.meshes[static_cast<std::size_t>(i)] =
            buildPartMesh(part, region, cv::Point2f(box.tl()), scale, s.visible, s.torso, options.mesh, anchor);
        const PartMesh& mesh = s.meshes[static_cast<std::size_t>(i)];
        if (!mesh.empty()) {
            std::vector<int> pinned;
            for (const Pin& pin : mesh.pins) pinned.push_back(pin.vertex);
            try {
                s.solvers[static_cast<std::size_t>(i)].emplace(mesh.rest, mesh.triangles, pinned);
            } catch (const Error& e) {
                s.layer.warnings.push_back(std::string(bodyPartLabel(part)) + " stays in place: " + e.what());
                s.meshes[static_cast<std::size_t>(i)] = PartMesh{};
            }
        }
        if (isLimb(part) && !trunk.empty()) {
            const int ownCount = cv::countNonZero(own);
            s.inFrontInPhoto[static_cast<std::size_t>(i)] =
                ownCount > 0 && cv::countNonZero(own & trunk) > ownCount / 10;
        }
    }
    // The plate covers the person and a margin: where a part may be drawn away from.
    const int margin = std::max(8, static_cast<int>(std::lround(s.torso * 0.1)));
    s.plateBox = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
                 cv::Rect({0, 0}, photo.size());
    cv::dilate(s.layer.alpha(s.plateBox) > 0.02f, s.plateHoles, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    s.fastPlate = photo(s.plateBox).clone();
    stage.emplace(&timer, "plate");
    fillHoles(s.fastPlate, s.plateHoles, FillQuality::Fast);
    s.foreground =
        unmixedForeground(photo, s.layer.alpha, box, s.fastPlate(cv::Rect(box.tl() - s.plateBox.tl(), box.size())));

    bool anyMesh = false;
    for (const auto& solver : s.solvers) anyMesh = anyMesh || solver.has_value();
    if (!anyMesh) throw Error("no body part could be meshed: the person is too small or the skeleton lies off it");
    for (const auto& w : s.layer.warnings) log::warning(w);
    stage.reset();
    s.buildStages = timer.timings();
    s.buildMilliseconds = millisecondsSince(start);
}

Puppet::~Puppet() = default;
Puppet::Puppet(Puppet&&) noexcept = default;
Puppet& Puppet::operator=(Puppet&&) noexcept = default;

const PersonLayer& Puppet::layer() const { return m_state->layer; }
const PartMesh& Puppet::mesh(BodyPart part) const { return m_state->meshes[static_cast<std::size_t>(index(part))]; }
const pose::Pose& Puppet::reference() const { return m_state->reference; }
const pose::Pose& Puppet::visibleReference() const { return m_state->visible; }
double Puppet::buildMilliseconds() const { return m_state->buildMilliseconds; }
const std::vector<StageTiming>& Puppet::buildStages() const { return m_state->buildStages; }

std::vector<BodyPart> Puppet::drawOrder(const std::array<bool, kBodyPartCount>& moved, const DepthOrder& depth) const {
    std::vector<BodyPart> behind, front, movedFront;
    // Legs before arms: an arm crossing a leg is drawn over it.
    for (BodyPart p : {BodyPart::RightLeg, BodyPart::LeftLeg, BodyPart::RightArm, BodyPart::LeftArm}) {
        const auto i = static_cast<std::size_t>(index(p));
        Depth d = depth.of(p);
        if (d == Depth::Auto) d = moved[i] || m_state->inFrontInPhoto[i] ? Depth::Front : Depth::Behind;
        if (d == Depth::Behind)
            behind.push_back(p);
        else
            (moved[i] ? movedFront : front).push_back(p);
    }
    std::vector<BodyPart> order = behind;
    order.push_back(BodyPart::Trunk);
    order.push_back(BodyPart::Head);  // the head lies on the trunk; limbs in front pass over it too
    order.insert(order.end(), front.begin(), front.end());
    order.insert(order.end(), movedFront.begin(), movedFront.end());
    return order;
}

std::array<std::vector<cv::Point2f>, kBodyPartCount> Puppet::deformedVertices(const pose::Pose& target) const {
    const State& s = *m_state;
    const pose::Pose full = completed(target, s.reference);
    std::array<std::vector<cv::Point2f>, kBodyPartCount> out;
    for (int i = 0; i < kBodyPartCount; ++i) {
        const auto k = static_cast<std::size_t>(i);
        out[k] = s.meshes[k].rest;
        if (!s.solvers[k]) continue;
        const std::vector<cv::Point2f> targets = s.pinTargets(bodyPartAt(i), full);
        bool moved = false;
        for (std::size_t n = 0; n < targets.size() && !moved; ++n)
            moved =
                cv::norm(targets[n] - s.meshes[k].rest[static_cast<std::size_t>(s.meshes[k].pins[n].vertex)]) > 0.01;
        if (!moved) continue;
        std::vector<cv::Point2f> solved = s.solvers[k]->solve(targets);
        bool finite = true;
        for (const auto& v : solved) finite = finite && std::isfinite(v.x) && std::isfinite(v.y);
        if (finite)
            out[k] = std::move(solved);
        else
            log::warning(bodyPartLabel(bodyPartAt(i)), ": the deformation has no solution; the part stays in place");
    }
    return out;
}

PuppetFrame Puppet::pose(const pose::Pose& target, const DepthOrder& depth, FillQuality fill) const {
    const auto start = Clock::now();
    const State& s = *m_state;
    PuppetFrame frame;
    StageTimer timer;
    std::array<std::vector<cv::Point2f>, kBodyPartCount> vertices;
    {
        StageTimer::Stage stage(&timer, "solve");
        vertices = deformedVertices(target);
    }
    bool anyMoved = false;
    for (int i = 0; i < kBodyPartCount; ++i) {
        const auto k = static_cast<std::size_t>(i);
        frame.moved[k] = vertices[k] != s.meshes[k].rest;
        anyMoved = anyMoved || frame.moved[k];
    }
    frame.drawOrder = drawOrder(frame.moved, depth);
    // Hidden limbs the edit moved: the photo never showed them, so where they went is for the caller to draw.
    const pose::Pose full = completed(target, s.reference);
    std::vector<std::pair<cv::Point2f, cv::Point2f>> hiddenMoved;
    for (const Bone& b : bones()) {
        if (!isLimb(b.part) || !s.reference.has(b.from) || !s.reference.has(b.to) ||
            (s.visible.has(b.from) && s.visible.has(b.to)))
            continue;
        const cv::Point2f from = jointPoint(full, b.from), to = jointPoint(full, b.to);
        if (cv::norm(from - jointPoint(s.reference, b.from)) > 0.5 ||
            cv::norm(to - jointPoint(s.reference, b.to)) > 0.5)
            hiddenMoved.emplace_back(from, to);
    }
    const int limbWidth = std::max(3, static_cast<int>(std::lround(0.18 * s.torso)));
    anyMoved = anyMoved || !hiddenMoved.empty();
    if (!anyMoved) {
        frame.image = s.photo.clone();
        frame.milliseconds = millisecondsSince(start);
        return frame;
    }

    // Parts under the lowest moved part are left as the photo has them; from it up, every part is drawn.
    std::vector<BodyPart> drawn;
    for (BodyPart p : frame.drawOrder) {
        if (!drawn.empty() || frame.moved[static_cast<std::size_t>(index(p))]) drawn.push_back(p);
    }
    const cv::Rect photoRect({0, 0}, s.photo.size());
    const cv::Rect box = s.layer.box;
    std::vector<BackwardMap> maps;
    cv::Rect changed;
    {
        StageTimer::Stage stage(&timer, "rasterise");
        for (BodyPart p : drawn) {
            const auto k = static_cast<std::size_t>(index(p));
            maps.push_back(rasteriseBackwardMap(s.meshes[k].rest, vertices[k], s.meshes[k].triangles, s.photo.size()));
            frame.flippedTriangles += maps.back().flippedTriangles;
            changed |= maps.back().area;
            if (!s.meshes[k].empty()) changed |= s.partBox[k];  // where the part was
        }
    }
    for (const auto& [from, to] : hiddenMoved) {
        const cv::Rect2f ends = cv::Rect2f(from, to) | cv::Rect2f(to, from);
        changed |=
            cv::Rect(static_cast<int>(std::floor(ends.x)) - limbWidth, static_cast<int>(std::floor(ends.y)) - limbWidth,
                     static_cast<int>(std::ceil(ends.width)) + 2 * limbWidth + 1,
                     static_cast<int>(std::ceil(ends.height)) + 2 * limbWidth + 1);
    }
    const int pad = 2;
    changed = cv::Rect(changed.x - pad, changed.y - pad, changed.width + 2 * pad, changed.height + 2 * pad) & photoRect;
    frame.changed = changed;
    const cv::Size size = changed.size();
    const auto inChanged = [&](const cv::Rect& r) { return cv::Rect(r.tl() - changed.tl(), r.size()); };

    std::optional<StageTimer::Stage> stage(std::in_place, &timer, "sample");
    // Where the drawn parts were, and the alpha of the parts left in place.
    cv::Mat oldDrawn = cv::Mat::zeros(size, CV_32F), kept = cv::Mat::zeros(size, CV_32F);
    const cv::Rect boxInChanged = inChanged(box & changed);
    for (int i = 0; i < kBodyPartCount; ++i) {
        const bool isDrawn = std::find(drawn.begin(), drawn.end(), bodyPartAt(i)) != drawn.end();
        cv::Mat target = (isDrawn ? oldDrawn : kept)(boxInChanged);
        cv::max(target,
                s.partAlpha[static_cast<std::size_t>(i)](
                    cv::Rect(boxInChanged.tl() + changed.tl() - box.tl(), boxInChanged.size())),
                target);
    }

    // The drawn parts, each sampled from the photo at full resolution, composited back to front.
    std::vector<cv::Mat> colours, alphas;
    cv::Mat newDrawn = cv::Mat::zeros(size, CV_32F);
    for (std::size_t n = 0; n < drawn.size(); ++n) {
        const BackwardMap& map = maps[n];
        if (map.area.empty()) {
            colours.emplace_back();
            alphas.emplace_back();
            continue;
        }
        // The same map read in the person box's pixels (a new matrix each: Mat copies share their data).
        BackwardMap inBox;
        inBox.area = map.area;
        inBox.covered = map.covered;
        cv::subtract(map.mapX, cv::Scalar(box.x), inBox.mapX);
        cv::subtract(map.mapY, cv::Scalar(box.y), inBox.mapY);
        alphas.push_back(
            sampleThrough(inBox, s.partAlpha[static_cast<std::size_t>(index(drawn[n]))], cv::INTER_LINEAR));
        // Cubic: keeps more of the photo's fine detail than bilinear where the part turns.
        colours.push_back(sampleThrough(map, s.foreground, cv::INTER_CUBIC));
        cv::Mat region = newDrawn(inChanged(map.area));
        cv::Mat over = alphas.back() + region.mul(1.0 - alphas.back());
        over.copyTo(region);
    }

    stage.emplace(&timer, "holes");
    // Holes: old person minus new person. The background under every drawn part's old place is filled (its
    // soft edge too, or a halo of the person's old outline would stay), except where the new person covers it.
    cv::Mat oldPerson = oldDrawn > 0.5f, newPerson = (newDrawn > 0.5f) | (kept > 0.5f);
    frame.holes = oldPerson & ~newPerson;
    cv::Mat fillMask;
    cv::dilate(oldDrawn > 0.02f, fillMask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    fillMask &= ~((newDrawn > 0.98f) | (kept > 0.5f));
    cv::Mat base = s.photo(changed).clone();
    const cv::Mat& plate = s.plate(fill, frame.fillMilliseconds);
    const cv::Rect shared = changed & s.plateBox;
    plate(cv::Rect(shared.tl() - s.plateBox.tl(), shared.size()))
        .copyTo(base(inChanged(shared)), fillMask(inChanged(shared)));
    // The parts left in place lose their soft edge to the plate there: drawn again from the photo.
    // Only the box of those edge pixels is blended: on a drag this runs for every update.
    const cv::Rect keptEdge = cv::boundingRect(fillMask & (kept > 0.f));
    if (!keptEdge.empty()) {
        cv::Mat foregroundF, baseF, kept3;
        s.foreground(changed)(keptEdge).convertTo(foregroundF, CV_32FC3);
        base(keptEdge).convertTo(baseF, CV_32FC3);
        cv::merge(std::vector<cv::Mat>{kept(keptEdge), kept(keptEdge), kept(keptEdge)}, kept3);
        cv::Mat over = foregroundF.mul(kept3) + baseF.mul(cv::Scalar::all(1.0) - kept3);
        cv::Mat blended;
        over.convertTo(blended, CV_8UC3);
        blended.copyTo(base(keptEdge), fillMask(keptEdge));
    }

    stage.emplace(&timer, "composite");
    cv::Mat out;
    base.convertTo(out, CV_32FC3);
    for (std::size_t n = 0; n < drawn.size(); ++n) {
        if (alphas[n].empty()) continue;
        const cv::Rect r = inChanged(maps[n].area);
        cv::Mat colour, alpha3;
        colours[n].convertTo(colour, CV_32FC3);
        cv::merge(std::vector<cv::Mat>{alphas[n], alphas[n], alphas[n]}, alpha3);
        cv::Mat region = out(r);
        cv::Mat over = colour.mul(alpha3) + region.mul(cv::Scalar::all(1.0) - alpha3);
        over.copyTo(region);
    }
    frame.image = s.photo.clone();
    out.convertTo(frame.image(changed), CV_8UC3);
    cv::max(newDrawn, kept, frame.personAlpha);
    frame.personHoles = frame.holes & trunkEnvelope(full, size, changed.tl(), s.torso * 0.08);
    for (const auto& [from, to] : hiddenMoved)
        cv::line(frame.personHoles, from - cv::Point2f(changed.tl()), to - cv::Point2f(changed.tl()), cv::Scalar(255),
                 limbWidth, cv::LINE_8);
    stage.reset();
    frame.stages = timer.timings();
    frame.milliseconds = millisecondsSince(start);
    return frame;
}

cv::Mat Puppet::drawMesh(const cv::Mat& image, const pose::Pose& target) const {
    const State& s = *m_state;
    cv::Mat out = image.clone();
    const auto vertices = deformedVertices(target);
    for (int i = 0; i < kBodyPartCount; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const auto& v = vertices[k];
        for (const auto& t : s.meshes[k].triangles) {
            for (int e = 0; e < 3; ++e)
                cv::line(out, v[static_cast<std::size_t>(t[e])], v[static_cast<std::size_t>(t[(e + 1) % 3])],
                         partColour(bodyPartAt(i)), 1, cv::LINE_AA);
        }
        for (const Pin& pin : s.meshes[k].pins)
            cv::circle(out, v[static_cast<std::size_t>(pin.vertex)], 2, cv::Scalar(255, 255, 255), cv::FILLED,
                       cv::LINE_AA);
    }
    return out;
}

}  // namespace marionette::deform
