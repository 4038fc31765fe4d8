#include "inspector_widget.h"

#include "calibrator_comparison_chart.h"
#include "error_propagation_chart.h"
#include "mixed_bit_chart.h"
#include "outlier_list.h"
#include "per_channel_range_chart.h"
#include "sensitivity_chart.h"
#include "tensor_histogram_chart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QProxyStyle>
#include <QPushButton>
#include <QSplitter>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace qs {

namespace {

// The chart tabs with half the usual horizontal padding around their labels.
class CompactTabStyle : public QProxyStyle {
public:
    int pixelMetric(PixelMetric metric, const QStyleOption* option,
                    const QWidget* widget) const override {
        const int value = QProxyStyle::pixelMetric(metric, option, widget);
        return metric == PM_TabBarTabHSpace ? value / 2 : value;
    }
};

} // namespace

InspectorWidget::InspectorWidget(QWidget* parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_source(new QComboBox(this))
    , m_log(new QCheckBox(this))
    , m_resetZoom(new QPushButton(this))
    , m_histogram(new TensorHistogramChart(this))
    , m_ranges(new PerChannelRangeChart(this))
    , m_outliers(new OutlierList(this))
    , m_sensitivity(new SensitivityChart(this))
    , m_errors(new ErrorPropagationChart(this))
    , m_mixed(new MixedBitPanel(this))
    , m_calibrators(new CalibratorComparisonPanel(this)) {
    setObjectName(QStringLiteral("inspector"));
    m_header->setObjectName(QStringLiteral("inspectorHeader"));
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::PlainText);
    m_source->setObjectName(QStringLiteral("histogramSource"));
    m_log->setObjectName(QStringLiteral("histogramLogScale"));
    for (int i = 0; i < 3; ++i) m_source->addItem(QString());

    auto* histogramPage = new QWidget(m_tabs);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_source);
    bar->addWidget(m_log);
    bar->addStretch(1);
    bar->addWidget(m_resetZoom);
    auto* histogramLayout = new QVBoxLayout(histogramPage);
    histogramLayout->setContentsMargins(2, 2, 2, 2);
    histogramLayout->addLayout(bar);
    histogramLayout->addWidget(m_histogram, 1);
    auto* rangeSplit = new QSplitter(Qt::Vertical, m_tabs);
    rangeSplit->addWidget(m_ranges);
    rangeSplit->addWidget(m_outliers);
    rangeSplit->setStretchFactor(0, 3);
    rangeSplit->setStretchFactor(1, 1);
    m_tabs->addTab(histogramPage, QString());
    m_tabs->addTab(rangeSplit, QString());
    m_tabs->addTab(m_sensitivity, QString());
    m_tabs->addTab(m_errors, QString());
    m_tabs->addTab(m_mixed, QString());
    m_tabs->addTab(m_calibrators, QString());
    // Six tabs in a dock about 400 px wide (1280×800): short labels (the full names as tool
    // tips) with less padding fit; narrower docks elide them rather than scroll.
    auto* compact = new CompactTabStyle;
    compact->setParent(m_tabs->tabBar()); // setStyle does not take ownership
    m_tabs->tabBar()->setStyle(compact);
    m_tabs->setUsesScrollButtons(false);
    m_tabs->setElideMode(Qt::ElideRight);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_header);
    layout->addWidget(m_tabs, 1);

    connect(m_source, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_histogram->setSource(TensorHistogramChart::Source(index)); });
    connect(m_log, &QCheckBox::toggled, m_histogram, &TensorHistogramChart::setLogScale);
    connect(m_resetZoom, &QPushButton::clicked, this, [this] {
        if (auto* chart = qobject_cast<AnalysisChart*>(m_tabs->currentWidget()))
            chart->resetZoom();
        else if (m_tabs->currentWidget() == m_calibrators)
            m_calibrators->chart()->resetZoom();
        else if (m_tabs->currentIndex() == 0)
            m_histogram->resetZoom();
        else if (m_tabs->currentIndex() == 1)
            m_ranges->resetZoom();
        else
            m_mixed->chart()->resetZoom();
    });
    connect(m_outliers, &OutlierList::channelActivated, m_ranges,
            &PerChannelRangeChart::highlightChannel);
    connect(m_ranges, &PerChannelRangeChart::channelClicked, this, [this](int channel) {
        for (int row = 0; row < m_outliers->rowCount(); ++row)
            if (m_outliers->channelAt(row) == channel) m_outliers->selectRow(row);
    });
    connect(m_sensitivity, &SensitivityChart::layerClicked, this, [this](int index) {
        if (m_analyses && index >= 0 && index < int(m_analyses->layers.size()))
            emit nodeRequested(QString::fromStdString(m_analyses->layers[size_t(index)].node));
    });
    connect(m_errors, &ErrorPropagationChart::tensorClicked, this, [this](int index) {
        if (m_analyses && m_analyses->errors && index >= 0 &&
            index < int(m_analyses->errors->tensors.size()))
            emit nodeRequested(
                QString::fromStdString(m_analyses->errors->tensors[size_t(index)].node));
    });
    connect(m_mixed, &MixedBitPanel::assignmentPicked, this, &InspectorWidget::mixedBitsPicked);
    connect(m_mixed, &MixedBitPanel::applyRequested, this,
            &InspectorWidget::mixedBitsApplyRequested);
    connect(m_calibrators, &CalibratorComparisonPanel::useRequested, this,
            &InspectorWidget::tensorCalibrationRequested);
    retranslateUi();
}

