// Per-layer sensitivity over the whole model (core's analyzeSensitivity): output SQNR with only
// that layer quantized as bars in graph order, the selected layer highlighted, the SQNR with
// all but that layer quantized as a line, and the whole quantized model as a reference line.
#pragma once

#include "analysis/sensitivity.h"
#include "chart_base.h"

#include <optional>

namespace qs {

class SensitivityChart : public AnalysisChart {
    Q_OBJECT

public:
    explicit SensitivityChart(QWidget* parent = nullptr);
    void setResult(const SensitivityResult* result); // null: nothing to show
    void setSelectedLayer(int index);                // -1: none
    int selectedLayer() const { return m_selected; }

    QCPBars* aloneBars() const { return m_alone; }
    QCPBars* selectedBars() const { return m_selectedBars; } // one bar, null without selection
    QCPGraph* reverseGraph() const { return m_reverse; }

signals:
    void layerClicked(int index);

private:
    QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const override;
    void rebuild() override;

    std::optional<SensitivityResult> m_result;
    int m_selected = -1;
    QCPBars* m_alone = nullptr;
    QCPBars* m_selectedBars = nullptr;
    QCPGraph* m_reverse = nullptr;
    QCPGraph* m_full = nullptr;
};

} // namespace qs
