// How the graph view colours its nodes: by op category (Netron's idea), by dispatch region, by
// bit width from a QuantPlan, or by any per-node metric on a heat scale (SQNR, sensitivity, ...
// whatever an analysis feeds in). Pure functions over names and numbers: no view state.
#pragma once

#include "model_snapshot.h"

#include <QColor>
#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QString>

namespace qs {

// Metric: the run's per-node output SQNR. Sensitivity, OutlierSeverity and ErrorOrigin read the
// run's analyses (metricFor()): the SQNR with only that layer quantized, the largest
// max|w|/σ of a channel of its merged weight, and the share of its output's noise it injects
// itself rather than inherits from upstream.
enum class ColorMode {
    OpCategory,
    Region,
    BitWidth,
    Metric,
    Sensitivity,
    OutlierSeverity,
    ErrorOrigin,
    Count
};

struct RunAnalyses;

// A per-node number and how to read it: `higherIsBetter` puts the best values in cool colours
// (SQNR), otherwise the worst are cool (error, sensitivity rank).
struct NodeMetric {
    QString title;                 // shown in the legend, already translated ("Output SQNR (dB)")
    QHash<QString, double> values; // by node name; nodes without a value are drawn neutral
    bool higherIsBetter = true;
    // A fixed scale (e.g. a share in [0, 1]); otherwise the values' own range.
    bool fixedRange = false;
    double lo = 0.0, hi = 1.0;
    // Legend texts of the two ends, when plainer words than "title: value" say it better.
    QString bestText, worstText;
    bool isEmpty() const { return values.isEmpty(); }
};

struct LegendEntry {
    QColor color;
    QString text;
};

class NodeColoring {
    Q_DECLARE_TR_FUNCTIONS(qs::NodeColoring)

public:
    static QColor neutral();
    static QColor opCategoryColor(const QString& opType);
    static QColor regionColor(NodeRegion region);
    static QColor bitsColor(int bits); // 0 = float
    // t in [0, 1]: 0 worst (red) → 1 best (blue), through yellow and green.
    static QColor heatColor(double t);

    // The colour of each node of `snapshot` under `mode` (by node name).
    static QHash<QString, QColor> colors(ColorMode mode, const ModelSnapshot& snapshot,
                                         const QHash<QString, int>& bits, const NodeMetric& metric);
    // The metric a colour mode draws from a run's analyses (empty for the modes without one,
    // or when the analyses lack it). A BatchNorm folded into a layer takes the layer's value.
    static NodeMetric metricFor(ColorMode mode, const RunAnalyses& analyses);
    static bool isMetricMode(ColorMode mode);
    // What the colours mean, in the current language.
    static QList<LegendEntry> legend(ColorMode mode, const ModelSnapshot& snapshot,
                                     const QHash<QString, int>& bits, const NodeMetric& metric);
};

} // namespace qs