void InspectorWidget::setAnalyses(std::shared_ptr<const RunAnalyses> analyses) {
    m_analyses = std::move(analyses);
    m_stale = false;
    const RunAnalyses* a = m_analyses.get();
    m_sensitivity->setResult(a && a->sensitivity ? &*a->sensitivity : nullptr);
    m_errors->setResult(a && a->errors ? &*a->errors : nullptr);
    m_mixed->setResult(a && a->mixedBits ? &*a->mixedBits : nullptr,
                       a && a->mixedBitsMeasured ? a->mixedBitsMeasuredSqnrDb : qQNaN());
    refresh();
}

void InspectorWidget::setNode(const QString& name) {
    if (name == m_node) return;
    m_node = name;
    refresh();
}

void InspectorWidget::setStale(bool stale) {
    m_stale = stale;
    retranslateUi();
}

void InspectorWidget::refresh() {
    const RunAnalyses* a = m_analyses.get();
    const std::string node = m_node.toStdString();
    const int layer = a ? a->layerIndex(node) : -1;
    if (layer >= 0) {
        const auto l = size_t(layer);
        m_histogram->setLayer(l < a->histograms.size() ? &a->histograms[l] : nullptr);
        const auto factor = a->bnFactor.find(a->layers[l].node);
        m_ranges->setLayer(l < a->spread.size() ? &a->spread[l] : nullptr,
                           l < a->outliers.layers.size() ? &a->outliers.layers[l] : nullptr,
                           factor != a->bnFactor.end() ? &factor->second : nullptr);
        m_outliers->setLayer(l < a->outliers.layers.size() ? &a->outliers.layers[l] : nullptr);
    } else {
        m_histogram->setLayer(nullptr);
        m_ranges->setLayer(nullptr, nullptr, nullptr);
        m_outliers->setLayer(nullptr);
    }
    const int calibrators = a ? a->calibratorIndex(node) : -1;
    m_calibrators->setActivation(calibrators >= 0 ? &a->calibrators[size_t(calibrators)] : nullptr);
    m_sensitivity->setSelectedLayer(layer);
    m_errors->setSelectedTensor(a ? a->errorIndex(node) : -1);
    retranslateUi();
}

void InspectorWidget::retranslateUi() {
    const QString tabs[][2] = {
        {tr("Histogram"), tr("Histogram")},
        {tr("Ranges", "inspector tab"), tr("Channel Ranges")},
        {tr("Sensitivity"), tr("Sensitivity")},
        {tr("Errors", "inspector tab"), tr("Error Propagation")},
        {tr("Bits", "inspector tab"), tr("Mixed Bits")},
        {tr("Calibrators"), tr("Calibrators")},
    };
    for (int i = 0; i < 6; ++i) {
        m_tabs->setTabText(i, tabs[i][0]);
        m_tabs->setTabToolTip(i, tabs[i][1]);
    }
    m_source->setItemText(0, tr("Weights"));
    m_source->setItemText(1, tr("Input activation"));
    m_source->setItemText(2, tr("Output activation"));
    m_log->setText(tr("Log scale"));
    m_resetZoom->setText(tr("Reset Zoom"));
    m_resetZoom->setToolTip(tr("Wheel: zoom; drag: pan"));
    QString header;
    if (!m_analyses) {
        header = m_node.isEmpty() ? tr("No analysis yet: Run quantization with calibration data.")
                                  : tr("%1 \u2014 no analysis yet: Run quantization with "
                                       "calibration data.")
                                        .arg(m_node);
    } else if (m_node.isEmpty()) {
        header = tr("Select a node to inspect it.");
    } else {
        const int layer = m_analyses->layerIndex(m_node.toStdString());
        if (layer < 0) {
            header = tr("%1 \u2014 not a quantized weighted layer; the model-wide charts still "
                        "apply.")
                         .arg(m_node);
        } else {
            const LayerInfo& l = m_analyses->layers[size_t(layer)];
            header = tr("%1 (%2), %n output channel(s)", nullptr, int(l.channels))
                         .arg(QString::fromStdString(l.node), QString::fromStdString(l.op));
            if (l.depthwise) header += QLatin1String(", ") + tr("depthwise");
            if (!l.batchNorm.empty())
                header += QLatin1String(", ") +
                          tr("BN %1 merged").arg(QString::fromStdString(l.batchNorm));
        }
    }
    if (m_stale) header += QLatin1Char('\n') + tr("Stale: the settings changed since this run.");
    m_header->setText(header);
}

void InspectorWidget::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QWidget::changeEvent(event);
}

} // namespace qs
