// Histogram of a layer's weights (before and after BatchNorm merge, and as quantized when CLE
// changed them) or of its input / output activation, with the clip range and the quantization
// levels of the plan drawn on it and the clipped fraction in the title. Reads core's
// LayerHistograms (analysis/tensor_histograms.h) only.
#pragma once

#include "analysis/tensor_histograms.h"
#include "chart_base.h"

namespace qs {

class TensorHistogramChart : public AnalysisChart {
    Q_OBJECT

public:
    enum class Source { Weights, InputActivation, OutputActivation };
    explicit TensorHistogramChart(QWidget* parent = nullptr);

    // null: nothing to show (not a quantized layer, or no run yet). The chart keeps no pointer.
    void setLayer(const LayerHistograms* layer);
    void setSource(Source source);
    Source source() const { return m_source; }
    void setLogScale(bool log);
    bool logScale() const { return m_log; }

    // What is drawn, for tests and reports.
    QCPGraph* clipGraph() const { return m_clip; }     // (lo,0),(lo,1),(hi,1),(hi,0); null if float
    QCPGraph* levelsGraph() const { return m_levels; } // one impulse per level; null if not drawn
    QList<QCPGraph*> histogramGraphs() const { return m_histograms; }
    double clippedFraction() const { return m_clippedFraction; }

private:
    QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const override;
    void rebuild() override;
    void addHistogram(const TensorHistogram& h, const QString& name, const QColor& color);
    void drawGrid(const TensorHistogram& h);

    std::optional<LayerHistograms> m_layer;
    Source m_source = Source::Weights;
    bool m_log = false;
    QList<QCPGraph*> m_histograms;
    QList<double> m_binWidths; // per histogram graph, after display rebinning
    QCPGraph* m_clip = nullptr;
    QCPGraph* m_levels = nullptr;
    double m_clippedFraction = 0.0;
};

} // namespace qs
