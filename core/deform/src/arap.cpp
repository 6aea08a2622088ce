#include "marionette/deform/arap.h"

#include "marionette/util/error.h"

#include <Eigen/Dense>

#include <atomic>
#include <map>
#include <numeric>

namespace marionette::deform {
namespace {

std::atomic<long> g_factorisations{0};

using SparseMatrix = Eigen::SparseMatrix<double>;
using Triplets = std::vector<Eigen::Triplet<double>>;

// An edge and the vertices of the one or two triangles beside it: i, j, then l (and r).
struct EdgeNeighbourhood {
    std::vector<int> vertices;
    Eigen::MatrixXd similarity;  // 2 x 2|N|: (c, s) of the edge's best similarity from the stacked positions
    Eigen::Vector2d rest;        // v_j - v_i at rest
};

std::vector<EdgeNeighbourhood> edgeNeighbourhoods(const std::vector<cv::Point2f>& rest,
                                                  const std::vector<cv::Vec3i>& triangles) {
    std::map<std::pair<int, int>, std::vector<int>> opposite;
    for (const auto& t : triangles) {
        for (int k = 0; k < 3; ++k) {
            const int a = t[k], b = t[(k + 1) % 3], c = t[(k + 2) % 3];
            opposite[{std::min(a, b), std::max(a, b)}].push_back(c);
        }
    }
    std::vector<EdgeNeighbourhood> edges;
    edges.reserve(opposite.size());
    for (const auto& [ij, others] : opposite) {
        EdgeNeighbourhood e;
        e.vertices = {ij.first, ij.second};
        for (int o : others) e.vertices.push_back(o);
        const int m = static_cast<int>(e.vertices.size());
        // Igarashi 2009, eq. 3: G_k stacks [x y 1 0; y -x 0 1] per neighbour; (c, s, tx, ty) = (G^T G)^-1 G^T v'.
        Eigen::MatrixXd g(2 * m, 4);
        for (int n = 0; n < m; ++n) {
            const cv::Point2f p = rest[static_cast<std::size_t>(e.vertices[static_cast<std::size_t>(n)])];
            g.row(2 * n) << p.x, p.y, 1, 0;
            g.row(2 * n + 1) << p.y, -p.x, 0, 1;
        }
        e.similarity = (g.transpose() * g).ldlt().solve(g.transpose()).topRows(2);
        const cv::Point2f d = rest[static_cast<std::size_t>(ij.second)] - rest[static_cast<std::size_t>(ij.first)];
        e.rest = {d.x, d.y};
        edges.push_back(std::move(e));
    }
    return edges;
}

// Splits a symmetric system over n unknowns into its free-free block (factored) and free-pinned block.
struct ConstrainedSystem {
    Eigen::SimplicialLDLT<SparseMatrix> freeFree;
    SparseMatrix freePinned;

