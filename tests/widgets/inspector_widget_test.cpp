// The inspector's charts on a real run of the digits MobileNetV2 (with BatchNorm): each chart is
// built from the run's analysis structs and checked against references computed here from the
// ONNX file itself (BatchNorm folded by hand, channel counts, level counts), rendered offscreen
// to PNG (not blank) and SVG, and the inspector follows the selected node.
#include "analysis/calibrator_comparison.h"
#include "inspector/calibrator_comparison_chart.h"
#include "inspector/chart_base.h"
#include "inspector/error_propagation_chart.h"
#include "inspector/inspector_widget.h"
#include "inspector/mixed_bit_chart.h"
#include "inspector/outlier_list.h"
#include "inspector/per_channel_range_chart.h"
#include "inspector/sensitivity_chart.h"
#include "inspector/tensor_histogram_chart.h"
#include "analysis/quant_layers.h"
#include "graph_view.h"
#include "io/npy.h"
#include "main_window.h"
#include "remedy_test_helpers.h"
#include "model_loader.h"
#include "node_coloring.h"
#include "onnx/onnx_importer.h"
#include "quant_run.h"
#include "quant/quantizer.h"
#include "quant_settings_widget.h"
#include "report/report_export.h"
#include "run_controller.h"

#include <QAction>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>

#include <QFile>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace qs;

namespace {

const QString kDigits = QStringLiteral(QS_SHARED_DIR "/models/digits_mbv2_bn.onnx");
const QString kDigitsCalib = QStringLiteral(QS_SHARED_DIR "/data/digits_calib_x.npy");

// A Conv followed by a BatchNormalization in the ONNX graph, folded by hand:
// W'[c] = W[c] · γ[c] / √(σ²[c] + ε).
struct HandFold {
    std::string conv, bn;
    int64_t channels = 0;
    int64_t weightCount = 0;
    std::vector<double> factor, mergedMin, mergedMax;
    double mergedAbsMax = 0;
};

std::vector<HandFold> foldByHand(const Graph& g) {
    std::vector<HandFold> folds;
    for (const Node& bn : g.nodes()) {
        if (bn.opType != "BatchNormalization") continue;
        const NodeId producer = g.value(bn.inputs[0]).producer;
        if (producer == kNoNode || g.node(producer).opType != "Conv") continue;
        const Node& conv = g.node(producer);
        const Tensor& w = *g.value(conv.inputs[1]).initializer;
        const Tensor& gamma = *g.value(bn.inputs[1]).initializer;
        const Tensor& var = *g.value(bn.inputs[4]).initializer;
        const Attribute* eps = bn.attribute("epsilon");
        const double epsilon = eps ? double(eps->f) : 1e-5;
        HandFold f;
        f.conv = conv.name;
        f.bn = bn.name;
        f.channels = w.dim(0);
        f.weightCount = w.numel();
        const int64_t per = w.numel() / f.channels;
        for (int64_t c = 0; c < f.channels; ++c) {
            const double k =
                double(gamma.data<float>()[c]) / std::sqrt(double(var.data<float>()[c]) + epsilon);
            double lo = INFINITY, hi = -INFINITY;
            for (int64_t i = 0; i < per; ++i) {
                const double v = double(w.data<float>()[c * per + i]) * k;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            f.factor.push_back(k);
            f.mergedMin.push_back(lo);
            f.mergedMax.push_back(hi);
            f.mergedAbsMax = std::max({f.mergedAbsMax, std::abs(lo), std::abs(hi)});
        }
        folds.push_back(std::move(f));
    }
    return folds;
}

// Fraction of pixels that are not (near) white, and the number of distinct colours.
std::pair<double, int> inkOf(const QImage& image) {
    int64_t ink = 0;
    QSet<QRgb> colors;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QRgb p = image.pixel(x, y);
            if (qRed(p) < 235 || qGreen(p) < 235 || qBlue(p) < 235) ++ink;
            if (colors.size() < 64) colors.insert(p);
        }
    return {double(ink) / double(image.width() * image.height()), int(colors.size())};
}

bool closeTo(double a, double b, double rel = 1e-4) {
    return std::abs(a - b) <= rel * std::max({1e-6, std::abs(a), std::abs(b)});
}

} // namespace

