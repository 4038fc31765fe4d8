// The calibrator comparison of one activation (core's compareCalibrators): the tensor's
// calibration histogram with the clip range min-max, percentile, KL and MSE would choose drawn
// over it as one bracket each, the legend giving each one's quantization MSE and, when the run
// computed it, the model's output SQNR with only this tensor's range changed.
// CalibratorComparisonPanel adds one "Use" button per calibrator, which asks for
// `--tensor-calib TENSOR=METHOD` in the settings.
#pragma once

#include "chart_base.h"
#include "run_analyses.h"

#include <QList>
#include <QWidget>
#include <optional>

class QCheckBox;
class QLabel;
class QPushButton;

namespace qs {

class CalibratorComparisonChart : public AnalysisChart {
    Q_OBJECT

public:
    explicit CalibratorComparisonChart(QWidget* parent = nullptr);

    // null: nothing to show (no calibrated activation, or no run yet). The chart keeps no pointer.
    void setActivation(const ActivationCalibrators* activation);
    void setLogScale(bool log);
    bool logScale() const { return m_log; }

    // What is drawn, for tests and reports. clipGraph(i) is choice i's bracket
    // (lo,0),(lo,h),(hi,h),(hi,0) on the right axis; null when that calibrator failed.
    int choiceCount() const { return int(m_clips.size()); }
    QCPGraph* clipGraph(int choice) const { return m_clips.value(choice); }
    QCPGraph* histogramGraph() const { return m_histogram; }
    // A calibrator's name for people ("min-max", "percentile 99.99", "KL", "MSE").
    static QString methodLabel(const std::string& method);

private:
    QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const override;
    void rebuild() override;

    std::optional<ActivationCalibrators> m_activation;
    bool m_log = false;
    QCPGraph* m_histogram = nullptr;
    double m_binWidth = 0.0;
    QList<QCPGraph*> m_clips;
};

class CalibratorComparisonPanel : public QWidget {
    Q_OBJECT

public:
    explicit CalibratorComparisonPanel(QWidget* parent = nullptr);
    void setActivation(const ActivationCalibrators* activation);
    CalibratorComparisonChart* chart() const { return m_chart; }
    // The "Use" button of choice i (objectName "useCalibrator_<method>", e.g. useCalibrator_kl).
    QPushButton* useButton(int choice) const { return m_use.value(choice); }
    QString tensor() const { return m_tensor; }

signals:
    // "Use": calibrate `tensor` with `method` ("kl", "percentile:99.99", ...) from now on.
    void useRequested(const QString& tensor, const QString& method);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();

    CalibratorComparisonChart* m_chart;
    QCheckBox* m_log;
    QLabel* m_hint;
    QList<QPushButton*> m_use;
    QString m_tensor;
    QStringList m_methods;
    QList<bool> m_current, m_failed;
};

} // namespace qs
