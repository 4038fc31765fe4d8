#include "node_coloring.h"

#include "inspector/run_analyses.h"

#include <QSet>
#include <algorithm>
#include <cmath>

namespace qs {

namespace {

enum class OpCategory { Layer, Activation, Pool, Normalization, Shape, Elementwise, Other };

OpCategory categoryOf(const QString& op) {
    static const QSet<QString> layers{
        QStringLiteral("Conv"),   QStringLiteral("ConvTranspose"), QStringLiteral("Gemm"),
        QStringLiteral("MatMul"), QStringLiteral("QLinearConv"),   QStringLiteral("QLinearMatMul")};
    static const QSet<QString> activations{
        QStringLiteral("Relu"),        QStringLiteral("Clip"),      QStringLiteral("Sigmoid"),
        QStringLiteral("HardSigmoid"), QStringLiteral("HardSwish"), QStringLiteral("Tanh"),
        QStringLiteral("LeakyRelu"),   QStringLiteral("PRelu"),     QStringLiteral("Softmax"),
        QStringLiteral("Gelu"),        QStringLiteral("Elu"),       QStringLiteral("Selu"),
        QStringLiteral("Exp"),         QStringLiteral("Erf")};
    static const QSet<QString> pools{QStringLiteral("MaxPool"), QStringLiteral("AveragePool"),
                                     QStringLiteral("GlobalAveragePool"),
                                     QStringLiteral("GlobalMaxPool")};
    static const QSet<QString> norms{
        QStringLiteral("BatchNormalization"), QStringLiteral("LayerNormalization"),
        QStringLiteral("InstanceNormalization"), QStringLiteral("LRN"), QStringLiteral("Dropout")};
    static const QSet<QString> shapes{
        QStringLiteral("Reshape"),         QStringLiteral("Flatten"),   QStringLiteral("Transpose"),
        QStringLiteral("Squeeze"),         QStringLiteral("Unsqueeze"), QStringLiteral("Shape"),
        QStringLiteral("Gather"),          QStringLiteral("Slice"),     QStringLiteral("Concat"),
        QStringLiteral("Split"),           QStringLiteral("Constant"),  QStringLiteral("Pad"),
        QStringLiteral("Resize"),          QStringLiteral("Upsample"),  QStringLiteral("Cast"),
        QStringLiteral("ConstantOfShape"), QStringLiteral("Expand"),    QStringLiteral("Identity")};
    static const QSet<QString> elementwise{
        QStringLiteral("Add"),        QStringLiteral("Sub"),       QStringLiteral("Mul"),
        QStringLiteral("Div"),        QStringLiteral("Pow"),       QStringLiteral("Sqrt"),
        QStringLiteral("ReduceMean"), QStringLiteral("ReduceSum"), QStringLiteral("Max"),
        QStringLiteral("Min"),        QStringLiteral("Neg"),       QStringLiteral("Abs")};
    if (layers.contains(op)) return OpCategory::Layer;
    if (activations.contains(op)) return OpCategory::Activation;
    if (pools.contains(op)) return OpCategory::Pool;
    if (norms.contains(op)) return OpCategory::Normalization;
    if (shapes.contains(op)) return OpCategory::Shape;
    if (elementwise.contains(op)) return OpCategory::Elementwise;
    return OpCategory::Other;
}

QColor categoryColor(OpCategory c) {
    switch (c) {
    case OpCategory::Layer:
        return QColor(0x33, 0x6f, 0xb5);
    case OpCategory::Activation:
        return QColor(0xb0, 0x3a, 0x2e);
    case OpCategory::Pool:
        return QColor(0x3c, 0x8d, 0x4f);
    case OpCategory::Normalization:
        return QColor(0x2b, 0x8c, 0x8c);
    case OpCategory::Shape:
        return QColor(0x76, 0x6f, 0x65);
    case OpCategory::Elementwise:
        return QColor(0xc0, 0x7a, 0x14);
    case OpCategory::Other:
        break;
    }
    return QColor(0x6b, 0x4e, 0x9b);
}

// The metric's range over the nodes that have a value.
std::pair<double, double> metricRange(const NodeMetric& metric) {
    if (metric.fixedRange) return {metric.lo, metric.hi};
    double lo = 0, hi = 0;
    bool first = true;
    for (double v : metric.values) {
        if (!std::isfinite(v)) continue;
        lo = first ? v : std::min(lo, v);
        hi = first ? v : std::max(hi, v);
        first = false;
    }
    return {lo, hi};
}

double metricFraction(const NodeMetric& metric, double value, std::pair<double, double> range) {
    // +inf SQNR (an exact tensor) is the best value there is.
    if (std::isinf(value)) return (value > 0) == metric.higherIsBetter ? 1.0 : 0.0;
    const double span = range.second - range.first;
    double t = span > 0 ? (value - range.first) / span : 1.0;
    if (!metric.higherIsBetter) t = 1.0 - t;
    return std::clamp(t, 0.0, 1.0);
}

} // namespace

QColor NodeColoring::neutral() {
    return QColor(0x9a, 0x9a, 0x9a);
}

QColor NodeColoring::opCategoryColor(const QString& opType) {
    return categoryColor(categoryOf(opType));
}

QColor NodeColoring::regionColor(NodeRegion region) {
    switch (region) {
    case NodeRegion::Quantizable:
        return QColor(0x3c, 0x8d, 0x4f);
    case NodeRegion::Contested:
        return QColor(0xd0, 0x85, 0x10);
    case NodeRegion::NonQuantizable:
        break;
    }
    return neutral();
}

QColor NodeColoring::bitsColor(int bits) {
    if (bits <= 0) return neutral();
    if (bits <= 4) return QColor(0xb0, 0x3a, 0x2e);
    if (bits <= 6) return QColor(0xd0, 0x85, 0x10);
    if (bits <= 8) return QColor(0x33, 0x6f, 0xb5);
    return QColor(0x3c, 0x8d, 0x4f);
}

QColor NodeColoring::heatColor(double t) {
    // Hue 0° (red, worst) to 220° (blue, best) at constant saturation and value: a scale that
    // stays readable on light and dark palettes.
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromHsvF(float(t * 220.0 / 360.0), 0.75f, 0.85f);
}

QHash<QString, QColor> NodeColoring::colors(ColorMode mode, const ModelSnapshot& snapshot,
                                            const QHash<QString, int>& bits,
                                            const NodeMetric& metric) {
    QHash<QString, QColor> result;
    const auto range = metricRange(metric);
    for (const NodeSummary& node : snapshot.nodes) {
        QColor color = neutral();
        switch (mode) {
        case ColorMode::OpCategory:
            color = opCategoryColor(node.opType);
            break;
        case ColorMode::Region:
            color = regionColor(node.region);
            break;
        case ColorMode::BitWidth:
            if (bits.contains(node.name)) color = bitsColor(bits.value(node.name));
            break;
        case ColorMode::Metric:
        case ColorMode::Sensitivity:
        case ColorMode::OutlierSeverity:
        case ColorMode::ErrorOrigin:
            if (metric.values.contains(node.name))
                color = heatColor(metricFraction(metric, metric.values.value(node.name), range));
            break;
        case ColorMode::Count:
            break;
        }
        result.insert(node.name, color);
    }
    return result;
}

QList<LegendEntry> NodeColoring::legend(ColorMode mode, const ModelSnapshot& snapshot,
                                        const QHash<QString, int>& bits, const NodeMetric& metric) {
    QList<LegendEntry> entries;
    switch (mode) {
    case ColorMode::OpCategory:
        entries = {{categoryColor(OpCategory::Layer), tr("Convolution / matrix product")},
                   {categoryColor(OpCategory::Activation), tr("Activation")},
                   {categoryColor(OpCategory::Pool), tr("Pooling")},
                   {categoryColor(OpCategory::Normalization), tr("Normalization")},
                   {categoryColor(OpCategory::Elementwise), tr("Element-wise / reduction")},
                   {categoryColor(OpCategory::Shape), tr("Shape / data movement")},
                   {categoryColor(OpCategory::Other), tr("Other")}};
        break;
    case ColorMode::Region:
        entries = {{regionColor(NodeRegion::Quantizable), tr("Quantizable")},
                   {regionColor(NodeRegion::Contested), tr("Contested (data and shapes)")},
                   {regionColor(NodeRegion::NonQuantizable), tr("Non-quantizable (shapes)")}};
        break;
    case ColorMode::BitWidth: {
        if (bits.isEmpty()) {
            entries = {{neutral(), tr("No quantization run yet")}};
            break;
        }
        QList<int> widths;
        for (const NodeSummary& node : snapshot.nodes)
            if (bits.contains(node.name) && !widths.contains(bits.value(node.name)))
                widths << bits.value(node.name);
        std::sort(widths.begin(), widths.end());
        for (int b : widths)
            entries << LegendEntry{bitsColor(b), b > 0 ? tr("%1-bit").arg(b) : tr("Float")};
        entries << LegendEntry{neutral(), tr("Not in the plan")};
        break;
    }
    case ColorMode::Metric:
    case ColorMode::Sensitivity:
    case ColorMode::OutlierSeverity:
    case ColorMode::ErrorOrigin: {
        if (metric.isEmpty()) {
            entries = {{neutral(), tr("No values yet: run the quantization")}};
            break;
        }
        const auto [lo, hi] = metricRange(metric);
        const double best = metric.higherIsBetter ? hi : lo;
        const double worst = metric.higherIsBetter ? lo : hi;
        entries = {
            {heatColor(1.0), metric.bestText.isEmpty()
                                 ? tr("%1: %2 (best)").arg(metric.title).arg(best, 0, 'f', 1)
                                 : metric.bestText},
            {heatColor(0.5), tr("%1: %2").arg(metric.title).arg((lo + hi) / 2, 0, 'f', 1)},
            {heatColor(0.0), metric.worstText.isEmpty()
                                 ? tr("%1: %2 (worst)").arg(metric.title).arg(worst, 0, 'f', 1)
                                 : metric.worstText},
            {neutral(), tr("No value")}};
        break;
    }
    case ColorMode::Count:
        break;
    }
    return entries;
}

bool NodeColoring::isMetricMode(ColorMode mode) {
    return mode == ColorMode::Metric || mode == ColorMode::Sensitivity ||
           mode == ColorMode::OutlierSeverity || mode == ColorMode::ErrorOrigin;
}

NodeMetric NodeColoring::metricFor(ColorMode mode, const RunAnalyses& analyses) {
    NodeMetric metric;
    auto put = [&metric, &analyses](const std::string& node, double value) {
        metric.values.insert(QString::fromStdString(node), value);
        for (const auto& [bn, target] : analyses.foldedInto)
            if (target == node) metric.values.insert(QString::fromStdString(bn), value);
    };
    switch (mode) {
    case ColorMode::Sensitivity:
        metric.title = tr("SQNR with only this layer quantized (dB)");
        metric.higherIsBetter = true;
        if (analyses.sensitivity)
            for (const LayerSensitivity& l : analyses.sensitivity->layers)
                put(l.node, l.alone.sqnrDb);
        break;
    case ColorMode::OutlierSeverity:
        metric.title = tr("Largest max|w|/σ of a channel");
        metric.higherIsBetter = false;
        for (const LayerOutliers& l : analyses.outliers.layers) {
            double worst = 0;
            for (const ChannelWeightStats& c : l.channels) worst = std::max(worst, c.absMaxOverStd);
            put(l.node, worst);
        }
        break;
    case ColorMode::ErrorOrigin:
        metric.title = tr("Share of the error injected here (%)");
        metric.higherIsBetter = false; // 100 %: the node itself is the cause (red)
        metric.fixedRange = true;
        metric.lo = 0.0;
        metric.hi = 100.0;
        metric.bestText = tr("Error inherited from upstream (0 % injected)");
        metric.worstText = tr("Error injected here (100 %)");
        if (analyses.errors)
            for (const TensorError& e : analyses.errors->tensors)
                if (std::isfinite(e.injectedShare)) put(e.node, e.injectedShare * 100.0);
        break;
    default:
        break;
    }
    return metric;
}

} // namespace qs
