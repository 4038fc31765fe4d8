#include "mixed_bit_chart.h"

#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace qs {

MixedBitChart::MixedBitChart(QWidget* parent)
    : AnalysisChart(parent) {
    setObjectName(QStringLiteral("mixedBitChart"));
    connect(this, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int index, QMouseEvent*) {
                if (plottable == m_pareto && index >= 0) {
                    pickPoint(index);
                    emit pointPicked(index);
                }
            });
    setResult(nullptr, qQNaN());
}

void MixedBitChart::setResult(const MixedBitsResult* result, double measuredSqnrDb) {
    m_result = result ? std::optional<MixedBitsResult>(*result) : std::nullopt;
    m_measured_db = measuredSqnrDb;
    m_picked = -1;
    rebuild();
}

void MixedBitChart::pickPoint(int index) {
    m_picked = index;
    rebuild();
}

void MixedBitChart::rebuild() {
    xAxis->setLabel(tr("Average weight bits (weighted by parameters)"));
    yAxis->setLabel(tr("Output SQNR (dB)"));
    clearChart();
    m_pareto = m_measured = m_budget = m_chosen = m_pickedGraph = nullptr;
    yAxis2->setVisible(false);
    yAxis2->setRange(0, 1);
    if (!m_result || m_result->pareto.empty()) {
        setPlaceholder(tr("Run with calibration data to see the mixed-bit suggestion"));
        replot();
        return;
    }
    const MixedBitsResult& r = *m_result;
    QVector<double> keys, values;
    for (const MixedBitsPoint& p : r.pareto) {
        keys << p.averageBits;
        values << (std::isfinite(p.predictedSqnrDb) ? p.predictedSqnrDb : qQNaN());
    }
    m_budget = addGraph(xAxis, yAxis2);
    m_budget->setName(tr("Budget: %1 bits").arg(r.budgetBits, 0, 'f', 2));
    m_budget->setPen(QPen(QColor(0x80, 0x80, 0x80), 1.5, Qt::DashLine));
    m_budget->setData({r.budgetBits, r.budgetBits}, {0.0, 1.0}, true);
    m_pareto = addGraph();
    m_pareto->setName(tr("Predicted (Pareto points)"));
    m_pareto->setPen(QPen(QColor(0x33, 0x6f, 0xb5), 1.6));
    m_pareto->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    m_pareto->setData(keys, values, true);
    m_chosen = addGraph();
    m_chosen->setName(tr("Suggested: %1 bits, %2 dB predicted")
                          .arg(r.chosen.averageBits, 0, 'f', 2)
                          .arg(r.chosen.predictedSqnrDb, 0, 'f', 1));
    m_chosen->setLineStyle(QCPGraph::lsNone);
    m_chosen->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar,
                                              QPen(QColor(0xe0, 0x80, 0x10), 2), Qt::NoBrush, 14));
    m_chosen->setData({r.chosen.averageBits}, {r.chosen.predictedSqnrDb}, true);
    if (std::isfinite(m_measured_db)) {
        m_measured = addGraph();
        m_measured->setName(tr("Measured: %1 dB").arg(m_measured_db, 0, 'f', 1));
        m_measured->setLineStyle(QCPGraph::lsNone);
        m_measured->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare,
                                                    QPen(QColor(0xc0, 0x20, 0x20), 2),
                                                    QColor(0xc0, 0x20, 0x20), 9));
        m_measured->setData({r.chosen.averageBits}, {m_measured_db}, true);
    }
    if (m_picked >= 0 && m_picked < int(r.pareto.size())) {
        m_pickedGraph = addGraph();
        m_pickedGraph->setName(tr("Picked point"));
        m_pickedGraph->setLineStyle(QCPGraph::lsNone);
        m_pickedGraph->setScatterStyle(QCPScatterStyle(
            QCPScatterStyle::ssCircle, QPen(QColor(0x3c, 0x8d, 0x4f), 2), Qt::NoBrush, 14));
        m_pickedGraph->setData({keys[m_picked]}, {values[m_picked]}, true);
    }
    setTitle(tr("Mixed bits: %n Pareto point(s)", nullptr, int(r.pareto.size())));
    rescaleAxes(true);
    yAxis2->setRange(0, 1);
    const QCPRange x = xAxis->range(), y = yAxis->range();
    xAxis->setRange(std::min(x.lower, r.budgetBits) - 0.3, std::max(x.upper, r.budgetBits) + 0.3);
    yAxis->setRange(y.lower - 0.08 * y.size() - 1, y.upper + 0.08 * y.size() + 1);
    replot();
}

