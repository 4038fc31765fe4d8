// Cancel latency inside the long analysis phases of a GUI run (issue 6: Cancel stops a run within
// 1 s): the executor comparison (fp32, simulator and int8 executor over every evaluation sample)
// and the measured remedies (a what-if per layer and remedy). Each work unit here takes seconds
// on mobilenet_v2_bn at 224×224, so a cancel checked only between phases (or between remedies)
// returns late or not at all; the per-node checks return within one node's time.
#include "analysis/executor_comparison.h"
#include "analysis/layer_remedies.h"
#include "analysis/quant_layers.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/quantizer.h"
#include "timing_budget.h"
#include "util/progress.h"

#include <QtTest>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

using namespace qs;

namespace {

using Clock = std::chrono::steady_clock;

const std::string kShared = QS_SHARED_DIR;

// The shared 224×224 input and flipped/shifted copies of it, `n` samples.
Tensor mobileNetSamples(int64_t n) {
    auto read = readNpy(kShared + "/data/mobilenet_v2_input.npy");
    if (!read) qFatal("%s", read.message().c_str());
    const Tensor& x0 = *read;
    const int64_t per = x0.numel(), h = 224, w = 224;
    Shape s = x0.shape();
    s[0] = n;
    Tensor x(DataType::F32, s);
    for (int64_t k = 0; k < n; ++k)
        for (int64_t c = 0; c < 3; ++c)
            for (int64_t i = 0; i < h; ++i)
                for (int64_t j = 0; j < w; ++j) {
                    const int64_t si = k & 1 ? h - 1 - i : i, sj = (j + 17 * (k / 2)) % w;
                    x.data<float>()[k * per + (c * h + i) * w + j] =
                        x0.data<float>()[(c * h + si) * w + sj];
                }
    return x;
}

// Cancels `flag` `delay` after start() and records when.
class DelayedCancel {
public:
    DelayedCancel(CancelFlag& flag, std::chrono::milliseconds delay)
        : m_thread([this, &flag, delay] {
            const auto until = Clock::now() + delay;
            while (!m_stop && Clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            if (m_stop) return;
            m_at = Clock::now();
            m_cancelled = true;
            flag.cancel();
        }) {}
    ~DelayedCancel() { join(); }
    void join() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
    }
    bool cancelled() const { return m_cancelled; }
    // Seconds from the cancel to `returned`.
    double latency(Clock::time_point returned) const {
        return std::chrono::duration<double>(returned - m_at).count();
    }

private:
    std::atomic<bool> m_stop{false}, m_cancelled{false};
    Clock::time_point m_at;
    std::thread m_thread;
};

Tensor firstRows(const Tensor& t, int64_t n) {
    Shape shape = t.shape();
    shape[0] = n;
    Tensor out(t.dtype(), shape);
    std::memcpy(out.rawData(), t.rawData(), out.byteSize());
    return out;
}

} // namespace

class CancelLatencyTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        auto g = importOnnxFile(kShared + "/models/mobilenet_v2_bn.onnx");
        QVERIFY2(g.isOk(), g.message().c_str());
        m_graph = std::move(g).value();
        m_data = mobileNetSamples(32);
        QuantConfig config;
        config.threads = 2;
        config.weight.granularity = Granularity::PerTensor; // both remedies apply to every layer
        CalibrationData calibration;
        calibration.samples = mobileNetSamples(2);
        calibration.batchSize = 2;
        auto q = quantizeModel(m_graph, config, &calibration);
        QVERIFY2(q.isOk(), q.message().c_str());
        m_model = std::make_unique<QuantizedModel>(std::move(q).value());
    }

    void executorComparisonStopsWithinANode() {
        // 32 samples in one batch through three executors; without a check inside a run the
        // comparison finishes. Timed uncancelled first, then cancelled a third of the way.
        // A faster machine gets more samples, so that a third of the run is well over one node.
        ExecutorComparisonOptions options;
        options.threads = 2;
        Tensor data = m_data;
        double full = 0;
        for (;;) {
            options.batchSize = int(data.dim(0));
            const auto t0 = Clock::now();
            auto all = compareExecutors(*m_model, data, nullptr, "", options);
            QVERIFY2(all.isOk(), all.message().c_str());
            full = std::chrono::duration<double>(Clock::now() - t0).count();
            qInfo("executor comparison: %lld samples, %.2f s uncancelled", (long long)data.dim(0),
                  full);
            if (full > 0.6 || data.dim(0) >= 128) break;
            data = mobileNetSamples(2 * data.dim(0));
        }
        QVERIFY2(full > 0.6, "too quick to cancel inside");
        CancelFlag flag;
        options.cancel = &flag;
        DelayedCancel canceller(flag, std::chrono::milliseconds(int(full * 1000 / 3)));
        auto r = compareExecutors(*m_model, data, nullptr, "", options);
        const auto returned = Clock::now();
        canceller.join();
        QVERIFY2(canceller.cancelled(),
                 r ? "the comparison finished before the cancel" : r.message().c_str());
        QVERIFY(!r.isOk());
        QCOMPARE(int(r.error().code()), int(ErrorCode::Cancelled));
        const double latency = canceller.latency(returned);
        qInfo("executor comparison: cancel → return %.3f s", latency);
        QVERIFY2(latency < double(timingBudgetMs(200)) / 1000.0,
                 qPrintable(QString::number(latency)));
    }

    void remediesStopWithinANode() {
        // Both remedies (per channel, 16 bits) of the first 8 layers on 8 samples: each what-if
        // re-runs almost the whole network (a quarter of a second), all of them seconds.
        // Cancelled after about three of the sixteen (the delay follows this machine's speed).
        AnalysisSessionOptions so;
        so.threads = 2;
        so.batchSize = 8;
        auto session = AnalysisSession::create(*m_model, firstRows(m_data, 8), "", so);
        QVERIFY2(session.isOk(), session.message().c_str());
        std::vector<std::string> nodes;
        for (const QuantLayerRef& l : quantLayers(*m_model))
            if (nodes.size() < 8) nodes.push_back(l.name);
        LayerChange first;
        first.node = nodes.front();
        first.weightBits = 16;
        auto one = (*session)->whatIf(first, false);
        QVERIFY2(one.isOk(), one.message().c_str());
        qInfo("the first layer's what-if: %d nodes, %.3f s", one->nodesRun, one->seconds);
        CancelFlag flag;
        DelayedCancel canceller(flag,
                                std::chrono::milliseconds(std::max(50, int(3000 * one->seconds))));
        auto r = measureLayerRemedies(**session, nodes, nullptr, &flag);
        const auto returned = Clock::now();
        canceller.join();
        QVERIFY2(canceller.cancelled(),
                 r ? "the remedies finished before the cancel" : r.message().c_str());
        QVERIFY(!r.isOk());
        QCOMPARE(int(r.error().code()), int(ErrorCode::Cancelled));
        const double latency = canceller.latency(returned);
        qInfo("remedies: cancel → return %.3f s", latency);
        QVERIFY2(latency < double(timingBudgetMs(200)) / 1000.0,
                 qPrintable(QString::number(latency)));
    }

private:
    Graph m_graph;
    Tensor m_data;
    std::unique_ptr<QuantizedModel> m_model;
};

QTEST_GUILESS_MAIN(CancelLatencyTest)
#include "cancel_latency_test.moc"