class InspectorWidgetTest : public QObject {
    Q_OBJECT

    std::shared_ptr<const Graph> m_graph;
    QuantRunResult m_run;
    std::vector<HandFold> m_folds;
    QTemporaryDir m_dir;
    // The reference for the calibrator comparison: core quantizes the model with the same data
    // and settings and compares the calibrators itself (no GUI code involved).
    std::vector<TensorCalibratorComparison> m_calibrators;
    std::string m_calibConv, m_calibTensor; // a Conv whose output KL clips tighter than min-max
    const TensorCalibratorComparison* referenceFor(const std::string& tensor) const {
        for (const TensorCalibratorComparison& t : m_calibrators)
            if (t.tensor == tensor) return &t;
        return nullptr;
    }

    const RunAnalyses& analyses() const { return *m_run.analyses; }
    int layerOf(const std::string& node) const { return analyses().layerIndex(node); }

    // Renders `chart` to PNG and SVG and checks that the PNG has ink and colour.
    void checkRenders(AnalysisChart& chart, const QString& name) {
        const QString png = m_dir.filePath(name + QStringLiteral(".png"));
        const QString svg = m_dir.filePath(name + QStringLiteral(".svg"));
        QCOMPARE(saveChartImage(chart, png, QSize(640, 400)), QString());
        QCOMPARE(saveChartImage(chart, svg, QSize(640, 400)), QString());
        QImage image(png);
        QCOMPARE(image.size(), QSize(640, 400));
        const auto [ink, colors] = inkOf(image);
        QVERIFY2(
            ink > 0.01 && colors >= 4,
            qPrintable(QStringLiteral("%1: ink %2, colours %3").arg(name).arg(ink).arg(colors)));
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.size() > 2000);
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        if (qEnvironmentVariableIsSet("QS_KEEP_CHART_IMAGES")) { // to look at them
            m_dir.setAutoRemove(false);
            qInfo("chart images in %s", qPrintable(m_dir.path()));
        }
        auto graph = importOnnxFile(kDigits.toStdString());
        QVERIFY2(graph, graph ? "" : graph.message().c_str());
        m_folds = foldByHand(*graph);
        QVERIFY(!m_folds.empty());
        m_graph = std::make_shared<const Graph>(std::move(graph).value());
        QuantRunRequest request;
        request.graph = m_graph;
        request.calibrationPath = kDigitsCalib;
        request.maxEvalSamples = 32;
        request.config.threads = 2;
        CancelFlag progress;
        m_run = QuantRunner::run(request, progress);
        QVERIFY2(m_run.ok, qPrintable(m_run.error));
        QVERIFY(m_run.analyses);
        QVERIFY(analyses().sensitivity);
        QVERIFY(analyses().errors);
        QVERIFY(analyses().mixedBits);

