// The layered layout on hand-made graphs: layers, order constraints, edge routing, crossings,
// and the time it takes on a large generated graph.
#include "timing_budget.h"
#include "graph_layout.h"

#include <QElapsedTimer>
#include <QtTest>
#include <random>

using namespace qs;

namespace {

LayoutInput boxes(int n, double width = 80, double height = 40) {
    LayoutInput input;
    input.boxes.assign(size_t(n), {width, height});
    return input;
}

// No two boxes of one layer overlap (nodeSpacing apart at least).
bool noOverlaps(const LayoutInput& in, const LayoutResult& out) {
    for (size_t a = 0; a < in.boxes.size(); ++a)
        for (size_t b = a + 1; b < in.boxes.size(); ++b) {
            if (out.layers[a] != out.layers[b]) continue;
            const double gap = std::abs(out.centers[a].x - out.centers[b].x) -
                               (in.boxes[a].width + in.boxes[b].width) / 2;
            if (gap < in.nodeSpacing - 1e-6) return false;
        }
    return true;
}

// Crossings of straight segments between consecutive points of two polylines, counted on the
// routed paths themselves (independent of the layout's own counter).
int segmentCrossings(const LayoutResult& out) {
    auto crosses = [](LayoutPoint p1, LayoutPoint p2, LayoutPoint q1, LayoutPoint q2) {
        auto orient = [](LayoutPoint a, LayoutPoint b, LayoutPoint c) {
            const double v = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
            return v > 1e-9 ? 1 : (v < -1e-9 ? -1 : 0);
        };
        const int a = orient(p1, p2, q1), b = orient(p1, p2, q2), c = orient(q1, q2, p1),
                  d = orient(q1, q2, p2);
        return a * b < 0 && c * d < 0;
    };
    int count = 0;
    for (size_t e = 0; e < out.edgePaths.size(); ++e)
        for (size_t f = e + 1; f < out.edgePaths.size(); ++f)
            for (size_t i = 0; i + 1 < out.edgePaths[e].size(); ++i)
                for (size_t j = 0; j + 1 < out.edgePaths[f].size(); ++j)
                    count += crosses(out.edgePaths[e][i], out.edgePaths[e][i + 1],
                                     out.edgePaths[f][j], out.edgePaths[f][j + 1]);
    return count;
}

} // namespace

class GraphLayoutTest : public QObject {
    Q_OBJECT

private slots:
    void emptyGraph() {
        const LayoutResult out = layoutLayered(LayoutInput());
        QVERIFY(out.centers.empty());
        QCOMPARE(out.width, 0.0);
    }

    // a → b → d, a → c → d, a → d: layers 0,1,1,2; the long edge a → d passes layer 1 beside
    // b and c, and the two branches sit symmetrically under a.
    void diamond() {
        LayoutInput in = boxes(4);
        in.edges = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {0, 3}};
        const LayoutResult out = layoutLayered(in);
        QCOMPARE(out.layers, (std::vector<int>{0, 1, 1, 2}));
        QVERIFY(noOverlaps(in, out));
        QVERIFY(out.centers[1].y > out.centers[0].y);
        QCOMPARE(out.centers[1].y, out.centers[2].y);
        QVERIFY(out.centers[3].y > out.centers[1].y);
        // Layer gap: box height + layerSpacing.
        QCOMPARE(out.centers[1].y - out.centers[0].y, 40 + in.layerSpacing);
        // a → d has a bend point pair in layer 1; every path starts at a box's bottom centre
        // and ends at a top centre.
        QCOMPARE(out.edgePaths[4].size(), size_t(4));
        for (size_t e = 0; e < in.edges.size(); ++e) {
            const auto [from, to] = in.edges[e];
            QCOMPARE(out.edgePaths[e].front().x, out.centers[size_t(from)].x);
            QCOMPARE(out.edgePaths[e].front().y, out.centers[size_t(from)].y + 20);
            QCOMPARE(out.edgePaths[e].back().x, out.centers[size_t(to)].x);
            QCOMPARE(out.edgePaths[e].back().y, out.centers[size_t(to)].y - 20);
        }
        QCOMPARE(segmentCrossings(out), 0);
        QVERIFY(out.width > 0 && out.height == 3 * 40 + 2 * in.layerSpacing);
    }

    // A chain stays one straight column.
    void chainIsStraight() {
        LayoutInput in = boxes(10);
        for (int i = 0; i + 1 < 10; ++i) in.edges.push_back({i, i + 1});
        const LayoutResult out = layoutLayered(in);
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(out.layers[size_t(i)], i);
            QCOMPARE(out.centers[size_t(i)].x, out.centers[0].x);
        }
        QCOMPARE(out.width, 80.0);
    }

    // Two inputs given in the "wrong" order (crossing if kept): the sweeps untangle them.
    void crossingsRemoved() {
        // 0,1 on top; 2,3 below; 0 → 3, 1 → 2 cross in input order.
        LayoutInput in = boxes(4);
        in.edges = {{0, 3}, {1, 2}};
        const LayoutResult out = layoutLayered(in);
        QCOMPARE(segmentCrossings(out), 0);
        QVERIFY(noOverlaps(in, out));
    }

    // A source feeding only a deep node is placed right above it, not at the top.
    void sourcePulledDown() {
        LayoutInput in = boxes(5);
        in.edges = {{0, 1}, {1, 2}, {2, 3}, {4, 3}};
        const LayoutResult out = layoutLayered(in);
        QCOMPARE(out.layers[4], 2);
    }

    // Residual blocks (the shape of ResNet/MobileNet graphs): no overlaps, no crossings.
    void residualBlocks() {
        LayoutInput in;
        int last = 0;
        in.boxes.push_back({80, 40});
        for (int block = 0; block < 20; ++block) {
            const int a = int(in.boxes.size());
            in.boxes.insert(in.boxes.end(), 3, {120, 50});
            in.edges.push_back({last, a});
            in.edges.push_back({a, a + 1});
            in.edges.push_back({a + 1, a + 2});
            in.edges.push_back({last, a + 2}); // the skip connection
            last = a + 2;
        }
        const LayoutResult out = layoutLayered(in);
        QVERIFY(noOverlaps(in, out));
        QCOMPARE(segmentCrossings(out), 0);
    }

    // ~1500 nodes (a generated deep network with skips and branches) in well under a second.
    void largeGraphIsFast() {
        std::mt19937 rng(7);
        LayoutInput in;
        const int n = 1500;
        for (int i = 0; i < n; ++i)
            in.boxes.push_back({double(60 + rng() % 120), double(40 + rng() % 20)});
        for (int i = 1; i < n; ++i) {
            in.edges.push_back({i - 1, i});
            if (i > 8 && rng() % 4 == 0) in.edges.push_back({i - 1 - int(rng() % 8), i});
        }
        QElapsedTimer timer;
        timer.start();
        const LayoutResult out = layoutLayered(in);
        const qint64 ms = timer.elapsed();
        qInfo("layout of %d nodes, %zu edges: %lld ms", n, in.edges.size(), ms);
        QVERIFY(noOverlaps(in, out));
        QVERIFY2(ms < timingBudgetMs(1000), qPrintable(QString::number(ms)));
    }
};

QTEST_GUILESS_MAIN(GraphLayoutTest)
#include "graph_layout_test.moc"