    void build(const SparseMatrix& full, const std::vector<int>& freeIndex, const std::vector<int>& pinIndex,
               int freeCount, int pinCount) {
        Triplets ff, fp;
        for (int k = 0; k < full.outerSize(); ++k) {
            for (SparseMatrix::InnerIterator it(full, k); it; ++it) {
                const int r = static_cast<int>(it.row()), c = static_cast<int>(it.col());
                const int fr = freeIndex[static_cast<std::size_t>(r)];
                if (fr < 0) continue;
                const int fc = freeIndex[static_cast<std::size_t>(c)];
                if (fc >= 0)
                    ff.emplace_back(fr, fc, it.value());
                else
                    fp.emplace_back(fr, pinIndex[static_cast<std::size_t>(c)], it.value());
            }
        }
        SparseMatrix a(freeCount, freeCount);
        a.setFromTriplets(ff.begin(), ff.end());
        freePinned.resize(freeCount, pinCount);
        freePinned.setFromTriplets(fp.begin(), fp.end());
        freeFree.compute(a);
        ++g_factorisations;
        if (freeFree.info() != Eigen::Success)
            throw Error("the mesh cannot be deformed: a piece of it is held by fewer than two pins");
    }
};

}  // namespace

struct ArapSolver::Systems {
    int n = 0;
    std::vector<cv::Point2f> rest;
    std::vector<EdgeNeighbourhood> edges;
    std::vector<int> pinned;
    // Step 1 over 2n unknowns (x0, y0, x1, ...); step 2 over n unknowns per coordinate.
    std::vector<int> free1, pin1, free2, pin2;
    int freeCount1 = 0, freeCount2 = 0;
    ConstrainedSystem step1, step2;
};

ArapSolver::ArapSolver(const std::vector<cv::Point2f>& rest, const std::vector<cv::Vec3i>& triangles,
                       const std::vector<int>& pinned)
    : m_systems(std::make_unique<Systems>()) {
    Systems& s = *m_systems;
    s.n = static_cast<int>(rest.size());
    s.rest = rest;
    s.pinned = pinned;
    if (pinned.size() < 2) throw Error("the mesh cannot be deformed: it needs at least two pins");
    s.edges = edgeNeighbourhoods(rest, triangles);

    s.free2.assign(static_cast<std::size_t>(s.n), -1);
    s.pin2.assign(static_cast<std::size_t>(s.n), -1);
    for (std::size_t k = 0; k < pinned.size(); ++k) {
        if (pinned[k] < 0 || pinned[k] >= s.n) throw Error("a pin names a vertex the mesh does not have");
        s.pin2[static_cast<std::size_t>(pinned[k])] = static_cast<int>(k);
    }
    for (int v = 0; v < s.n; ++v) {
        if (s.pin2[static_cast<std::size_t>(v)] < 0) s.free2[static_cast<std::size_t>(v)] = s.freeCount2++;
    }
    s.free1.assign(static_cast<std::size_t>(2 * s.n), -1);
    s.pin1.assign(static_cast<std::size_t>(2 * s.n), -1);
    for (int v = 0; v < s.n; ++v) {
        for (int c = 0; c < 2; ++c) {
            const auto i = static_cast<std::size_t>(2 * v + c);
            if (s.pin2[static_cast<std::size_t>(v)] >= 0)
                s.pin1[i] = 2 * s.pin2[static_cast<std::size_t>(v)] + c;
            else
                s.free1[i] = 2 * s.free2[static_cast<std::size_t>(v)] + c;
        }
    }
    s.freeCount1 = 2 * s.freeCount2;

    // Step 1 (Igarashi 2009, eq. 4-5): sum over edges of |(v'_j - v'_i) - T_k(v'_N) e_k|^2, with T_k's (c, s)
    // linear in the neighbourhood's positions: h_k = D - E_k H_k, energy h_k^T h_k.
    Triplets a1, a2;
    for (const EdgeNeighbourhood& e : s.edges) {
        const int m = static_cast<int>(e.vertices.size());
        Eigen::Matrix2d edgeMatrix;
        edgeMatrix << e.rest.x(), e.rest.y(), e.rest.y(), -e.rest.x();
        Eigen::MatrixXd h = -edgeMatrix * e.similarity;  // 2 x 2m
        h(0, 0) -= 1;
        h(1, 1) -= 1;
        h(0, 2) += 1;
        h(1, 3) += 1;
        const Eigen::MatrixXd hh = h.transpose() * h;
        for (int r = 0; r < 2 * m; ++r) {
            for (int c = 0; c < 2 * m; ++c) {
                a1.emplace_back(2 * e.vertices[static_cast<std::size_t>(r / 2)] + r % 2,
                                2 * e.vertices[static_cast<std::size_t>(c / 2)] + c % 2, hh(r, c));
            }
        }
        // Step 2 (eq. 8): |(v''_j - v''_i) - R_k e_k|^2, a graph Laplacian per coordinate.
        const int i = e.vertices[0], j = e.vertices[1];
        a2.emplace_back(i, i, 1.0);
        a2.emplace_back(j, j, 1.0);
        a2.emplace_back(i, j, -1.0);
        a2.emplace_back(j, i, -1.0);
    }
    SparseMatrix full1(2 * s.n, 2 * s.n), full2(s.n, s.n);
    full1.setFromTriplets(a1.begin(), a1.end());
    full2.setFromTriplets(a2.begin(), a2.end());
    if (s.freeCount2 > 0) {
        s.step1.build(full1, s.free1, s.pin1, s.freeCount1, 2 * static_cast<int>(pinned.size()));
        s.step2.build(full2, s.free2, s.pin2, s.freeCount2, static_cast<int>(pinned.size()));
    }
}

ArapSolver::~ArapSolver() = default;
ArapSolver::ArapSolver(ArapSolver&&) noexcept = default;
ArapSolver& ArapSolver::operator=(ArapSolver&&) noexcept = default;

int ArapSolver::vertexCount() const { return m_systems->n; }
long ArapSolver::factorisationCount() { return g_factorisations.load(); }

std::vector<cv::Point2f> ArapSolver::solve(const std::vector<cv::Point2f>& targets) const {
    const Systems& s = *m_systems;
    if (targets.size() != s.pinned.size()) throw Error("ARAP: one target per pin is needed");
    std::vector<cv::Point2f> out(static_cast<std::size_t>(s.n));
    for (std::size_t k = 0; k < targets.size(); ++k) out[static_cast<std::size_t>(s.pinned[k])] = targets[k];
    if (s.freeCount2 == 0) return out;

    // Step 1: A_ff v_f = -A_fp v_p.
    Eigen::VectorXd pins1(2 * static_cast<Eigen::Index>(targets.size()));
    for (std::size_t k = 0; k < targets.size(); ++k) {
        pins1(static_cast<Eigen::Index>(2 * k)) = targets[k].x;
        pins1(static_cast<Eigen::Index>(2 * k + 1)) = targets[k].y;
    }
    const Eigen::VectorXd free1 = s.step1.freeFree.solve(-(s.step1.freePinned * pins1));
    Eigen::VectorXd all1(2 * s.n);
    for (int i = 0; i < 2 * s.n; ++i) {
        const auto f = s.free1[static_cast<std::size_t>(i)];
        all1(i) = f >= 0 ? free1(f) : pins1(s.pin1[static_cast<std::size_t>(i)]);
    }

    // Step 2: each edge's rotation from step 1 (its similarity, scale removed), then L_ff v_f = b_f - L_fp v_p.
    Eigen::VectorXd bx = Eigen::VectorXd::Zero(s.n), by = Eigen::VectorXd::Zero(s.n);
    for (const EdgeNeighbourhood& e : s.edges) {
        Eigen::VectorXd local(2 * static_cast<Eigen::Index>(e.vertices.size()));
        for (std::size_t n = 0; n < e.vertices.size(); ++n) {
            local(static_cast<Eigen::Index>(2 * n)) = all1(2 * e.vertices[n]);
            local(static_cast<Eigen::Index>(2 * n + 1)) = all1(2 * e.vertices[n] + 1);
        }
        Eigen::Vector2d cs = e.similarity * local;
        const double norm = cs.norm();
        cs = norm > 1e-12 ? Eigen::Vector2d(cs / norm) : Eigen::Vector2d(1, 0);
        // T = [[c, s], [-s, c]] applied to the rest edge.
        const double tx = cs(0) * e.rest.x() + cs(1) * e.rest.y();
        const double ty = -cs(1) * e.rest.x() + cs(0) * e.rest.y();
        const int i = e.vertices[0], j = e.vertices[1];
        bx(i) -= tx, bx(j) += tx;
        by(i) -= ty, by(j) += ty;
    }
    Eigen::VectorXd px(static_cast<Eigen::Index>(targets.size())), py(static_cast<Eigen::Index>(targets.size()));
    for (std::size_t k = 0; k < targets.size(); ++k)
        px(static_cast<Eigen::Index>(k)) = targets[k].x, py(static_cast<Eigen::Index>(k)) = targets[k].y;
    Eigen::VectorXd fx(s.freeCount2), fy(s.freeCount2);
    for (int v = 0; v < s.n; ++v) {
        const int f = s.free2[static_cast<std::size_t>(v)];
        if (f >= 0) fx(f) = bx(v), fy(f) = by(v);
    }
    const Eigen::VectorXd x = s.step2.freeFree.solve(fx - s.step2.freePinned * px);
    const Eigen::VectorXd y = s.step2.freeFree.solve(fy - s.step2.freePinned * py);
    for (int v = 0; v < s.n; ++v) {
        const int f = s.free2[static_cast<std::size_t>(v)];
        if (f >= 0) out[static_cast<std::size_t>(v)] = {static_cast<float>(x(f)), static_cast<float>(y(f))};
    }
    return out;
}

}  // namespace marionette::deform