        auto calib = readNpy(kDigitsCalib.toStdString());
        QVERIFY(calib.isOk());
        CalibrationData data;
        data.samples = *calib;
        QuantConfig config;
        config.threads = 2;
        auto q = quantizeModel(*m_graph, config, &data);
        QVERIFY2(q.isOk(), q.message().c_str());
        auto all = compareCalibratorsAll(*q);
        QVERIFY2(all.isOk(), all.message().c_str());
        m_calibrators = std::move(all).value();
        for (const QuantLayerRef& l : quantLayers(*q)) {
            if (l.op != "Conv") continue;
            const TensorCalibratorComparison* t = referenceFor(l.output);
            if (t && t->choices.size() == 4 && t->choices[2].error.empty() &&
                t->choices[2].range.hi < t->choices[0].range.hi * 0.95f) {
                m_calibConv = l.name;
                m_calibTensor = l.output;
                break;
            }
        }
        QVERIFY(!m_calibConv.empty());
    }

    void histogramHoldsTheWeightsAndTheGrid() {
        const HandFold& f = m_folds.front();
        const int l = layerOf(f.conv);
        QVERIFY(l >= 0);
        const LayerHistograms& h = analyses().histograms[size_t(l)];
        TensorHistogramChart chart;
        chart.setLayer(&h);
        // Before and after the merge, every weight counted once in each.
        QCOMPARE(chart.histogramGraphs().size(), 2);
        for (QCPGraph* g : chart.histogramGraphs()) {
            double sum = 0;
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                sum += it->value;
            QCOMPARE(qint64(sum), qint64(f.weightCount));
        }
        // The after-merge histogram spans the hand-folded weights.
        const auto after = chart.histogramGraphs().at(1)->data();
        QVERIFY(after->constBegin()->key <=
                *std::min_element(f.mergedMin.begin(), f.mergedMin.end()));
        QVERIFY((after->constEnd() - 1)->key >=
                *std::max_element(f.mergedMax.begin(), f.mergedMax.end()));
        // Clip lines at the plan's range; per-channel symmetric weights: the widest channel's
        // grid reaches max|W'|.
        QVERIFY(chart.clipGraph());
        QCOMPARE(chart.clipGraph()->dataCount(), 4);
        QCOMPARE(chart.clipGraph()->data()->at(0)->key, double(h.weightQuantized.clipLo));
        QCOMPARE(chart.clipGraph()->data()->at(3)->key, double(h.weightQuantized.clipHi));
        QVERIFY2(closeTo(h.weightQuantized.clipHi, f.mergedAbsMax, 1e-3),
                 qPrintable(
                     QStringLiteral("%1 vs %2").arg(h.weightQuantized.clipHi).arg(f.mergedAbsMax)));
        QVERIFY(!chart.levelsGraph()); // one grid per channel: no single level set to draw
        checkRenders(chart, QStringLiteral("histogram_weights"));

        // The output activation: per tensor, 8 bits → 256 levels, all inside the clip range.
        QVERIFY(h.output);
        chart.setSource(TensorHistogramChart::Source::OutputActivation);
        QCOMPARE(chart.histogramGraphs().size(), 1);
        QVERIFY(chart.levelsGraph());
        QCOMPARE(chart.levelsGraph()->dataCount(), 256);
        const double lo = chart.clipGraph()->data()->at(0)->key;
        const double hi = chart.clipGraph()->data()->at(3)->key;
        QVERIFY(closeTo(chart.levelsGraph()->data()->at(0)->key, lo, 1e-5));
        QVERIFY(closeTo(chart.levelsGraph()->data()->at(255)->key, hi, 1e-5));
        QCOMPARE(chart.clippedFraction(), h.output->clippedFraction);
        chart.setLogScale(true);
        QCOMPARE(chart.yAxis->scaleType(), QCPAxis::stLogarithmic);
        checkRenders(chart, QStringLiteral("histogram_activation_log"));
        chart.setLayer(nullptr);
        QVERIFY(chart.isEmpty());
        QVERIFY(!chart.placeholder().isEmpty());
    }

    void channelRangesFollowTheFoldAndTheOutlierList() {
        const HandFold& f = m_folds.front();
        const int l = layerOf(f.conv);
        QVERIFY(l >= 0);
        const auto factor = analyses().bnFactor.find(f.conv);
        QVERIFY(factor != analyses().bnFactor.end());
        PerChannelRangeChart chart;
        chart.setLayer(&analyses().spread[size_t(l)], &analyses().outliers.layers[size_t(l)],
                       &factor->second);
        QVERIFY(chart.afterMaxBars() && chart.beforeMaxBars() && chart.bnFactorGraph());
        QCOMPARE(chart.afterMaxBars()->dataCount(), int(f.channels));
        QCOMPARE(chart.afterMinBars()->dataCount(), int(f.channels));
        QCOMPARE(chart.bnFactorGraph()->dataCount(), int(f.channels));
        for (int c = 0; c < int(f.channels); ++c) {
            QVERIFY(closeTo(chart.afterMaxBars()->data()->at(c)->value, f.mergedMax[size_t(c)]));
            QVERIFY(closeTo(chart.afterMinBars()->data()->at(c)->value, f.mergedMin[size_t(c)]));
            QVERIFY(closeTo(chart.bnFactorGraph()->data()->at(c)->value, f.factor[size_t(c)]));
        }
        QVERIFY(chart.tooltipAt(QPointF(-100, -100)).isEmpty());
        checkRenders(chart, QStringLiteral("channel_ranges"));

        OutlierList list;
        list.setLayer(&analyses().outliers.layers[size_t(l)]);
        QCOMPARE(list.rowCount(), int(f.channels));
        QObject::connect(&list, &OutlierList::channelActivated, &chart,
                         &PerChannelRangeChart::highlightChannel);
        list.selectRow(2);
        QCOMPARE(chart.highlightedChannel(), list.channelAt(2));
        // Sorted by max|w|/σ, largest first (outlier channels first).
        const LayerOutliers& o = analyses().outliers.layers[size_t(l)];
        if (o.outlierChannels.empty()) {
            double best = 0;
            for (const ChannelWeightStats& s : o.channels) best = std::max(best, s.absMaxOverStd);
            QCOMPARE(o.channels[size_t(list.channelAt(0))].absMaxOverStd, best);
        } else {
            QVERIFY(o.channels[size_t(list.channelAt(0))].outlier);
        }
    }

    void sensitivityAndErrorChartsCoverTheModel() {
        int weighted = 0; // Conv / Gemm / MatMul with a constant weight in the ONNX file
        for (const Node& n : m_graph->nodes())
            if ((n.opType == "Conv" || n.opType == "Gemm" || n.opType == "MatMul") &&
                n.inputs.size() > 1 && m_graph->value(n.inputs[1]).initializer)
                ++weighted;
        const SensitivityResult& s = *analyses().sensitivity;
        QCOMPARE(int(s.layers.size()), weighted);
        SensitivityChart chart;
        chart.setResult(&s);
        QCOMPARE(chart.aloneBars()->dataCount(), weighted);
        const int l = layerOf(m_folds.front().conv);
        chart.setSelectedLayer(l);
        QVERIFY(chart.selectedBars());
        QCOMPARE(chart.selectedBars()->dataCount(), 1);
        QCOMPARE(chart.selectedBars()->data()->at(0)->key, double(l));
        QCOMPARE(chart.selectedBars()->data()->at(0)->value, s.layers[size_t(l)].alone.sqnrDb);
        checkRenders(chart, QStringLiteral("sensitivity"));

        const ErrorPropagation& e = *analyses().errors;
        ErrorPropagationChart errors;
        errors.setResult(&e);
        QCOMPARE(errors.totalGraph()->dataCount(), int(e.tensors.size()));
        QCOMPARE(errors.shareBars()->dataCount(), int(e.tensors.size()));
        // The last tensor is the graph output: its total error is the run's output SQNR.
        const TensorError& last = e.tensors.back();
        QCOMPARE(errors.totalGraph()->data()->at(int(e.tensors.size()) - 1)->value,
                 last.totalSqnrDb);
        QVERIFY(std::abs(last.totalSqnrDb - m_run.outputSqnrDb) < 0.5);
        const int t = analyses().errorIndex(m_folds.front().bn); // the BN's output is the Conv's
        QVERIFY(t >= 0);
        errors.setSelectedTensor(t);
        QVERIFY(errors.selectionLine());
        QCOMPARE(errors.selectionLine()->point1->key(), double(t));
        checkRenders(errors, QStringLiteral("error_propagation"));
    }

    void mixedBitsDrawTheParetoCurveAndApply() {
        const MixedBitsResult& m = *analyses().mixedBits;
        MixedBitPanel panel;
        panel.setResult(&m, analyses().mixedBitsMeasuredSqnrDb);
        MixedBitChart& chart = *panel.chart();
        QCOMPARE(chart.paretoGraph()->dataCount(), int(m.pareto.size()));
        QVERIFY(chart.measuredGraph());
        QCOMPARE(chart.measuredGraph()->data()->at(0)->value, analyses().mixedBitsMeasuredSqnrDb);
        QCOMPARE(chart.budgetGraph()->data()->at(0)->key, 6.0);
        QVERIFY(m.chosen.averageBits <= 6.0 + 1e-9 || !m.withinBudget);
        checkRenders(chart, QStringLiteral("mixed_bits"));

        QuantSettingsWidget settings;
        QObject::connect(&panel, &MixedBitPanel::applyRequested, &settings,
                         [&settings](const std::map<std::string, int>& a) {
                             QList<QPair<QString, int>> bits;
                             for (const auto& [n, b] : a)
                                 bits.append({QString::fromStdString(n), b});
                             settings.setLayerBits(bits);
                         });
        QSignalSpy changed(&settings, &QuantSettingsWidget::settingsChanged);
        panel.applyButton()->click();
        QCOMPARE(changed.count(), 1);
        auto config = settings.config();
        QVERIFY(config);
        for (const auto& [node, bits] : m.chosen.assignment) {
            if (bits == config->weight.bits) continue;
            QVERIFY2(config->layerBits.count(node), node.c_str());
            QCOMPARE(config->layerBits.at(node), bits);
        }
    }

    // The calibrator comparison of a Conv's output: four brackets at core's clip ranges, the
    // output SQNRs of the run's what-if session, and "Use" sets --tensor-calib in the settings.
    void calibratorComparisonMatchesCore() {
        const RunAnalyses& a = analyses();
        QCOMPARE(a.calibrators.size(), m_calibrators.size());
        QCOMPARE(a.calibratorSamples, 4);
        const QString conv = QString::fromStdString(m_calibConv);
        const int index = a.calibratorIndex(m_calibConv);
        QVERIFY(index >= 0);
        QCOMPARE(a.calibrators[size_t(index)].comparison.tensor, m_calibTensor);
        const TensorCalibratorComparison& ref = *referenceFor(m_calibTensor);

        InspectorWidget inspector;
        inspector.setAnalyses(m_run.analyses);
        inspector.setNode(conv);
        CalibratorComparisonPanel& panel = *inspector.calibratorPanel();
        QCOMPARE(panel.tensor(), QString::fromStdString(m_calibTensor));
        CalibratorComparisonChart& chart = *panel.chart();
        QVERIFY(!chart.isEmpty());
        QVERIFY(chart.histogramGraph() && chart.histogramGraph()->dataCount() > 10);
        QCOMPARE(chart.choiceCount(), 4);
        for (int i = 0; i < 4; ++i) {
            const CalibratorChoice& c = ref.choices[size_t(i)];
            QCPGraph* clip = chart.clipGraph(i);
            QVERIFY(clip);
            QCOMPARE(clip->dataCount(), 4);
            QCOMPARE(clip->data()->at(0)->key, double(c.range.lo));
            QCOMPARE(clip->data()->at(1)->key, double(c.range.lo));
            QCOMPARE(clip->data()->at(2)->key, double(c.range.hi));
            QCOMPARE(clip->data()->at(3)->key, double(c.range.hi));
            QVERIFY2(clip->name().contains(QString::number(c.quantMse, 'g', 3)),
                     qPrintable(clip->name()));
            QVERIFY(a.calibrators[size_t(index)].comparison.choices[size_t(i)].outputSqnrDb);
            QVERIFY(clip->name().contains(QStringLiteral("dB")));
        }
        // The run calibrated with min-max (the default): that bracket is the current one.
        QVERIFY(a.calibrators[size_t(index)].comparison.choices[0].current);
        QVERIFY(!panel.useButton(0)->isEnabled());
        QVERIFY(panel.useButton(2)->isEnabled());
        QCOMPARE(panel.useButton(2)->objectName(), QStringLiteral("useCalibrator_kl"));
        checkRenders(chart, QStringLiteral("calibrator_comparison"));

        QuantSettingsWidget settings;
        QObject::connect(&inspector, &InspectorWidget::tensorCalibrationRequested, &settings,
                         &QuantSettingsWidget::setTensorCalibration);
        QSignalSpy changed(&settings, &QuantSettingsWidget::settingsChanged);
        panel.useButton(2)->click();
        QCOMPARE(changed.count(), 1);
        QVERIFY(settings.options().contains(
            {QStringLiteral("tensor-calib"), QString::fromStdString(m_calibTensor + "=kl")}));
        // Another pick for the same tensor replaces it.
        panel.useButton(3)->click();
        auto config = settings.config();
        QVERIFY(config);
        QCOMPARE(config->tensorCalibration.size(), size_t(1));
        QCOMPARE(config->tensorCalibration.at(m_calibTensor).method, CalibrationMethod::Mse);

        inspector.setNode(QStringLiteral("no such node"));
        QVERIFY(panel.chart()->isEmpty());
        QVERIFY(!panel.useButton(2)->isEnabled());
    }

    // The window: "Use KL" on the selected Conv marks the results stale, and the next run
    // calibrates that tensor with KL (core's KL range) and every other one as before.
    void windowUsesThePickedCalibrator() {
        MainWindow window;
        window.setInteractive(false);
        window.resize(1280, 800);
        window.show();
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        QSignalSpy laidOut(window.graphView(), &GraphView::layoutFinished);
        window.openModel(kDigits);
        QVERIFY(loaded.wait(20000));
        QVERIFY(laidOut.count() > 0 || laidOut.wait(20000));
        window.settingsWidget()->setCalibrationPath(kDigitsCalib);
        window.settingsWidget()->setAnalysisDepth(AnalysisDepth::WithoutMixedBits);
        const QString conv = QString::fromStdString(m_calibConv);
        QVERIFY(window.selectNode(conv));
        QSignalSpy done(window.runController(), &RunController::succeeded);
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(300000));
        CalibratorComparisonPanel& panel = *window.inspector()->calibratorPanel();
        QCOMPARE(panel.tensor(), QString::fromStdString(m_calibTensor));
        QVERIFY(!window.runController()->isStale());
        panel.useButton(2)->click();
        QVERIFY(window.runController()->isStale());
        QVERIFY(window.settingsWidget()->options().contains(
            {QStringLiteral("tensor-calib"), QString::fromStdString(m_calibTensor + "=kl")}));
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(300000));
        const auto after = window.runController()->current();
        QVERIFY(after && after->analyses);
        const ClipRange kl = referenceFor(m_calibTensor)->choices[2].range;
        const ClipRange got = after->analyses->activationRanges.at(m_calibTensor);
        QCOMPARE(got.lo, kl.lo);
        QCOMPARE(got.hi, kl.hi);
        for (const TensorCalibratorComparison& t : m_calibrators) {
            if (t.tensor == m_calibTensor) continue;
            QCOMPARE(after->analyses->activationRanges.at(t.tensor).hi, t.choices[0].range.hi);
        }
        // The new comparison marks KL as current, and its Use button is off.
        QVERIFY(!panel.useButton(2)->isEnabled());
        QVERIFY(panel.useButton(0)->isEnabled());
        QVERIFY(after->settings.join(QLatin1Char('\n'))
                    .contains(QString::fromStdString("tensor_calib: " + m_calibTensor + "=kl")));
    }

    void inspectorFollowsTheNode() {
        InspectorWidget inspector;
        inspector.setNode(QString::fromStdString(m_folds.front().bn));
        QVERIFY(inspector.histogramChart()->isEmpty()); // no run yet
        inspector.setAnalyses(m_run.analyses);
        QVERIFY(!inspector.histogramChart()->isEmpty());
        QCOMPARE(inspector.rangeChart()->afterMaxBars()->dataCount(),
                 int(m_folds.front().channels));
        QVERIFY(inspector.findChild<QLabel*>(QStringLiteral("inspectorHeader"))
                    ->text()
                    .contains(QString::fromStdString(m_folds.front().conv)));
        QCOMPARE(inspector.sensitivityChart()->selectedLayer(), layerOf(m_folds.front().conv));
        inspector.setNode(QStringLiteral("no such node"));
        QVERIFY(inspector.histogramChart()->isEmpty());
        QCOMPARE(inspector.sensitivityChart()->selectedLayer(), -1);
        QVERIFY(!inspector.sensitivityChart()->isEmpty()); // model-wide charts stay
    }

    // Each analysis colour mode puts a node's value on the heat scale: the best value blue
    // (heatColor(1)), the worst red (heatColor(0)); a folded BatchNorm shows its layer's colour.
    void nodeColorsFollowTheirValues() {
        const LoadedModel loaded = ModelLoader::load(kDigits);
        QVERIFY(loaded.isOk());
        const ModelSnapshot& snapshot = *loaded.snapshot;
        const RunAnalyses& a = analyses();

        const NodeMetric origin = NodeColoring::metricFor(ColorMode::ErrorOrigin, a);
        const auto originColors =
            NodeColoring::colors(ColorMode::ErrorOrigin, snapshot, {}, origin);
        int checked = 0;
        for (const TensorError& e : a.errors->tensors) {
            const QString node = QString::fromStdString(e.node);
            if (!originColors.contains(node) || !std::isfinite(e.injectedShare)) continue;
            // 100 % injected here: red; all inherited: blue.
            QCOMPARE(originColors.value(node), NodeColoring::heatColor(1.0 - e.injectedShare));
            ++checked;
        }
        QVERIFY(checked > 10);
        const HandFold& f = m_folds.front();
        QCOMPARE(originColors.value(QString::fromStdString(f.bn)),
                 originColors.value(QString::fromStdString(f.conv)));

        const NodeMetric sens = NodeColoring::metricFor(ColorMode::Sensitivity, a);
        const auto sensColors = NodeColoring::colors(ColorMode::Sensitivity, snapshot, {}, sens);
        const auto& layers = a.sensitivity->layers;
        const auto best = std::max_element(layers.begin(), layers.end(), [](auto& x, auto& y) {
            return x.alone.sqnrDb < y.alone.sqnrDb;
        });
        const auto worst = std::min_element(layers.begin(), layers.end(), [](auto& x, auto& y) {
            return x.alone.sqnrDb < y.alone.sqnrDb;
        });
        QVERIFY(best->alone.sqnrDb > worst->alone.sqnrDb);
        QCOMPARE(sensColors.value(QString::fromStdString(best->node)),
                 NodeColoring::heatColor(1.0));
        QCOMPARE(sensColors.value(QString::fromStdString(worst->node)),
                 NodeColoring::heatColor(0.0));

        const NodeMetric outl = NodeColoring::metricFor(ColorMode::OutlierSeverity, a);
        const auto outlColors =
            NodeColoring::colors(ColorMode::OutlierSeverity, snapshot, {}, outl);
        QString worstNode;
        double worstRatio = -1;
        for (const LayerOutliers& l : a.outliers.layers)
            for (const ChannelWeightStats& c : l.channels)
                if (c.absMaxOverStd > worstRatio) {
                    worstRatio = c.absMaxOverStd;
                    worstNode = QString::fromStdString(l.node);
                }
        QCOMPARE(outlColors.value(worstNode), NodeColoring::heatColor(0.0));
        QVERIFY(NodeColoring::legend(ColorMode::ErrorOrigin, snapshot, {}, origin).size() >= 3);
    }

    // The window end to end: Run fills the inspector and the analysis colour modes; a remedy from
    // a node's menu sets the override, marks the results stale, and the next run reports the
    // node's SQNR before and after.
    void windowRunFeedsInspectorAndRemedies() {
        MainWindow window;
        window.setInteractive(false);
        window.resize(1280, 800);
        window.show();
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        QSignalSpy laidOut(window.graphView(), &GraphView::layoutFinished);
        window.openModel(kDigits);
        QVERIFY(loaded.wait(20000));
        QVERIFY(laidOut.count() > 0 || laidOut.wait(20000));
        window.settingsWidget()->setCalibrationPath(kDigitsCalib);
        const QString conv = QString::fromStdString(m_folds.front().conv);
        QVERIFY(window.selectNode(conv));
        QSignalSpy done(window.runController(), &RunController::succeeded);
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(300000));
        const auto run = window.runController()->current();
        QVERIFY(run && run->analyses);
        QCOMPARE(window.inspector()->analyses(), run->analyses);
        QVERIFY(!window.inspector()->histogramChart()->isEmpty());
        QCOMPARE(window.inspector()->sensitivityChart()->selectedLayer(),
                 run->analyses->layerIndex(conv.toStdString()));

        // File ▸ Export Report… writes the run's report (the report itself: test_report).
        auto* exportAction = window.findChild<QAction*>(QStringLiteral("exportReportAction"));
        QVERIFY(exportAction && exportAction->isEnabled());
        auto* exporter = qobject_cast<ReportExporter*>(exportAction->parent());
        QVERIFY(exporter);
        const QString report = m_dir.filePath(QStringLiteral("window_report.html"));
        QVERIFY2(exporter->exportReport(report), qPrintable(exporter->lastError()));
        QFile reportFile(report);
        QVERIFY(reportFile.open(QIODevice::ReadOnly));
        QVERIFY(reportFile.readAll().startsWith("<!DOCTYPE html>"));
        QVERIFY(!exporter->exportReport(m_dir.filePath(QStringLiteral("window_report.odt"))));
        QVERIFY(exporter->lastError().contains(QStringLiteral("window_report.odt")));

        window.graphView()->setColorMode(ColorMode::ErrorOrigin);
        const int t = run->analyses->errorIndex(conv.toStdString());
        QVERIFY(t >= 0);
        QCOMPARE(
            window.graphView()->nodeColor(conv),
            NodeColoring::heatColor(1.0 - run->analyses->errors->tensors[size_t(t)].injectedShare));

        std::unique_ptr<QMenu> menu(window.createNodeMenu(conv, &window));
        auto* keepFloat = menu->findChild<QAction*>(QStringLiteral("remedyKeepFloat"));
        QVERIFY(keepFloat && !keepFloat->isChecked());
        QVERIFY(triggerAndApply(window, keepFloat));
        QVERIFY(window.runController()->isStale());
        QVERIFY(window.settingsWidget()->nodeOverrides(conv).contains(QStringLiteral("--float ") +
                                                                      conv));
        QVERIFY(window.statusText().contains(conv));
        menu.reset(window.createNodeMenu(conv, &window));
        QVERIFY(menu->findChild<QAction*>(QStringLiteral("remedyKeepFloat"))->isChecked());
        const double before = run->layers.value(conv).sqnrDb;
        QVERIFY(std::isfinite(before));
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(300000));
        const auto after = window.runController()->current();
        QVERIFY(!after->layers.value(conv).quantized);
        // The float layer drops out of the analyses' layer list.
        QCOMPARE(after->analyses->layerIndex(conv.toStdString()), -1);
        QVERIFY2(
            window.statusText().contains(QStringLiteral("%1 dB before").arg(before, 0, 'f', 1)),
            qPrintable(window.statusText()));
    }
};

QTEST_MAIN(InspectorWidgetTest)
#include "inspector_widget_test.moc"
