#include "graph_layout.h"

#include <algorithm>
#include <numeric>

namespace qs {

namespace {

constexpr int kOrderingSweeps = 12; // down+up pairs tried; the order with fewest crossings wins
constexpr int kPlacementSweeps = 8;
// Straight long edges matter more than a centred box (Gansner et al. 1993 weigh dummy-dummy
// links 8, real-dummy 2, real-real 1); a dummy's pull on the fit is weighted the same way.
constexpr double kDummyWeight = 4.0;

struct VirtualNode {
    int layer = 0;
    double width = 0;
    double height = 0;
    bool dummy = false;
    std::vector<int> up;   // neighbours in the layer above (with multiplicity)
    std::vector<int> down; // neighbours in the layer below
};

// Crossings between two neighbouring layers with Barth, Jünger and Mutzel's accumulator tree
// (2002): edges sorted by their upper end, inversions of their lower ends counted in O(E log V).
long long countCrossings(const std::vector<VirtualNode>& nodes, const std::vector<int>& upper,
                         const std::vector<int>& lower, const std::vector<int>& position) {
    std::vector<int> ends;
    for (int u : upper) {
        std::vector<int> below;
        for (int v : nodes[size_t(u)].down) below.push_back(position[size_t(v)]);
        std::sort(below.begin(), below.end());
        ends.insert(ends.end(), below.begin(), below.end());
    }
    int firstIndex = 1;
    while (firstIndex < int(lower.size())) firstIndex *= 2;
    std::vector<int> tree(static_cast<size_t>(2 * firstIndex - 1), 0);
    --firstIndex;
    long long crossings = 0;
    for (int end : ends) {
        int index = end + firstIndex;
        ++tree[size_t(index)];
        while (index > 0) {
            if (index % 2) crossings += tree[size_t(index + 1)];
            index = (index - 1) / 2;
            ++tree[size_t(index)];
        }
    }
    return crossings;
}

long long totalCrossings(const std::vector<VirtualNode>& nodes,
                         const std::vector<std::vector<int>>& layers,
                         const std::vector<int>& position) {
    long long total = 0;
    for (size_t l = 0; l + 1 < layers.size(); ++l)
        total += countCrossings(nodes, layers[l], layers[l + 1], position);
    return total;
}

void sortByBarycenter(const std::vector<VirtualNode>& nodes, std::vector<int>& layer,
                      std::vector<int>& position, bool useUp) {
    std::vector<std::pair<double, int>> keyed;
    keyed.reserve(layer.size());
    for (int v : layer) {
        const std::vector<int>& neighbours = useUp ? nodes[size_t(v)].up : nodes[size_t(v)].down;
        double key = position[size_t(v)]; // no neighbour on that side: keep its place
        if (!neighbours.empty()) {
            double sum = 0;
            for (int u : neighbours) sum += position[size_t(u)];
            key = sum / double(neighbours.size());
        }
        keyed.push_back({key, v});
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < keyed.size(); ++i) {
        layer[i] = keyed[i].second;
        position[size_t(keyed[i].second)] = int(i);
    }
}

// Weighted least squares: x minimising Σ w_i (x_i − d_i)² subject to x_{i+1} − x_i ≥ sep_{i+1}.
// With S the prefix sums of the separations, y = x − S must be non-decreasing: an isotonic
// regression of d − S, solved by pool-adjacent-violators.
std::vector<double> fitInOrder(const std::vector<double>& desired,
                               const std::vector<double>& weight,
                               const std::vector<double>& separation) {
    const size_t n = desired.size();
    std::vector<double> offset(n, 0.0);
    for (size_t i = 1; i < n; ++i) offset[i] = offset[i - 1] + separation[i];
    struct Block {
        double mean;
        double weight;
        size_t count;
    };
    std::vector<Block> blocks;
    for (size_t i = 0; i < n; ++i) {
        blocks.push_back({desired[i] - offset[i], weight[i], 1});
        while (blocks.size() > 1 && blocks[blocks.size() - 2].mean > blocks.back().mean) {
            const Block last = blocks.back();
            blocks.pop_back();
            Block& prev = blocks.back();
            const double w = prev.weight + last.weight;
            prev.mean = (prev.mean * prev.weight + last.mean * last.weight) / w;
            prev.weight = w;
            prev.count += last.count;
        }
    }
    std::vector<double> x(n);
    size_t i = 0;
    for (const Block& b : blocks)
        for (size_t k = 0; k < b.count; ++k, ++i) x[i] = b.mean + offset[i];
    return x;
}

} // namespace

LayoutResult layoutLayered(const LayoutInput& input) {
    const int n = int(input.boxes.size());
    LayoutResult result;
    result.centers.resize(size_t(n));
    result.layers.assign(size_t(n), 0);
    result.edgePaths.resize(input.edges.size());
    if (n == 0) return result;

    // 1. Layers: longest path in a topological order (Kahn); nodes left on a cycle keep layer 0.
    std::vector<std::vector<int>> succ(static_cast<size_t>(n)), pred(static_cast<size_t>(n));
    std::vector<int> indegree(static_cast<size_t>(n), 0);
    for (const auto& [from, to] : input.edges) {
        if (from < 0 || to < 0 || from >= n || to >= n || from == to) continue;
        succ[size_t(from)].push_back(to);
        pred[size_t(to)].push_back(from);
        ++indegree[size_t(to)];
    }
    std::vector<int> order;
    order.reserve(size_t(n));
    for (int v = 0; v < n; ++v)
        if (indegree[size_t(v)] == 0) order.push_back(v);
    for (size_t head = 0; head < order.size(); ++head)
        for (int w : succ[size_t(order[head])])
            if (--indegree[size_t(w)] == 0) order.push_back(w);
    std::vector<int>& layer = result.layers;
    for (int v : order)
        for (int w : succ[size_t(v)])
            layer[size_t(w)] = std::max(layer[size_t(w)], layer[size_t(v)] + 1);
    for (int v : order) {
        if (!pred[size_t(v)].empty() || succ[size_t(v)].empty()) continue;
        int lowest = layer[size_t(succ[size_t(v)].front())];
        for (int w : succ[size_t(v)]) lowest = std::min(lowest, layer[size_t(w)]);
        layer[size_t(v)] = std::max(0, lowest - 1);
    }
    const int layerCount = 1 + *std::max_element(layer.begin(), layer.end());

    // 2. Virtual nodes: the boxes, then one dummy per layer an edge crosses.
    std::vector<VirtualNode> nodes(static_cast<size_t>(n));
    for (int v = 0; v < n; ++v) {
        nodes[size_t(v)].layer = layer[size_t(v)];
        nodes[size_t(v)].width = input.boxes[size_t(v)].width;
        nodes[size_t(v)].height = input.boxes[size_t(v)].height;
    }
    std::vector<std::vector<int>> chains(input.edges.size());
    for (size_t e = 0; e < input.edges.size(); ++e) {
        const auto [from, to] = input.edges[e];
        if (from < 0 || to < 0 || from >= n || to >= n || from == to) continue;
        if (layer[size_t(to)] <= layer[size_t(from)]) continue; // only on a cycle
        std::vector<int>& chain = chains[e];
        chain.push_back(from);
        for (int l = layer[size_t(from)] + 1; l < layer[size_t(to)]; ++l) {
            VirtualNode dummy;
            dummy.layer = l;
            dummy.width = input.dummyWidth;
            dummy.dummy = true;
            chain.push_back(int(nodes.size()));
            nodes.push_back(dummy);
        }
        chain.push_back(to);
        for (size_t k = 0; k + 1 < chain.size(); ++k) {
            nodes[size_t(chain[k])].down.push_back(chain[k + 1]);
            nodes[size_t(chain[k + 1])].up.push_back(chain[k]);
        }
    }

    // 3. Order within layers. Start from a depth-first walk so that chains stay together.
    std::vector<std::vector<int>> layers(static_cast<size_t>(layerCount));
    {
        std::vector<bool> seen(nodes.size(), false);
        std::vector<int> stack;
        auto visitFrom = [&](int root) {
            stack.push_back(root);
            while (!stack.empty()) {
                const int v = stack.back();
                stack.pop_back();
                if (seen[size_t(v)]) continue;
                seen[size_t(v)] = true;
                layers[size_t(nodes[size_t(v)].layer)].push_back(v);
                const auto& down = nodes[size_t(v)].down;
                for (auto it = down.rbegin(); it != down.rend(); ++it)
                    if (!seen[size_t(*it)]) stack.push_back(*it);
            }
        };
        for (int v : order)
            if (nodes[size_t(v)].up.empty()) visitFrom(v);
        for (int v = 0; v < int(nodes.size()); ++v)
            if (!seen[size_t(v)]) visitFrom(v);
    }
    std::vector<int> position(nodes.size(), 0);
    for (const auto& l : layers)
        for (size_t i = 0; i < l.size(); ++i) position[size_t(l[i])] = int(i);

    std::vector<std::vector<int>> best = layers;
    long long bestCrossings = totalCrossings(nodes, layers, position);
    for (int sweep = 0; sweep < kOrderingSweeps && bestCrossings > 0; ++sweep) {
        for (int l = 1; l < layerCount; ++l)
            sortByBarycenter(nodes, layers[size_t(l)], position, true);
        for (int l = layerCount - 2; l >= 0; --l)
            sortByBarycenter(nodes, layers[size_t(l)], position, false);
        const long long crossings = totalCrossings(nodes, layers, position);
        if (crossings < bestCrossings) {
            bestCrossings = crossings;
            best = layers;
        }
    }
    layers = std::move(best);
    for (const auto& l : layers)
        for (size_t i = 0; i < l.size(); ++i) position[size_t(l[i])] = int(i);

    // 4. x coordinates: packed first, then fitted to the neighbours' mean, alternating sides.
    std::vector<double> x(nodes.size(), 0.0);
    auto separation = [&](int a, int b) {
        const bool bothDummies = nodes[size_t(a)].dummy && nodes[size_t(b)].dummy;
        const double gap = bothDummies ? input.dummyWidth * 0.5 : input.nodeSpacing;
        return (nodes[size_t(a)].width + nodes[size_t(b)].width) / 2 + gap;
    };
    for (const auto& l : layers)
        for (size_t i = 1; i < l.size(); ++i)
            x[size_t(l[i])] = x[size_t(l[i - 1])] + separation(l[i - 1], l[i]);
    auto placeLayer = [&](const std::vector<int>& l, bool useUp, bool useDown) {
        std::vector<double> desired(l.size()), weight(l.size()), sep(l.size(), 0.0);
        for (size_t i = 0; i < l.size(); ++i) {
            const VirtualNode& v = nodes[size_t(l[i])];
            double sum = 0;
            int count = 0;
            if (useUp)
                for (int u : v.up) sum += x[size_t(u)], ++count;
            if (useDown)
                for (int u : v.down) sum += x[size_t(u)], ++count;
            desired[i] = count ? sum / count : x[size_t(l[i])];
            weight[i] = (v.dummy ? kDummyWeight : 1.0) * (count ? 1.0 : 0.25);
            if (i > 0) sep[i] = separation(l[i - 1], l[i]);
        }
        const std::vector<double> fitted = fitInOrder(desired, weight, sep);
        for (size_t i = 0; i < l.size(); ++i) x[size_t(l[i])] = fitted[i];
    };
    for (int sweep = 0; sweep < kPlacementSweeps; ++sweep) {
        for (int l = 1; l < layerCount; ++l) placeLayer(layers[size_t(l)], true, false);
        for (int l = layerCount - 2; l >= 0; --l) placeLayer(layers[size_t(l)], false, true);
    }
    for (const auto& l : layers) placeLayer(l, true, true);

    // y: each layer as tall as its tallest box.
    std::vector<double> layerTop(static_cast<size_t>(layerCount), 0.0),
        layerHeight(static_cast<size_t>(layerCount), 0.0);
    for (const VirtualNode& v : nodes)
        layerHeight[size_t(v.layer)] = std::max(layerHeight[size_t(v.layer)], v.height);
    for (int l = 1; l < layerCount; ++l)
        layerTop[size_t(l)] =
            layerTop[size_t(l - 1)] + layerHeight[size_t(l - 1)] + input.layerSpacing;

    double minX = 0, maxX = 0;
    bool first = true;
    for (size_t v = 0; v < nodes.size(); ++v) {
        const double left = x[v] - nodes[v].width / 2, right = x[v] + nodes[v].width / 2;
        minX = first ? left : std::min(minX, left);
        maxX = first ? right : std::max(maxX, right);
        first = false;
    }
    for (double& value : x) value -= minX;
    result.width = maxX - minX;
    result.height = layerTop.back() + layerHeight.back();

    for (int v = 0; v < n; ++v) {
        const int l = layer[size_t(v)];
        result.centers[size_t(v)] = {x[size_t(v)],
                                     layerTop[size_t(l)] + layerHeight[size_t(l)] / 2};
    }
    for (size_t e = 0; e < chains.size(); ++e) {
        const std::vector<int>& chain = chains[e];
        if (chain.size() < 2) continue;
        std::vector<LayoutPoint>& path = result.edgePaths[e];
        const int from = chain.front(), to = chain.back();
        path.push_back(
            {x[size_t(from)], result.centers[size_t(from)].y + nodes[size_t(from)].height / 2});
        for (size_t k = 1; k + 1 < chain.size(); ++k) {
            // Through a layer's band vertically, so the edge never cuts a box beside it.
            const int l = nodes[size_t(chain[k])].layer;
            path.push_back({x[size_t(chain[k])], layerTop[size_t(l)]});
            path.push_back({x[size_t(chain[k])], layerTop[size_t(l)] + layerHeight[size_t(l)]});
        }
        path.push_back(
            {x[size_t(to)], result.centers[size_t(to)].y - nodes[size_t(to)].height / 2});
    }
    return result;
}

} // namespace qs
