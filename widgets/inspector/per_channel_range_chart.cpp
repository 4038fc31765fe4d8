#include "per_channel_range_chart.h"

#include <algorithm>
#include <cmath>

namespace qs {

PerChannelRangeChart::PerChannelRangeChart(QWidget* parent)
    : AnalysisChart(parent) {
    setObjectName(QStringLiteral("perChannelRangeChart"));
    connect(this, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int index, QMouseEvent*) {
                if (!plottable || index < 0) return;
                const double key =
                    plottable->interface1D() ? plottable->interface1D()->dataMainKey(index) : -1.0;
                const int channel = int(std::lround(key - 0.2));
                if (channel >= 0) emit channelClicked(channel);
            });
    setLayer(nullptr, nullptr, nullptr);
}

void PerChannelRangeChart::setLayer(const LayerChannelSpread* spread, const LayerOutliers* outliers,
                                    const std::vector<float>* bnFactor) {
    m_spread = spread ? std::optional<LayerChannelSpread>(*spread) : std::nullopt;
    m_outliers = outliers ? std::optional<LayerOutliers>(*outliers) : std::nullopt;
    m_factor = bnFactor ? *bnFactor : std::vector<float>{};
    m_highlighted = -1;
    rebuild();
}

QCPBars* PerChannelRangeChart::addBars(const QString& name, const QColor& color, double offset,
                                       double width, const std::vector<float>& values,
                                       const std::vector<int64_t>* only) {
    auto* bars = new QCPBars(xAxis, yAxis);
    bars->setName(name);
    bars->setWidth(width);
    bars->setPen(Qt::NoPen);
    bars->setBrush(color);
    QVector<double> keys, heights;
    if (only) {
        for (int64_t c : *only) {
            if (c < 0 || size_t(c) >= values.size()) continue;
            keys << double(c) + offset;
            heights << double(values[size_t(c)]);
        }
    } else {
        for (size_t c = 0; c < values.size(); ++c) {
            keys << double(c) + offset;
            heights << double(values[c]);
        }
    }
    bars->setData(keys, heights, true);
    return bars;
}

void PerChannelRangeChart::rebuild() {
    xAxis->setLabel(tr("Output channel"));
    yAxis->setLabel(tr("Weight range [min, max]"));
    yAxis2->setLabel(tr("BN factor \u03b3/\u221a(\u03c3\u00b2+\u03b5)"));
    clearChart();
    m_afterMax = m_afterMin = m_beforeMax = m_beforeMin = m_outlierMax = m_outlierMin = nullptr;
    m_cleMax = m_cleMin = m_bnFactor = nullptr;
    m_frame = nullptr;
    yAxis2->setVisible(false);
    if (!m_spread) {
        setPlaceholder(tr("Select a quantized layer after a run to see its channel ranges"));
        replot();
        return;
    }
    const LayerChannelSpread& s = *m_spread;
    const bool hasBn = !m_factor.empty();
    const double width = hasBn ? 0.4 : 0.8;
    const double after = hasBn ? 0.2 : 0.0;
    if (hasBn) {
        const QColor grey(0xa0, 0xa0, 0xa0);
        m_beforeMax = addBars(tr("Before BN merge"), grey, -0.2, width, s.weightBeforeBn.max);
        m_beforeMin = addBars(QString(), grey, -0.2, width, s.weightBeforeBn.min);
        m_beforeMin->removeFromLegend();
    }
    const QColor blue(0x33, 0x6f, 0xb5);
    m_afterMax = addBars(hasBn ? tr("After BN merge") : tr("Weight range"), blue, after, width,
                         s.weightAfterBn.max);
    m_afterMin = addBars(QString(), blue, after, width, s.weightAfterBn.min);
    m_afterMin->removeFromLegend();
    if (m_outliers && !m_outliers->outlierChannels.empty()) {
        const QColor red(0xd0, 0x30, 0x30);
        m_outlierMax =
            addBars(tr("Outlier channel (%n)", nullptr, int(m_outliers->outlierChannels.size())),
                    red, after, width, s.weightAfterBn.max, &m_outliers->outlierChannels);
        m_outlierMin = addBars(QString(), red, after, width, s.weightAfterBn.min,
                               &m_outliers->outlierChannels);
        m_outlierMin->removeFromLegend();
    }
    if (s.weightAfterCle) {
        auto markers = [this, after](const QString& name, const std::vector<float>& v) {
            QCPGraph* g = addGraph();
            g->setName(name);
            g->setLineStyle(QCPGraph::lsNone);
            g->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(0x3c, 0x8d, 0x4f), 5));
            QVector<double> keys, values;
            for (size_t c = 0; c < v.size(); ++c) {
                keys << double(c) + after;
                values << double(v[c]);
            }
            g->setData(keys, values, true);
            return g;
        };
        m_cleMax = markers(tr("After CLE"), s.weightAfterCle->max);
        m_cleMin = markers(QString(), s.weightAfterCle->min);
        m_cleMin->removeFromLegend();
    }
    if (hasBn) {
        m_bnFactor = addGraph(xAxis, yAxis2);
        m_bnFactor->setName(tr("BN factor"));
        m_bnFactor->setLineStyle(QCPGraph::lsNone);
        m_bnFactor->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssDiamond, QColor(0x8a, 0x3f, 0xb0), 6));
        QVector<double> keys, values;
        for (size_t c = 0; c < m_factor.size(); ++c) {
            keys << double(c) + 0.5; // beside the channel's pair of bars
            values << double(m_factor[c]);
        }
        m_bnFactor->setData(keys, values, true);
        yAxis2->setVisible(true);
    }
    QString title = shortName(QString::fromStdString(s.node));
    if (m_outliers)
        title += QStringLiteral(" \u2014 ") +
                 tr("channel range ratio %1").arg(m_outliers->channelRangeRatio, 0, 'f', 1);
    setTitle(title);
    rescaleAxes(true);
    const double lo = std::min(0.0, yAxis->range().lower), hi = std::max(0.0, yAxis->range().upper);
    yAxis->setRange(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
    if (hasBn) {
        const auto [mn, mx] = std::minmax_element(m_factor.begin(), m_factor.end());
        const double a = std::min(0.0, double(*mn)), b = std::max(0.0, double(*mx));
        yAxis2->setRange(a - 0.05 * (b - a), b + 0.05 * (b - a) + 1e-12);
    }
    xAxis->setRange(-1, double(s.weightAfterBn.channels()));
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create(); // channels are whole numbers
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    xAxis->setTicker(ticker);
    replot();
}

