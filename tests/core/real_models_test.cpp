// The fp32 executor on the real models in ../shared against ONNX Runtime's outputs: each must
// match to 1e-4 relative to the output's largest magnitude.
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/passes/inference_optimizer.h"

#include <QtTest>

#include <cmath>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

// max |a - b| / max |b|
double maxRelativeError(const Tensor& actual, const Tensor& reference) {
    const auto a = actual.toFloatVector();
    const auto r = reference.toFloatVector();
    double maxRef = 0, maxDiff = 0;
    for (size_t i = 0; i < r.size(); ++i) {
        maxRef = std::max(maxRef, double(std::fabs(r[i])));
        maxDiff = std::max(maxDiff, double(std::fabs(a[i] - r[i])));
    }
    return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

} // namespace

class RealModelsTest : public QObject {
    Q_OBJECT
private slots:
    void matchesOnnxRuntime_data();
    void matchesOnnxRuntime();
    void sameResultWithTwoThreads();
};

void RealModelsTest::matchesOnnxRuntime_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("reference");
    QTest::addColumn<QString>("labels"); // "" = no accuracy check
    QTest::addColumn<double>("minTop1");
    QTest::newRow("ppocr_cls") << "models/ppocr_cls.onnx"
                               << "data/textlines_x.npy"
                               << "models/ppocr_cls.ort_out.npy"
                               << "data/textlines_y.npy" << 1.0;
    QTest::newRow("digits_mbv2_bn") << "models/digits_mbv2_bn.onnx"
                                    << "data/digits_test_x.npy"
                                    << "models/digits_mbv2_bn.ort_test_logits.npy"
                                    << "data/digits_test_y.npy" << 0.988;
    QTest::newRow("digits_mbv1_imb") << "models/digits_mbv1_imb.onnx"
                                     << "data/digits_test_x.npy"
                                     << "models/digits_mbv1_imb.ort_test_logits.npy"
                                     << "data/digits_test_y.npy" << 0.996;
    QTest::newRow("mobilenet_v2_bn") << "models/mobilenet_v2_bn.onnx"
                                     << "data/mobilenet_v2_input.npy"
                                     << "models/mobilenet_v2_bn.ort_out.npy"
                                     << "" << 0.0;
}

void RealModelsTest::matchesOnnxRuntime() {
    QFETCH(QString, model);
    QFETCH(QString, input);
    QFETCH(QString, reference);
    QFETCH(QString, labels);
    QFETCH(double, minTop1);
    auto graph = importOnnxFile(kShared + "/" + model.toStdString());
    QVERIFY2(graph.isOk(), graph.message().c_str());
    auto x = readNpy(kShared + "/" + input.toStdString());
    QVERIFY2(x.isOk(), x.message().c_str());
    auto ref = readNpy(kShared + "/" + reference.toStdString());
    QVERIFY2(ref.isOk(), ref.message().c_str());
    const std::string inputName = graph->value(graph->inputs()[0]).name;
    // The inference-optimised graph (BN folded, activations fused, Identity removed) must give
    // the same outputs: it is what `run` and `bench` execute.
    {
        InferenceOptimizationReport report;
        auto optimized = optimizeForInference(*graph, &report);
        QVERIFY2(optimized.isOk(), optimized.message().c_str());
        auto ox = Executor::create(*optimized, ExecOptions{2});
        QVERIFY2(ox.isOk(), ox.message().c_str());
        auto oy = (*ox)->run({{inputName, *x}});
        QVERIFY2(oy.isOk(), oy.message().c_str());
        const double oerr = maxRelativeError(oy->outputs.begin()->second, *ref);
        qInfo("%s optimised (%d BN folded, %d activations fused, %d Identity removed): rel error "
              "%.3g",
              qPrintable(model), report.batchNormsFolded, report.activationsFused,
              report.identitiesRemoved, oerr);
        QVERIFY(oerr <= 1e-4);
        if (model.contains(QStringLiteral("mobilenet_v2"))) {
            QCOMPARE(report.batchNormsFolded, 52); // every BN of torchvision MobileNetV2
            QCOMPARE(report.activationsFused, 35); // every ReLU6 (Clip)
        }
    }
    auto ex = Executor::create(std::move(graph).value(), ExecOptions{2});
    QVERIFY2(ex.isOk(), ex.message().c_str());
    auto result = (*ex)->run({{inputName, *x}});
    QVERIFY2(result.isOk(), result.message().c_str());
    QCOMPARE(result->outputs.size(), size_t(1));
    const Tensor& y = result->outputs.begin()->second;
    QCOMPARE(y.shape(), ref->shape());
    const double err = maxRelativeError(y, *ref);
    qInfo("%s: max |ours - ORT| / max |ORT| = %.3g", qPrintable(model), err);
    QVERIFY2(err <= 1e-4, qPrintable(QStringLiteral("relative error %1").arg(err)));

    if (!labels.isEmpty()) {
        auto lab = readNpy(kShared + "/" + labels.toStdString());
        QVERIFY(lab.isOk());
        const auto l = lab->toInt64Vector();
        const int64_t classes = y.dim(1);
        const float* p = y.data<float>();
        int correct = 0;
        for (size_t i = 0; i < l.size(); ++i) {
            const float* row = p + int64_t(i) * classes;
            if (std::max_element(row, row + classes) - row == l[i]) ++correct;
        }
        const double top1 = double(correct) / double(l.size());
        qInfo("%s: top-1 %.4f", qPrintable(model), top1);
        QVERIFY(top1 >= minTop1 - 1e-9);
    }
}

void RealModelsTest::sameResultWithTwoThreads() {
    auto graph = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    QVERIFY(graph.isOk());
    auto x = readNpy(kShared + "/data/digits_test_x.npy");
    QVERIFY(x.isOk());
    auto one = Executor::create(*graph, ExecOptions{1});
    auto two = Executor::create(*graph, ExecOptions{2});
    QVERIFY(one.isOk() && two.isOk());
    auto a = (*one)->run({{"input", *x}});
    auto b = (*two)->run({{"input", *x}});
    QVERIFY(a.isOk() && b.isOk());
    const Tensor& ya = a->outputs.at("logits");
    const Tensor& yb = b->outputs.at("logits");
    QCOMPARE(ya.byteSize(), yb.byteSize());
    QVERIFY2(std::memcmp(ya.rawData(), yb.rawData(), ya.byteSize()) == 0,
             "results depend on the thread count");
}

QTEST_GUILESS_MAIN(RealModelsTest)
#include "real_models_test.moc"
