#include "marionette/face/face_fit.h"

#include "face_projection.h"
#include "marionette/face/part_maps.h"
#include "marionette/util/error.h"

#include <Eigen/Cholesky>
#include <Eigen/Geometry>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace marionette::face {
namespace {

constexpr int kPoseCount = 6;              // yaw, pitch, roll, x, y, log scale
constexpr double kMinCameraDistance = 20;  // centimetres: no face is photographed closer
constexpr double kJacobianStep = 1e-6;     // the parameters are all of order 1 (see Problem)

bool isJaw(int landmark) { return partOf(landmark) == FacePart::Jaw; }

// The least-squares problem: residuals are landmark errors over their noise, and coefficients over their prior
// sigma (Gaussian priors). Parameters are scaled to order 1: angles in radians, the face's centre in face sizes
// from its first estimate, the scale as the logarithm of its ratio to the first estimate.
class Problem {
public:
    Problem(const MorphableModel& model, const Eigen::Matrix2Xd& observed, const FaceCamera& camera,
            const FitOptions& options, const HeadPose& start, double faceSize)
        : m_model(model),
          m_observed(observed),
          m_camera(camera),
          m_start(start),
          m_faceSize(faceSize),
          m_identityCount(model.identityCount()),
          m_expressionCount(model.expressionCount()),
          m_matrices(model) {
        m_pointWeight.resize(kLandmarkCount);
        for (int i = 0; i < kLandmarkCount; ++i)
            m_pointWeight(i) = 1.0 / (options.landmarkNoise * faceSize * (isJaw(i) ? options.jawNoiseFactor : 1.0));

        const int n = parameterCount();
        m_lower.resize(n);
        m_upper.resize(n);
        m_lower.head(kPoseCount) << -detail::radians(kMaxYawDegrees), -detail::radians(kMaxPitchDegrees),
            -detail::radians(kMaxRollDegrees), -1e3, -1e3, -5.0;
        m_upper.head(kPoseCount) << detail::radians(kMaxYawDegrees), detail::radians(kMaxPitchDegrees),
            detail::radians(kMaxRollDegrees), 1e3, 1e3,
            std::max(0.0, std::log(camera.focal / kMinCameraDistance / start.scale));
        m_priorSigma.resize(n - kPoseCount);
        for (int k = 0; k < n - kPoseCount; ++k) {
            const ShapeComponent& c = component(k);
            const bool free = k < m_identityCount ? options.fitIdentity : options.fitExpression;
            m_lower(kPoseCount + k) = free ? c.min : 0.0;
            m_upper(kPoseCount + k) = free ? c.max : 0.0;
            m_priorSigma(k) = c.priorSigma;
            if (free) m_active.push_back(kPoseCount + k);
        }
        std::vector<int> pose(kPoseCount);
        for (int k = 0; k < kPoseCount; ++k) pose[static_cast<std::size_t>(k)] = k;
        m_active.insert(m_active.begin(), pose.begin(), pose.end());
    }

    int parameterCount() const { return kPoseCount + m_identityCount + m_expressionCount; }
    int residualCount() const { return 2 * kLandmarkCount + m_identityCount + m_expressionCount; }
    const std::vector<int>& active() const { return m_active; }

    Eigen::VectorXd clamp(const Eigen::VectorXd& theta) const { return theta.cwiseMax(m_lower).cwiseMin(m_upper); }
    double lower(int p) const { return m_lower(p); }
    double upper(int p) const { return m_upper(p); }

    Eigen::VectorXd startVector(const HeadPose& pose) const {
        Eigen::VectorXd theta = Eigen::VectorXd::Zero(parameterCount());
        theta.head(kPoseCount) << detail::radians(pose.yaw), detail::radians(pose.pitch), detail::radians(pose.roll),
            (pose.x - m_start.x) / m_faceSize, (pose.y - m_start.y) / m_faceSize, std::log(pose.scale / m_start.scale);
        return clamp(theta);
    }

    FaceParameters parameters(const Eigen::VectorXd& theta) const {
        FaceParameters p;
        p.pose.yaw = detail::degrees(theta(0));
        p.pose.pitch = detail::degrees(theta(1));
        p.pose.roll = detail::degrees(theta(2));
        p.pose.x = m_start.x + theta(3) * m_faceSize;
        p.pose.y = m_start.y + theta(4) * m_faceSize;
        p.pose.scale = m_start.scale * std::exp(theta(5));
        p.identity.assign(theta.data() + kPoseCount, theta.data() + kPoseCount + m_identityCount);
        p.expression.assign(theta.data() + kPoseCount + m_identityCount, theta.data() + theta.size());
        return p;
    }

    Eigen::Matrix2Xd project(const Eigen::VectorXd& theta) const {
        return detail::projectModel(m_matrices, theta.data() + kPoseCount, theta(0), theta(1), theta(2),
                                    m_start.x + theta(3) * m_faceSize, m_start.y + theta(4) * m_faceSize,
                                    m_start.scale * std::exp(theta(5)), m_camera);
    }