QString MixedBitChart::tooltipFor(const QCPAbstractPlottable* plottable, int index) const {
    if (!m_result) return {};
    if (plottable == m_pareto && index >= 0 && index < int(m_result->pareto.size())) {
        const MixedBitsPoint& p = m_result->pareto[size_t(index)];
        return tr("%1 average bits\nPredicted output SQNR: %2 dB\nClick to show this assignment")
            .arg(p.averageBits, 0, 'f', 3)
            .arg(p.predictedSqnrDb, 0, 'f', 2);
    }
    if (plottable == m_measured)
        return tr("The suggestion quantized and run: %1 dB").arg(m_measured_db, 0, 'f', 2);
    if (plottable == m_chosen)
        return tr("Best predicted point within the budget of %1 bits")
            .arg(m_result->budgetBits, 0, 'f', 2);
    if (plottable == m_budget) return tr("Budget: %1 average bits").arg(m_result->budgetBits);
    return {};
}

MixedBitPanel::MixedBitPanel(QWidget* parent)
    : QWidget(parent)
    , m_chart(new MixedBitChart(this))
    , m_summary(new QLabel(this))
    , m_table(new QTableWidget(0, 3, this))
    , m_apply(new QPushButton(this)) {
    m_apply->setObjectName(QStringLiteral("applyMixedBits"));
    m_table->setObjectName(QStringLiteral("mixedBitAssignment"));
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_summary->setWordWrap(true);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_chart);
    auto* bottom = new QWidget(splitter);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_summary);
    bottomLayout->addWidget(m_table, 1);
    bottomLayout->addWidget(m_apply);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    connect(m_chart, &MixedBitChart::pointPicked, this, [this](int index) {
        showPoint(index);
        emit assignmentPicked(m_assignment);
    });
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (!m_assignment.empty()) emit applyRequested(m_assignment);
    });
    retranslateUi();
    setResult(nullptr, qQNaN());
}

void MixedBitPanel::setResult(const MixedBitsResult* result, double measuredSqnrDb) {
    m_result = result ? std::optional<MixedBitsResult>(*result) : std::nullopt;
    m_chart->setResult(result, measuredSqnrDb);
    showPoint(-1);
}

void MixedBitPanel::showPoint(int index) {
    m_point = index;
    m_table->setRowCount(0);
    m_assignment.clear();
    m_apply->setEnabled(false);
    if (!m_result) {
        retranslateUi();
        return;
    }
    const MixedBitsPoint& p = index >= 0 && index < int(m_result->pareto.size())
                                  ? m_result->pareto[size_t(index)]
                                  : m_result->chosen;
    m_assignment = p.assignment;
    m_table->setRowCount(int(m_result->table.size()));
    int row = 0;
    for (const LayerBitNoise& l : m_result->table) {
        const auto it = p.assignment.find(l.node);
        const int bits = it == p.assignment.end() ? l.configuredBits : it->second;
        auto* name = new QTableWidgetItem(QString::fromStdString(l.node));
        auto* configured = new QTableWidgetItem(QString::number(l.configuredBits));
        auto* chosen = new QTableWidgetItem(QString::number(bits));
        if (bits != l.configuredBits) {
            QFont bold = chosen->font();
            bold.setBold(true);
            chosen->setFont(bold);
        }
        m_table->setItem(row, 0, name);
        m_table->setItem(row, 1, configured);
        m_table->setItem(row, 2, chosen);
        ++row;
    }
    m_table->resizeColumnsToContents();
    m_apply->setEnabled(!m_assignment.empty());
    retranslateUi();
}

void MixedBitPanel::retranslateUi() {
    m_table->setHorizontalHeaderLabels({tr("Layer"), tr("Configured bits"), tr("Suggested bits")});
    m_apply->setText(tr("Apply These Bits to the Settings"));
    m_apply->setToolTip(tr("Sets a per-layer weight bit width (--layer-bits) for every layer "
                           "whose bits differ from the configured ones; Run to measure"));
    if (!m_result) {
        m_summary->setText(tr("No mixed-bit suggestion: run with calibration data."));
        return;
    }
    const MixedBitsPoint& p = m_point >= 0 && m_point < int(m_result->pareto.size())
                                  ? m_result->pareto[size_t(m_point)]
                                  : m_result->chosen;
    QString text = m_point >= 0 ? tr("Picked point: %1 average bits, predicted %2 dB.")
                                      .arg(p.averageBits, 0, 'f', 2)
                                      .arg(p.predictedSqnrDb, 0, 'f', 1)
                                : tr("Suggestion within %1 bits: %2 average bits, predicted %3 dB.")
                                      .arg(m_result->budgetBits, 0, 'f', 2)
                                      .arg(p.averageBits, 0, 'f', 2)
                                      .arg(p.predictedSqnrDb, 0, 'f', 1);
    if (m_point < 0 && !m_result->withinBudget)
        text += QLatin1Char(' ') + tr("No assignment fits the budget; this is the smallest.");
    m_summary->setText(text);
}

void MixedBitPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QWidget::changeEvent(event);
}

} // namespace qs
