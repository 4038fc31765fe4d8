#include "error_propagation_chart.h"

#include <cmath>

namespace qs {

namespace {

double finiteOrNaN(double v) {
    return std::isfinite(v) ? v : qQNaN();
}

} // namespace

ErrorPropagationChart::ErrorPropagationChart(QWidget* parent)
    : AnalysisChart(parent) {
    setObjectName(QStringLiteral("errorPropagationChart"));
    connect(this, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int index, QMouseEvent*) {
                if (!plottable || !plottable->interface1D() || index < 0 || !m_result) return;
                const int t = int(std::lround(plottable->interface1D()->dataMainKey(index)));
                if (t >= 0 && t < int(m_result->tensors.size())) emit tensorClicked(t);
            });
    setResult(nullptr);
}

void ErrorPropagationChart::setResult(const ErrorPropagation* result) {
    m_result = result ? std::optional<ErrorPropagation>(*result) : std::nullopt;
    rebuild();
}

void ErrorPropagationChart::setSelectedTensor(int index) {
    m_selected = index;
    rebuild();
}

void ErrorPropagationChart::rebuild() {
    xAxis->setLabel(tr("Tensor (topological order)"));
    yAxis->setLabel(tr("SQNR against float (dB)"));
    yAxis2->setLabel(tr("Injected share of the noise"));
    clearChart();
    m_total = m_injected = m_inherited = nullptr;
    m_share = nullptr;
    m_marker = nullptr;
    yAxis2->setVisible(false);
    if (!m_result || m_result->tensors.empty()) {
        setPlaceholder(tr("Run with calibration data to see the error through the network"));
        replot();
        return;
    }
    const auto& tensors = m_result->tensors;
    QVector<double> keys, total, injected, inherited, share;
    for (size_t i = 0; i < tensors.size(); ++i) {
        keys << double(i);
        total << finiteOrNaN(tensors[i].totalSqnrDb);
        injected << finiteOrNaN(tensors[i].injectedSqnrDb);
        inherited << finiteOrNaN(tensors[i].inheritedSqnrDb);
        share << tensors[i].injectedShare;
    }
    m_share = new QCPBars(xAxis, yAxis2);
    m_share->setName(tr("Injected share (right axis)"));
    m_share->setWidth(0.8);
    m_share->setPen(Qt::NoPen);
    m_share->setBrush(QColor(0xc0, 0x7a, 0x14, 90));
    m_share->setData(keys, share, true);
    yAxis2->setVisible(true);
    yAxis2->setRange(0, 1.05);
    auto line = [this, &keys](const QString& name, const QVector<double>& values,
                              const QColor& color, Qt::PenStyle style) {
        QCPGraph* g = addGraph();
        g->setName(name);
        g->setPen(QPen(color, 1.6, style));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 3));
        g->setData(keys, values, true);
        return g;
    };
    m_total = line(tr("Total (quantized model vs float)"), total, QColor(0x20, 0x20, 0x20),
                   Qt::SolidLine);
    m_injected = line(tr("Injected here"), injected, QColor(0xc0, 0x20, 0x20), Qt::SolidLine);
    m_inherited =
        line(tr("Inherited from upstream"), inherited, QColor(0x33, 0x6f, 0xb5), Qt::DashLine);
    if (m_selected >= 0 && m_selected < int(tensors.size())) {
        m_marker = new QCPItemStraightLine(this);
        m_marker->point1->setCoords(m_selected, 0);
        m_marker->point2->setCoords(m_selected, 1);
        m_marker->setPen(QPen(QColor(0xe0, 0x80, 0x10), 2));
        setTitle(tr("Graph-wise error at %1\ntotal %2 dB, %3 % of the noise injected here")
                     .arg(QString::fromStdString(tensors[size_t(m_selected)].tensor))
                     .arg(tensors[size_t(m_selected)].totalSqnrDb, 0, 'f', 1)
                     .arg(tensors[size_t(m_selected)].injectedShare * 100, 0, 'f', 0));
    } else {
        setTitle(tr("Graph-wise error: %n tensor(s), %1 sample(s)", nullptr, int(tensors.size()))
                     .arg(m_result->samples));
    }
    rescaleAxes(true);
    yAxis2->setRange(0, 1.05);
    xAxis->setRange(-1, double(tensors.size()));
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create(); // tensor indices
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    xAxis->setTicker(ticker);
    const QCPRange y = yAxis->range();
    yAxis->setRange(y.lower - 0.05 * y.size() - 1, y.upper + 0.1 * y.size() + 1);
    replot();
}

QString ErrorPropagationChart::tooltipFor(const QCPAbstractPlottable* plottable, int index) const {
    auto* mutablePlottable = const_cast<QCPAbstractPlottable*>(plottable);
    if (!m_result || !mutablePlottable->interface1D()) return {};
    const int t = int(std::lround(mutablePlottable->interface1D()->dataMainKey(index)));
    if (t < 0 || t >= int(m_result->tensors.size())) return {};
    const TensorError& e = m_result->tensors[size_t(t)];
    return tr("%1 (%2 %3)\nTotal: %4 dB\nInjected here: %5 dB\nInherited: %6 dB\nInjected share: "
              "%7 %")
        .arg(QString::fromStdString(e.tensor), QString::fromStdString(e.op),
             QString::fromStdString(e.node))
        .arg(e.totalSqnrDb, 0, 'f', 2)
        .arg(e.injectedSqnrDb, 0, 'f', 2)
        .arg(e.inheritedSqnrDb, 0, 'f', 2)
        .arg(e.injectedShare * 100, 0, 'f', 1);
}

} // namespace qs
