#include "tensor_histogram_chart.h"

#include <algorithm>
#include <cmath>

namespace qs {

namespace {

constexpr int kMaxDisplayBins = 256;
constexpr int64_t kMaxDrawnLevels = 256; // above (16 bits), the levels would fill the axis

} // namespace

TensorHistogramChart::TensorHistogramChart(QWidget* parent)
    : AnalysisChart(parent) {
    setObjectName(QStringLiteral("tensorHistogramChart"));
    yAxis2->setRange(0, 1);
    yAxis2->setVisible(false);
    setLayer(nullptr);
}

void TensorHistogramChart::setLayer(const LayerHistograms* layer) {
    if (layer)
        m_layer = *layer;
    else
        m_layer.reset();
    rebuild();
}

void TensorHistogramChart::setSource(Source source) {
    m_source = source;
    rebuild();
}

void TensorHistogramChart::setLogScale(bool log) {
    m_log = log;
    if (log) {
        yAxis->setScaleType(QCPAxis::stLogarithmic);
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    } else {
        yAxis->setScaleType(QCPAxis::stLinear);
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    }
    rebuild();
}

void TensorHistogramChart::addHistogram(const TensorHistogram& h, const QString& name,
                                        const QColor& color) {
    if (h.counts.empty()) return;
    // Display rebinning only: neighbouring bins summed so that at most kMaxDisplayBins show.
    const size_t factor = (h.counts.size() + kMaxDisplayBins - 1) / kMaxDisplayBins;
    const double width = h.binWidth * double(factor);
    QVector<double> keys, values;
    for (size_t i = 0; i < h.counts.size(); i += factor) {
        int64_t sum = 0;
        for (size_t j = i; j < std::min(h.counts.size(), i + factor); ++j) sum += h.counts[j];
        keys << h.firstBinLower + double(i) * h.binWidth;
        values << double(sum);
    }
    keys << keys.back() + width; // closes the last step
    values << 0.0;
    QCPGraph* graph = addGraph();
    graph->setName(name);
    graph->setLineStyle(QCPGraph::lsStepLeft);
    QColor fill = color;
    fill.setAlpha(50);
    graph->setPen(QPen(color, 1.5));
    graph->setBrush(fill);
    graph->setData(keys, values, true);
    m_histograms << graph;
    m_binWidths << width;
}

void TensorHistogramChart::drawGrid(const TensorHistogram& h) {
    m_clippedFraction = h.clippedFraction;
    if (!h.quantized || h.grids.empty()) return;
    m_clip = addGraph(xAxis, yAxis2);
    m_clip->setName(tr("Clip range [%1, %2]").arg(h.clipLo, 0, 'g', 4).arg(h.clipHi, 0, 'g', 4));
    m_clip->setPen(QPen(QColor(0xc0, 0x20, 0x20), 2, Qt::DashLine));
    m_clip->setData({double(h.clipLo), double(h.clipLo), double(h.clipHi), double(h.clipHi)},
                    {0.0, 0.97, 0.97, 0.0}, true);
    if (h.grids.size() == 1 && h.grids.front().levelCount() <= kMaxDrawnLevels) {
        const std::vector<float> levels = h.grids.front().levels();
        QVector<double> keys, values;
        for (float level : levels) {
            keys << double(level);
            values << 0.05;
        }
        m_levels = addGraph(xAxis, yAxis2);
        m_levels->setName(tr("Quantization levels (%n)", nullptr, int(levels.size())));
        m_levels->setLineStyle(QCPGraph::lsImpulse);
        m_levels->setPen(QPen(QColor(0x30, 0x30, 0x30, 160), 1));
        m_levels->setData(keys, values, true);
    }
}

void TensorHistogramChart::rebuild() {
    xAxis->setLabel(tr("Value"));
    yAxis->setLabel(tr("Count"));
    clearChart();
    m_histograms.clear();
    m_binWidths.clear();
    m_clip = nullptr;
    m_levels = nullptr;
    m_clippedFraction = 0.0;
    if (!m_layer) {
        setPlaceholder(tr("Select a quantized layer after a run to see its histograms"));
        replot();
        return;
    }
    const LayerHistograms& l = *m_layer;
    const TensorHistogram* gridSource = nullptr;
    QString what;
    if (m_source == Source::Weights) {
        const bool merged = l.weightBeforeBn.count > 0 && !l.weightBeforeBn.grids.empty();
        if (merged || l.weightBeforeBn.min != l.weightAfterBn.min ||
            l.weightBeforeBn.max != l.weightAfterBn.max)
            addHistogram(l.weightBeforeBn, tr("Weights before BN merge"), QColor(0x88, 0x88, 0x88));
        addHistogram(l.weightAfterBn, tr("Weights after BN merge"), QColor(0x33, 0x6f, 0xb5));
        if (l.weightQuantized.min != l.weightAfterBn.min ||
            l.weightQuantized.max != l.weightAfterBn.max)
            addHistogram(l.weightQuantized, tr("Weights as quantized (after CLE)"),
                         QColor(0x3c, 0x8d, 0x4f));
        gridSource = &l.weightQuantized;
        what = shortName(QString::fromStdString(l.weightQuantized.tensor));
    } else {
        const std::optional<TensorHistogram>& a =
            m_source == Source::InputActivation ? l.input : l.output;
        if (!a) {
            setPlaceholder(tr("No histogram of this activation (float, or no calibration data)"));
            replot();
            return;
        }
        addHistogram(*a,
                     m_source == Source::InputActivation ? tr("Input activation")
                                                         : tr("Output activation"),
                     QColor(0xc0, 0x7a, 0x14));
        gridSource = &*a;
        what = shortName(QString::fromStdString(a->tensor));
    }
    drawGrid(*gridSource);
    QString title = tr("%1 \u2014 clipped: %2 %")
                        .arg(what)
                        .arg(m_clippedFraction * 100.0, 0, 'f', m_clippedFraction < 0.01 ? 3 : 2);
    if (gridSource->grids.size() > 1)
        title += QStringLiteral(" \u2014 ") +
                 tr("%n per-channel grid(s)", nullptr, int(gridSource->grids.size()));
    setTitle(title);
    rescaleAxes(true);
    yAxis2->setRange(0, 1);
    if (m_log) {
        double top = 1;
        for (QCPGraph* g : m_histograms)
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                top = std::max(top, it->value);
        yAxis->setRange(0.8, top * 1.5);
    } else {
        yAxis->setRangeLower(0);
        yAxis->setRangeUpper(yAxis->range().upper * 1.05);
    }
    const double span = xAxis->range().size();
    xAxis->setRange(xAxis->range().lower - 0.03 * span, xAxis->range().upper + 0.03 * span);
    replot();
}

QString TensorHistogramChart::tooltipFor(const QCPAbstractPlottable* plottable, int index) const {
    const auto* graph = qobject_cast<const QCPGraph*>(plottable);
    if (!graph || index < 0 || index >= graph->dataCount()) return {};
    const auto point = graph->data()->at(index);
    if (graph == m_clip)
        return tr("Clip range: values outside [%1, %2] saturate; %3 % clipped")
            .arg(graph->data()->at(0)->key, 0, 'g', 5)
            .arg(graph->data()->at(graph->dataCount() - 1)->key, 0, 'g', 5)
            .arg(m_clippedFraction * 100.0, 0, 'f', 3);
    if (graph == m_levels) return tr("Quantization level %1").arg(point->key, 0, 'g', 5);
    const int which = m_histograms.indexOf(const_cast<QCPGraph*>(graph));
    if (which < 0) return {};
    return tr("%1\n[%2, %3): %4 value(s)")
        .arg(graph->name())
        .arg(point->key, 0, 'g', 5)
        .arg(point->key + m_binWidths[which], 0, 'g', 5)
        .arg(qint64(point->value));
}

} // namespace qs
