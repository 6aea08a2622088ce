#pragma once
// As-rigid-as-possible deformation of a triangle mesh with pinned vertices (Igarashi, Moscovich & Hughes,
// SIGGRAPH 2005; the two-step closed form of Igarashi & Igarashi 2009). Both quadratic systems depend only
// on the rest mesh and on which vertices are pinned: they are factored once here (Eigen's sparse Cholesky)
// and every solve() is two back-substitutions, so a drag costs microseconds to a millisecond.
#include <opencv2/core.hpp>

#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>

#include <memory>
#include <vector>

namespace marionette::deform {

class ArapSolver {
public:
    // `pinned`: vertex indices held in place by solve()'s targets. Every connected piece of the mesh needs
    // two pins (one pin leaves a rotation free); throws marionette::Error otherwise.
    ArapSolver(const std::vector<cv::Point2f>& rest, const std::vector<cv::Vec3i>& triangles,
               const std::vector<int>& pinned);
    ~ArapSolver();
    ArapSolver(ArapSolver&&) noexcept;
    ArapSolver& operator=(ArapSolver&&) noexcept;

    // Vertex positions with pinned[i] at targets[i]: step 1 (similarity per edge neighbourhood), then step 2
    // (rotations kept, scale removed, edges fitted again).
    std::vector<cv::Point2f> solve(const std::vector<cv::Point2f>& targets) const;

    int vertexCount() const;
    // How many sparse factorisations every solver of this process has made (tests count them, never time).
    static long factorisationCount();

private:
    struct Systems;
    std::unique_ptr<Systems> m_systems;
};

}  // namespace marionette::deform
