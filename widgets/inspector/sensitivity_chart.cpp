#include "sensitivity_chart.h"

#include <cmath>

namespace qs {

namespace {

// Infinite SQNR (identical output) is not drawn.
double finiteOrNaN(double v) {
    return std::isfinite(v) ? v : qQNaN();
}

} // namespace

SensitivityChart::SensitivityChart(QWidget* parent)
    : AnalysisChart(parent) {
    setObjectName(QStringLiteral("sensitivityChart"));
    connect(this, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int index, QMouseEvent*) {
                if (!plottable || !plottable->interface1D() || index < 0) return;
                const int layer = int(std::lround(plottable->interface1D()->dataMainKey(index)));
                if (m_result && layer >= 0 && layer < int(m_result->layers.size()))
                    emit layerClicked(layer);
            });
    setResult(nullptr);
}

void SensitivityChart::setResult(const SensitivityResult* result) {
    m_result = result ? std::optional<SensitivityResult>(*result) : std::nullopt;
    rebuild();
}

void SensitivityChart::setSelectedLayer(int index) {
    m_selected = index;
    rebuild();
}

void SensitivityChart::rebuild() {
    xAxis->setLabel(tr("Layer (graph order)"));
    yAxis->setLabel(tr("Output SQNR (dB)"));
    clearChart();
    m_alone = m_selectedBars = nullptr;
    m_reverse = m_full = nullptr;
    if (!m_result || m_result->layers.empty()) {
        setPlaceholder(tr("Run with calibration data to see the sensitivity of every layer"));
        replot();
        return;
    }
    const auto& layers = m_result->layers;
    const int n = int(layers.size());
    m_alone = new QCPBars(xAxis, yAxis);
    m_alone->setName(tr("Only this layer quantized"));
    m_alone->setWidth(0.7);
    m_alone->setPen(Qt::NoPen);
    m_alone->setBrush(QColor(0x33, 0x6f, 0xb5));
    QVector<double> keys, alone, reverse;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < n; ++i) {
        keys << i;
        alone << finiteOrNaN(layers[size_t(i)].alone.sqnrDb);
        reverse << finiteOrNaN(layers[size_t(i)].reverse.sqnrDb);
        // Long exported names ("/features/features.3/conv/conv.1/Conv") keep their end; the
        // tooltip has the whole name.
        QString label = QString::fromStdString(layers[size_t(i)].node);
        if (label.size() > 18) label = QStringLiteral("\u2026") + label.right(17);
        ticker->addTick(i, label);
    }
    m_alone->setData(keys, alone, true);
    if (m_selected >= 0 && m_selected < n) {
        m_selectedBars = new QCPBars(xAxis, yAxis);
        m_selectedBars->setName(
            tr("Selected: %1").arg(QString::fromStdString(layers[size_t(m_selected)].node)));
        m_selectedBars->setWidth(0.7);
        m_selectedBars->setPen(QPen(Qt::black, 1));
        m_selectedBars->setBrush(QColor(0xe0, 0x80, 0x10));
        m_selectedBars->setData({double(m_selected)}, {alone[m_selected]}, true);
    }
    bool anyReverse = false;
    for (double v : reverse) anyReverse = anyReverse || !std::isnan(v);
    if (anyReverse) {
        m_reverse = addGraph();
        m_reverse->setName(tr("All but this layer quantized"));
        m_reverse->setPen(QPen(QColor(0x3c, 0x8d, 0x4f), 1.5));
        m_reverse->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
        m_reverse->setData(keys, reverse, true);
    }
    if (std::isfinite(m_result->full.sqnrDb)) {
        m_full = addGraph();
        m_full->setName(tr("Whole model quantized: %1 dB").arg(m_result->full.sqnrDb, 0, 'f', 1));
        m_full->setPen(QPen(QColor(0xc0, 0x20, 0x20), 1.5, Qt::DashLine));
        m_full->setData({-0.5, n - 0.5}, {m_result->full.sqnrDb, m_result->full.sqnrDb}, true);
    }
    ticker->setSubTickCount(0);
    xAxis->setTicker(ticker);
    xAxis->setTickLabelRotation(n > 12 ? 90 : 45);
    QFont small = font();
    small.setPointSizeF(std::max(5.0, small.pointSizeF() * (n > 30 ? 0.65 : 0.8)));
    xAxis->setTickLabelFont(small);
    setTitle(tr("Sensitivity: %n layer(s), %1 sample(s)", nullptr, n).arg(m_result->samples));
    rescaleAxes(true);
    xAxis->setRange(-0.8, n - 0.2);
    const QCPRange y = yAxis->range();
    yAxis->setRange(std::min(0.0, y.lower), y.upper + 0.08 * y.size() + 1);
    replot();
}

QString SensitivityChart::tooltipFor(const QCPAbstractPlottable* plottable, int index) const {
    auto* mutablePlottable = const_cast<QCPAbstractPlottable*>(plottable);
    if (!m_result || !mutablePlottable->interface1D()) return {};
    const int layer = int(std::lround(mutablePlottable->interface1D()->dataMainKey(index)));
    if (layer < 0 || layer >= int(m_result->layers.size())) return {};
    const LayerSensitivity& s = m_result->layers[size_t(layer)];
    return tr("%1 (%2)\nOnly this layer quantized: %3 dB, cosine %4\nAll but this layer: %5 dB\n"
              "Sensitivity rank %6 of %7")
        .arg(QString::fromStdString(s.node), QString::fromStdString(s.op))
        .arg(s.alone.sqnrDb, 0, 'f', 2)
        .arg(s.alone.cosine, 0, 'f', 5)
        .arg(s.reverse.sqnrDb, 0, 'f', 2)
        .arg(s.rank)
        .arg(m_result->layers.size());
}

} // namespace qs