void PerChannelRangeChart::highlightChannel(int channel) {
    if (m_frame) {
        removeItem(m_frame);
        m_frame = nullptr;
    }
    m_highlighted = channel;
    if (!m_spread || channel < 0 || size_t(channel) >= m_spread->weightAfterBn.channels()) {
        m_highlighted = -1;
        replot();
        return;
    }
    m_frame = new QCPItemRect(this);
    m_frame->setClipToAxisRect(true);
    m_frame->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
    m_frame->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_frame->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
    m_frame->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_frame->topLeft->setCoords(channel - 0.5, 0.0);
    m_frame->bottomRight->setCoords(channel + 0.5, 1.0);
    m_frame->setPen(QPen(QColor(0xd0, 0x30, 0x30), 2));
    m_frame->setBrush(QColor(0xd0, 0x30, 0x30, 30));
    // Bring the channel into view at the current zoom.
    const QCPRange r = xAxis->range();
    if (channel < r.lower || channel > r.upper) {
        const double half = r.size() / 2;
        xAxis->setRange(channel - half, channel + half);
    }
    replot();
}

QString PerChannelRangeChart::tooltipFor(const QCPAbstractPlottable* plottable, int index) const {
    auto* mutablePlottable = const_cast<QCPAbstractPlottable*>(plottable);
    if (!m_spread || !mutablePlottable->interface1D()) return {};
    const int channel = int(std::lround(mutablePlottable->interface1D()->dataMainKey(index) - 0.2));
    const int c = std::clamp(channel, 0, int(m_spread->weightAfterBn.channels()) - 1);
    const auto uc = size_t(c);
    QStringList lines;
    lines << tr("Channel %1").arg(c);
    if (uc < m_spread->weightBeforeBn.channels() && !m_factor.empty())
        lines << tr("Before BN merge: [%1, %2]")
                     .arg(m_spread->weightBeforeBn.min[uc], 0, 'g', 4)
                     .arg(m_spread->weightBeforeBn.max[uc], 0, 'g', 4);
    lines << tr("After BN merge: [%1, %2]")
                 .arg(m_spread->weightAfterBn.min[uc], 0, 'g', 4)
                 .arg(m_spread->weightAfterBn.max[uc], 0, 'g', 4);
    if (m_spread->weightAfterCle && uc < m_spread->weightAfterCle->channels())
        lines << tr("After CLE: [%1, %2]")
                     .arg(m_spread->weightAfterCle->min[uc], 0, 'g', 4)
                     .arg(m_spread->weightAfterCle->max[uc], 0, 'g', 4);
    if (uc < m_factor.size()) lines << tr("BN factor: %1").arg(m_factor[uc], 0, 'g', 4);
    if (m_outliers && uc < m_outliers->channels.size()) {
        const ChannelWeightStats& st = m_outliers->channels[uc];
        lines << tr("max|w|/\u03c3: %1").arg(st.absMaxOverStd, 0, 'f', 2);
        if (st.outlier) lines << tr("Outlier channel");
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace qs
