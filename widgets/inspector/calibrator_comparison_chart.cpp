#include "calibrator_comparison_chart.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace qs {

namespace {

constexpr int kMaxDisplayBins = 256;

// One colour per calibrator, in core's order (min-max, percentile, KL, MSE).
QColor choiceColor(int i) {
    static const QColor colors[] = {QColor(0xc0, 0x20, 0x20), QColor(0x2a, 0x7a, 0x2a),
                                    QColor(0x33, 0x5f, 0xc0), QColor(0x8e, 0x3c, 0xb0)};
    return colors[std::clamp(i, 0, 3)];
}

QString number(double v) {
    return QString::number(v, 'g', 4);
}

} // namespace

CalibratorComparisonChart::CalibratorComparisonChart(QWidget* parent)
    : AnalysisChart(parent) {
    setObjectName(QStringLiteral("calibratorComparisonChart"));
    yAxis2->setRange(0, 1);
    yAxis2->setVisible(false);
    legend->setWrap(1); // one calibrator a line: the entries are long
    setActivation(nullptr);
}

QString CalibratorComparisonChart::methodLabel(const std::string& method) {
    if (method == "minmax") return tr("min-max");
    if (method == "kl") return tr("KL");
    if (method == "mse") return tr("MSE");
    if (method.rfind("percentile:", 0) == 0)
        return tr("percentile %1").arg(QString::fromStdString(method.substr(11)));
    return QString::fromStdString(method);
}

void CalibratorComparisonChart::setActivation(const ActivationCalibrators* activation) {
    if (activation)
        m_activation = *activation;
    else
        m_activation.reset();
    rebuild();
}

