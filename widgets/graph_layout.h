// A layered top-to-bottom layout of a directed acyclic graph (Sugiyama's framework), on plain
// data so that it can run on a worker thread: the caller measures the boxes, this places them.
//   1. layers by longest path from the sources (sources are then pulled down next to their
//      first consumer, so a weight-less input does not sit at the top far from its use);
//   2. edges spanning several layers get one dummy point per crossed layer;
//   3. crossings reduced by alternating down/up barycenter sweeps (Sugiyama, Tagawa, Toda 1981);
//   4. x coordinates: each layer is the least-squares fit of its nodes to the mean x of their
//      neighbours under the order and spacing constraints, solved exactly by pool-adjacent-
//      violators (isotonic regression), a few alternating sweeps.
// Cost is about O(sweeps · (nodes + dummies) · log) — milliseconds for a few thousand nodes.
#pragma once

#include <vector>

namespace qs {

struct LayoutPoint {
    double x = 0;
    double y = 0;
};

struct LayoutInput {
    struct Box {
        double width = 0;
        double height = 0;
    };
    std::vector<Box> boxes;
    // Directed edges (from, to) between box indices; must be acyclic. Duplicates are allowed.
    std::vector<std::pair<int, int>> edges;
    double nodeSpacing = 24;  // horizontal gap between neighbouring boxes
    double layerSpacing = 56; // vertical gap between layers (room for edge labels)
    double dummyWidth = 12;   // horizontal room an edge passing through a layer takes
};

struct LayoutResult {
    std::vector<LayoutPoint> centers; // one per box
    std::vector<int> layers;          // one per box
    // One polyline per input edge: source bottom centre, one point per crossed layer, target top
    // centre.
    std::vector<std::vector<LayoutPoint>> edgePaths;
    double width = 0;
    double height = 0;
};

LayoutResult layoutLayered(const LayoutInput& input);

} // namespace qs