    Eigen::VectorXd residuals(const Eigen::VectorXd& theta) const {
        Eigen::VectorXd r(residualCount());
        const Eigen::Matrix2Xd error = project(theta) - m_observed;
        for (int i = 0; i < kLandmarkCount; ++i) r.segment<2>(2 * i) = error.col(i) * m_pointWeight(i);
        r.tail(m_identityCount + m_expressionCount) =
            theta.tail(m_identityCount + m_expressionCount).cwiseQuotient(m_priorSigma);
        return r;
    }

    // Central differences over the active parameters.
    Eigen::MatrixXd jacobian(const Eigen::VectorXd& theta) const {
        Eigen::MatrixXd j(residualCount(), static_cast<Eigen::Index>(m_active.size()));
        for (std::size_t c = 0; c < m_active.size(); ++c) {
            Eigen::VectorXd plus = theta, minus = theta;
            plus(m_active[c]) += kJacobianStep;
            minus(m_active[c]) -= kJacobianStep;
            j.col(static_cast<Eigen::Index>(c)) = (residuals(plus) - residuals(minus)) / (2.0 * kJacobianStep);
        }
        return j;
    }

private:
    const ShapeComponent& component(int k) const {
        return k < m_identityCount ? m_model.identity()[static_cast<std::size_t>(k)]
                                   : m_model.expressions()[static_cast<std::size_t>(k - m_identityCount)];
    }

