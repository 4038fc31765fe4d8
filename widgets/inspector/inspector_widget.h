// The inspector dock: everything the last run's analyses say about the selected node, as
// QCustomPlot charts — weight / activation histogram against the quantization grid, channel
// ranges before and after BN merge with the BN factor and outlier list, the sensitivity of every
// layer, the graph-wise error, the mixed-bit suggestion and the calibrator comparison of the
// node's output activation. Reads RunAnalyses only.
#pragma once

#include "run_analyses.h"

#include <QWidget>
#include <map>
#include <memory>
#include <string>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;

namespace qs {

class CalibratorComparisonPanel;
class ErrorPropagationChart;
class MixedBitPanel;
class OutlierList;
class PerChannelRangeChart;
class SensitivityChart;
class TensorHistogramChart;

class InspectorWidget : public QWidget {
    Q_OBJECT

public:
    explicit InspectorWidget(QWidget* parent = nullptr);

    // The last run's analyses (null: none yet); the charts follow the current node.
    void setAnalyses(std::shared_ptr<const RunAnalyses> analyses);
    std::shared_ptr<const RunAnalyses> analyses() const { return m_analyses; }
    // The node to inspect, by name in the model as loaded (a folded BatchNorm shows the layer
    // it was merged into).
    void setNode(const QString& name);
    QString node() const { return m_node; }
    void setStale(bool stale);

    TensorHistogramChart* histogramChart() const { return m_histogram; }
    PerChannelRangeChart* rangeChart() const { return m_ranges; }
    OutlierList* outlierList() const { return m_outliers; }
    SensitivityChart* sensitivityChart() const { return m_sensitivity; }
    ErrorPropagationChart* errorChart() const { return m_errors; }
    MixedBitPanel* mixedBitPanel() const { return m_mixed; }
    CalibratorComparisonPanel* calibratorPanel() const { return m_calibrators; }
    QTabWidget* tabs() const { return m_tabs; }

signals:
    // A chart asks for another node (a bar of the sensitivity chart, a point of the error curve).
    void nodeRequested(const QString& name);
    void mixedBitsPicked(const std::map<std::string, int>& assignment);
    void mixedBitsApplyRequested(const std::map<std::string, int>& assignment);
    // "Use" in the calibrator comparison: --tensor-calib TENSOR=METHOD.
    void tensorCalibrationRequested(const QString& tensor, const QString& method);

protected:
    void changeEvent(QEvent* event) override;

private:
    void refresh();
    void retranslateUi();

    std::shared_ptr<const RunAnalyses> m_analyses;
    QString m_node;
    bool m_stale = false;
    QLabel* m_header;
    QTabWidget* m_tabs;
    QComboBox* m_source;
    QCheckBox* m_log;
    QPushButton* m_resetZoom;
    TensorHistogramChart* m_histogram;
    PerChannelRangeChart* m_ranges;
    OutlierList* m_outliers;
    SensitivityChart* m_sensitivity;
    ErrorPropagationChart* m_errors;
    MixedBitPanel* m_mixed;
    CalibratorComparisonPanel* m_calibrators;
};

} // namespace qs