void CalibratorComparisonChart::setLogScale(bool log) {
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

void CalibratorComparisonChart::rebuild() {
    xAxis->setLabel(tr("Value"));
    yAxis->setLabel(tr("Count"));
    clearChart();
    m_histogram = nullptr;
    m_binWidth = 0.0;
    m_clips.clear();
    if (!m_activation) {
        setPlaceholder(tr("Select a node with a calibrated output activation after a run with "
                          "calibration data to compare calibrators"));
        replot();
        return;
    }
    const TensorHistogram& h = m_activation->histogram;
    const TensorCalibratorComparison& c = m_activation->comparison;
    double lo = h.min, hi = h.max;
    if (!h.counts.empty()) {
        // Display rebinning only: neighbouring bins summed so that at most kMaxDisplayBins show.
        const size_t factor = (h.counts.size() + kMaxDisplayBins - 1) / kMaxDisplayBins;
        m_binWidth = h.binWidth * double(factor);
        QVector<double> keys, values;
        for (size_t i = 0; i < h.counts.size(); i += factor) {
            int64_t sum = 0;
            for (size_t j = i; j < std::min(h.counts.size(), i + factor); ++j) sum += h.counts[j];
            keys << h.firstBinLower + double(i) * h.binWidth;
            values << double(sum);
        }
        keys << keys.back() + m_binWidth;
        values << 0.0;
        m_histogram = addGraph();
        m_histogram->setName(tr("Calibration histogram"));
        m_histogram->setLineStyle(QCPGraph::lsStepLeft);
        const QColor color(0x88, 0x88, 0x88);
        QColor fill = color;
        fill.setAlpha(60);
        m_histogram->setPen(QPen(color, 1.2));
        m_histogram->setBrush(fill);
        m_histogram->setData(keys, values, true);
    }
    for (size_t i = 0; i < c.choices.size(); ++i) {
        const CalibratorChoice& choice = c.choices[i];
        if (!choice.error.empty()) {
            m_clips << nullptr;
            continue;
        }
        // Brackets at decreasing heights so that equal ranges stay apart.
        const double top = 0.96 - 0.07 * double(i);
        QCPGraph* g = addGraph(xAxis, yAxis2);
        QString name =
            tr("%1: [%2, %3], MSE %4")
                .arg(methodLabel(choice.method), number(choice.range.lo), number(choice.range.hi))
                .arg(choice.quantMse, 0, 'g', 3);
        if (choice.outputSqnrDb)
            name += QLatin1String(", ") + tr("output %1 dB").arg(*choice.outputSqnrDb, 0, 'f', 2);
        if (choice.current) name += QLatin1Char(' ') + tr("(current)");
        g->setName(name);
        g->setPen(QPen(choiceColor(int(i)), choice.current ? 2.5 : 1.8,
                       choice.current ? Qt::SolidLine : Qt::DashLine));
        g->setData({double(choice.range.lo), double(choice.range.lo), double(choice.range.hi),
                    double(choice.range.hi)},
                   {0.0, top, top, 0.0}, true);
        m_clips << g;
        lo = std::min(lo, double(choice.range.lo));
        hi = std::max(hi, double(choice.range.hi));
    }
    QString title = shortName(QString::fromStdString(c.tensor));
    if (c.bestByMse >= 0)
        title += QStringLiteral(" \u2014 ") +
                 tr("lowest MSE: %1").arg(methodLabel(c.choices[size_t(c.bestByMse)].method));
    if (c.bestBySqnr >= 0)
        title +=
            QStringLiteral("; ") +
            tr("best output SQNR: %1").arg(methodLabel(c.choices[size_t(c.bestBySqnr)].method));
    setTitle(title);
    rescaleAxes(true);
    yAxis2->setRange(0, 1);
    if (m_log) {
        double top = 1;
        if (m_histogram)
            for (auto it = m_histogram->data()->constBegin(); it != m_histogram->data()->constEnd();
                 ++it)
                top = std::max(top, it->value);
        yAxis->setRange(0.8, top * 1.5);
    } else {
        yAxis->setRangeLower(0);
        yAxis->setRangeUpper(yAxis->range().upper * 1.05);
    }
    const double span = std::max(hi - lo, 1e-12);
    xAxis->setRange(lo - 0.03 * span, hi + 0.03 * span);
    replot();
}

QString CalibratorComparisonChart::tooltipFor(const QCPAbstractPlottable* plottable,
                                              int index) const {
    const auto* graph = qobject_cast<const QCPGraph*>(plottable);
    if (!graph || !m_activation || index < 0 || index >= graph->dataCount()) return {};
    if (graph == m_histogram) {
        const auto point = graph->data()->at(index);
        return tr("[%1, %2): %3 value(s)")
            .arg(point->key, 0, 'g', 5)
            .arg(point->key + m_binWidth, 0, 'g', 5)
            .arg(qint64(point->value));
    }
    const int which = m_clips.indexOf(const_cast<QCPGraph*>(graph));
    if (which < 0) return {};
    const CalibratorChoice& c = m_activation->comparison.choices[size_t(which)];
    QString text = tr("%1: clip range [%2, %3]\nquantization MSE %4, %5 % of the values clipped")
                       .arg(methodLabel(c.method), number(c.range.lo), number(c.range.hi))
                       .arg(c.quantMse, 0, 'g', 4)
                       .arg(c.clippedFraction * 100.0, 0, 'f', 3);
    if (c.outputSqnrDb)
        text += QLatin1Char('\n') +
                tr("output SQNR with this range: %1 dB").arg(*c.outputSqnrDb, 0, 'f', 2);
    return text;
}

CalibratorComparisonPanel::CalibratorComparisonPanel(QWidget* parent)
    : QWidget(parent)
    , m_chart(new CalibratorComparisonChart(this))
    , m_log(new QCheckBox(this))
    , m_hint(new QLabel(this)) {
    setObjectName(QStringLiteral("calibratorComparisonPanel"));
    m_log->setObjectName(QStringLiteral("calibratorLogScale"));
    m_hint->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(m_log);
    top->addStretch(1);
    auto* buttons = new QHBoxLayout;
    static const char* const kMethods[] = {"minmax", "percentile", "kl", "mse"};
    for (int i = 0; i < 4; ++i) {
        auto* button = new QPushButton(this);
        button->setObjectName(QStringLiteral("useCalibrator_%1").arg(QLatin1String(kMethods[i])));
        button->setEnabled(false);
        connect(button, &QPushButton::clicked, this, [this, i] {
            if (i < m_methods.size() && !m_tensor.isEmpty())
                emit useRequested(m_tensor, m_methods[i]);
        });
        buttons->addWidget(button);
        m_use << button;
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(m_chart, 1);
    layout->addWidget(m_hint);
    layout->addLayout(buttons);
    connect(m_log, &QCheckBox::toggled, m_chart, &CalibratorComparisonChart::setLogScale);
    // Log counts by default: after a Relu the bin at zero dwarfs the rest of the histogram.
    m_log->setChecked(true);
    setActivation(nullptr);
}

void CalibratorComparisonPanel::setActivation(const ActivationCalibrators* activation) {
    m_chart->setActivation(activation);
    m_tensor.clear();
    m_methods.clear();
    m_current.clear();
    m_failed.clear();
    if (activation) {
        m_tensor = QString::fromStdString(activation->comparison.tensor);
        for (const CalibratorChoice& c : activation->comparison.choices) {
            m_methods << QString::fromStdString(c.method);
            m_current << c.current;
            m_failed << !c.error.empty();
        }
    }
    retranslateUi();
}

void CalibratorComparisonPanel::retranslateUi() {
    m_log->setText(tr("Log scale"));
    m_hint->setText(m_tensor.isEmpty()
                        ? QString()
                        : tr("Use sets --tensor-calib %1=METHOD in the settings; the next Run "
                             "calibrates this tensor with it.")
                              .arg(m_tensor));
    for (int i = 0; i < m_use.size(); ++i) {
        QPushButton* b = m_use[i];
        const bool known = i < m_methods.size();
        const QString label =
            known ? CalibratorComparisonChart::methodLabel(m_methods[i].toStdString()) : QString();
        b->setText(known ? tr("Use %1").arg(label) : tr("Use"));
        b->setEnabled(known && !m_failed[i] && !m_current[i]);
        b->setToolTip(!known        ? tr("Run with calibration data first")
                      : m_failed[i] ? tr("This calibrator failed on the tensor")
                      : m_current[i]
                          ? tr("The run already uses this range")
                          : tr("Calibrate %1 with %2 from the next Run on").arg(m_tensor, label));
    }
}

void CalibratorComparisonPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QWidget::changeEvent(event);
}

} // namespace qs