    const MorphableModel& m_model;
    Eigen::Matrix2Xd m_observed;
    FaceCamera m_camera;
    HeadPose m_start;
    double m_faceSize;
    int m_identityCount, m_expressionCount;
    detail::ModelMatrices m_matrices;
    Eigen::VectorXd m_pointWeight, m_priorSigma, m_lower, m_upper;
    std::vector<int> m_active;
};

// Closed-form first pose: the affine camera that best maps the mean shape onto the landmarks (least squares),
// made a scaled rotation (the nearest matrix with orthonormal rows, by SVD). Scaled orthographic projection.
HeadPose scaledOrthographicPose(const Eigen::Matrix3Xd& mean, const Eigen::Matrix2Xd& observed) {
    Eigen::MatrixXd design(kLandmarkCount, 4);
    design.leftCols<3>() = mean.transpose();
    design.col(3).setOnes();
    const auto solver = design.colPivHouseholderQr();
    const Eigen::Vector4d u = solver.solve(observed.row(0).transpose());
    const Eigen::Vector4d v = solver.solve(observed.row(1).transpose());
    // Dynamic sizes: GCC 12 warns falsely about uninitialised fixed-size SVD members.
    Eigen::MatrixXd affine(2, 3);
    affine.row(0) = u.head<3>().transpose();
    affine.row(1) = -v.head<3>().transpose();  // the photo's y goes down, the model's up
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(affine, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const double scale = svd.singularValues().mean();
    if (!(svd.singularValues()(1) > 1e-9 * std::max(1.0, scale)))
        throw Error("the face landmarks are degenerate (they lie on a line or a point): no face pose fits them");
    const Eigen::MatrixXd rows = svd.matrixU() * svd.matrixV().transpose();  // 2 x 3, orthonormal rows
    Eigen::Matrix3d rotation;
    rotation.row(0) = rows.row(0);
    rotation.row(1) = rows.row(1);
    rotation.row(2) =
        Eigen::Vector3d(rows.row(0).transpose()).cross(Eigen::Vector3d(rows.row(1).transpose())).transpose();
    const Eigen::Vector3d angles = detail::headAngles(rotation);
    HeadPose pose;
    pose.yaw = detail::degrees(angles(0));
    pose.pitch = detail::degrees(angles(1));
    pose.roll = detail::degrees(angles(2));
    pose.x = u(3);  // the model's origin maps to the affine offset
    pose.y = v(3);
    pose.scale = scale;
    return pose;
}

struct Minimum {
    Eigen::VectorXd theta;
    int iterations = 0;
};

// Levenberg-Marquardt with Marquardt's diagonal scaling. Bounds: a parameter that sits on a bound and whose
// gradient pushes it outwards is held for the step (an active set), the others' step is projected onto the bounds.
Minimum levenbergMarquardt(const Problem& problem, Eigen::VectorXd theta, int maxIterations) {
    Eigen::VectorXd r = problem.residuals(theta);
    double cost = r.squaredNorm();
    double lambda = 1e-3;
    const auto& active = problem.active();
    const auto count = static_cast<Eigen::Index>(active.size());
    int iteration = 0;
    for (; iteration < maxIterations; ++iteration) {
        const Eigen::MatrixXd j = problem.jacobian(theta);
        const Eigen::MatrixXd jtj = j.transpose() * j;
        const Eigen::VectorXd gradient = j.transpose() * r;
        std::vector<Eigen::Index> free;
        for (Eigen::Index c = 0; c < count; ++c) {
            const int p = active[static_cast<std::size_t>(c)];
            const bool pinnedLow = theta(p) <= problem.lower(p) && gradient(c) > 0.0;
            const bool pinnedHigh = theta(p) >= problem.upper(p) && gradient(c) < 0.0;
            if (!pinnedLow && !pinnedHigh) free.push_back(c);
        }
        const auto n = static_cast<Eigen::Index>(free.size());
        Eigen::MatrixXd reduced(n, n);
        Eigen::VectorXd reducedGradient(n);
        for (Eigen::Index a = 0; a < n; ++a) {
            reducedGradient(a) = gradient(free[static_cast<std::size_t>(a)]);
            for (Eigen::Index b = 0; b < n; ++b)
                reduced(a, b) = jtj(free[static_cast<std::size_t>(a)], free[static_cast<std::size_t>(b)]);
        }
        if (n == 0 || reducedGradient.lpNorm<Eigen::Infinity>() < 1e-10) break;
        bool improved = false;
        double newCost = cost;
        double stepSize = 0.0;
        for (int attempt = 0; attempt < 16 && !improved; ++attempt) {
            Eigen::MatrixXd damped = reduced;
            damped.diagonal() += lambda * reduced.diagonal().cwiseMax(1e-9);
            const Eigen::VectorXd step = damped.ldlt().solve(-reducedGradient);
            Eigen::VectorXd candidate = theta;
            for (Eigen::Index a = 0; a < n; ++a)
                candidate(active[static_cast<std::size_t>(free[static_cast<std::size_t>(a)])]) += step(a);
            candidate = problem.clamp(candidate);
            const Eigen::VectorXd candidateResiduals = problem.residuals(candidate);
            newCost = candidateResiduals.squaredNorm();
            if (std::isfinite(newCost) && newCost < cost) {
                improved = true;
                stepSize = (candidate - theta).lpNorm<Eigen::Infinity>();
                theta = candidate;
                r = candidateResiduals;
                lambda = std::max(lambda / 5.0, 1e-12);
            } else {
                lambda *= 4.0;
            }
        }
        if (!improved) break;
        const double decrease = cost - newCost;
        cost = newCost;
        if (decrease <= 1e-14 * (1.0 + cost) || stepSize < 1e-11) break;
    }
    return {theta, iteration};
}

}  // namespace

FaceFit fitFace(const MorphableModel& model, const FaceLandmarks& observed, const FaceCamera& camera,
                const FitOptions& options) {
    if (!(camera.focal > 0.0) || !std::isfinite(camera.cx) || !std::isfinite(camera.cy))
        throw Error("face fitting needs a camera with a positive focal length");
    if (!(options.landmarkNoise > 0.0) || !(options.jawNoiseFactor > 0.0) || options.maxIterations < 0)
        throw Error("face fitting options: the noise must be positive and the iteration count not negative");
    Eigen::Matrix2Xd points(2, kLandmarkCount);
    for (int i = 0; i < kLandmarkCount; ++i) {
        const Point2 p = observed.points[static_cast<std::size_t>(i)];
        if (!isFinite(p)) throw Error("face landmark " + std::to_string(i) + " is not a finite number");
        points.col(i) << p.x, p.y;
    }
    const Box box = observed.bounds();
    const double faceSize = std::sqrt(std::max(0.0, box.width * box.height));
    if (!(faceSize > 1e-3))
        throw Error("the face landmarks are degenerate (they lie on a line or a point): no face pose fits them");

    const HeadPose start = scaledOrthographicPose(detail::toMatrix(model.mean()), points);
    const Problem problem(model, points, camera, options, start, faceSize);
    const Minimum minimum = levenbergMarquardt(problem, problem.startVector(start), options.maxIterations);

    FaceFit fit;
    fit.parameters = problem.parameters(minimum.theta);
    fit.camera = camera;
    fit.observed = observed;
    fit.iterations = minimum.iterations;
    const Eigen::Matrix2Xd projected = problem.project(minimum.theta);
    double sum = 0.0;
    for (int i = 0; i < kLandmarkCount; ++i) {
        const Eigen::Vector2d d = points.col(i) - projected.col(i);
        fit.residuals[static_cast<std::size_t>(i)] = {static_cast<float>(d.x()), static_cast<float>(d.y())};
        sum += d.squaredNorm();
    }
    fit.rmsResidual = std::sqrt(sum / kLandmarkCount);
    return fit;
}

FaceLandmarks editedLandmarks(const MorphableModel& model, const FaceFit& fit, const FaceParameters& edited) {
    checkParameters(edited, model, "edited face parameters");
    FaceLandmarks out = project(model, edited, fit.camera);
    for (std::size_t i = 0; i < out.points.size(); ++i) {
        out.points[i].x += fit.residuals[i].x;
        out.points[i].y += fit.residuals[i].y;
    }
    return out;
}

torch::Tensor renderEditedPartMaps(const MorphableModel& model, const FaceFit& fit, const FaceParameters& edited,
                                   const BoxToCanvas& toCanvas) {
    const FaceLandmarks landmarks = editedLandmarks(model, fit, edited);
    const FaceLandmarks onCanvas = landmarks.mapped([&](Point2 q) { return toCanvas.toCanvas(q); });
    return renderPartMaps(onCanvas, toCanvas.canvasHeight, toCanvas.canvasWidth);
}

}  // namespace marionette::face
