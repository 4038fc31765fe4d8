// Per output channel [min, max] of a layer's weight: before BatchNorm merge (grey) and after it
// (blue) as bars around zero, after CLE as markers when CLE ran, outlier channels (core's
// weight-outlier analysis) in red, and the BN factor γ/√(σ²+ε) of every channel on a second
// axis beside its bars — a channel that grows after the merge shows its cause at a glance.
#pragma once

#include "analysis/channel_spread.h"
#include "analysis/weight_outliers.h"
#include "chart_base.h"

#include <optional>
#include <vector>

namespace qs {

class PerChannelRangeChart : public AnalysisChart {
    Q_OBJECT

public:
    explicit PerChannelRangeChart(QWidget* parent = nullptr);

    // spread null: nothing to show. outliers and bnFactor may be null (none known / no BN).
    void setLayer(const LayerChannelSpread* spread, const LayerOutliers* outliers,
                  const std::vector<float>* bnFactor);
    // Frames one channel (from the outlier list); -1 removes the frame.
    void highlightChannel(int channel);
    int highlightedChannel() const { return m_highlighted; }

    // What is drawn, for tests and reports.
    QCPBars* afterMaxBars() const { return m_afterMax; }
    QCPBars* afterMinBars() const { return m_afterMin; }
    QCPBars* beforeMaxBars() const { return m_beforeMax; } // null when no BN was merged
    QCPBars* beforeMinBars() const { return m_beforeMin; }
    QCPBars* outlierMaxBars() const { return m_outlierMax; } // null without outlier channels
    QCPGraph* bnFactorGraph() const { return m_bnFactor; }   // null without BN

signals:
    void channelClicked(int channel);

private:
    QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const override;
    void rebuild() override;
    QCPBars* addBars(const QString& name, const QColor& color, double offset, double width,
                     const std::vector<float>& values, const std::vector<int64_t>* only = nullptr);

    std::optional<LayerChannelSpread> m_spread;
    std::optional<LayerOutliers> m_outliers;
    std::vector<float> m_factor;
    int m_highlighted = -1;
    QCPBars *m_afterMax = nullptr, *m_afterMin = nullptr;
    QCPBars *m_beforeMax = nullptr, *m_beforeMin = nullptr;
    QCPBars *m_outlierMax = nullptr, *m_outlierMin = nullptr;
    QCPGraph *m_cleMax = nullptr, *m_cleMin = nullptr;
    QCPGraph* m_bnFactor = nullptr;
    QCPItemRect* m_frame = nullptr;
};

} // namespace qs
