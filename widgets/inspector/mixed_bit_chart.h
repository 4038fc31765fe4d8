// The mixed-bit suggestion (core's suggestMixedBits): the Pareto curve of average weight bits
// against predicted output SQNR, the budget, the suggested point and its measured SQNR (the
// suggestion quantized and run). Clicking a point picks it; MixedBitPanel adds the assignment
// table and "Apply", which sets those bits in the settings.
#pragma once

#include "analysis/mixed_bits.h"
#include "chart_base.h"

#include <QWidget>
#include <map>
#include <optional>
#include <string>

class QLabel;
class QPushButton;
class QTableWidget;

namespace qs {

class MixedBitChart : public AnalysisChart {
    Q_OBJECT

public:
    explicit MixedBitChart(QWidget* parent = nullptr);
    // measuredSqnrDb: the chosen assignment's measured SQNR, NaN if not measured.
    void setResult(const MixedBitsResult* result, double measuredSqnrDb);
    // Picks a Pareto point (index into pareto); -1 = the suggestion.
    void pickPoint(int index);
    int pickedPoint() const { return m_picked; }

    QCPGraph* paretoGraph() const { return m_pareto; }
    QCPGraph* measuredGraph() const { return m_measured; } // null when not measured
    QCPGraph* budgetGraph() const { return m_budget; }

signals:
    void pointPicked(int index);

private:
    QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const override;
    void rebuild() override;

    std::optional<MixedBitsResult> m_result;
    double m_measured_db = qQNaN();
    int m_picked = -1;
    QCPGraph *m_pareto = nullptr, *m_measured = nullptr, *m_budget = nullptr;
    QCPGraph *m_chosen = nullptr, *m_pickedGraph = nullptr;
};

class MixedBitPanel : public QWidget {
    Q_OBJECT

public:
    explicit MixedBitPanel(QWidget* parent = nullptr);
    void setResult(const MixedBitsResult* result, double measuredSqnrDb);
    MixedBitChart* chart() const { return m_chart; }
    QPushButton* applyButton() const { return m_apply; }
    // The assignment shown (the suggestion, or the picked Pareto point): node → weight bits.
    std::map<std::string, int> assignment() const { return m_assignment; }

signals:
    // The user picked a point: recolour the graph by these bits.
    void assignmentPicked(const std::map<std::string, int>& assignment);
    // "Apply": set these bits in the settings.
    void applyRequested(const std::map<std::string, int>& assignment);

protected:
    void changeEvent(QEvent* event) override;

private:
    void showPoint(int index);
    void retranslateUi();

    MixedBitChart* m_chart;
    QLabel* m_summary;
    QTableWidget* m_table;
    QPushButton* m_apply;
    std::optional<MixedBitsResult> m_result;
    std::map<std::string, int> m_assignment;
    int m_point = -1;
};

} // namespace qs
