// Graph-wise error through the network (core's analyzeErrorPropagation): for every tensor in
// topological order the SQNR of the fully quantized model against float, split into the error
// the producing node injects and the error it inherits from upstream; the injected share of
// the noise power as bars on a second axis. The selected node's tensor is marked.
#pragma once

#include "analysis/error_propagation.h"
#include "chart_base.h"

#include <optional>

namespace qs {

class ErrorPropagationChart : public AnalysisChart {
    Q_OBJECT

public:
    explicit ErrorPropagationChart(QWidget* parent = nullptr);
    void setResult(const ErrorPropagation* result); // null: nothing to show
    void setSelectedTensor(int index);              // -1: none
    int selectedTensor() const { return m_selected; }

    QCPGraph* totalGraph() const { return m_total; }
    QCPGraph* injectedGraph() const { return m_injected; }
    QCPGraph* inheritedGraph() const { return m_inherited; }
    QCPBars* shareBars() const { return m_share; }
    QCPItemStraightLine* selectionLine() const { return m_marker; }

signals:
    void tensorClicked(int index);

private:
    QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const override;
    void rebuild() override;

    std::optional<ErrorPropagation> m_result;
    int m_selected = -1;
    QCPGraph *m_total = nullptr, *m_injected = nullptr, *m_inherited = nullptr;
    QCPBars* m_share = nullptr;
    QCPItemStraightLine* m_marker = nullptr;
};

} // namespace qs
