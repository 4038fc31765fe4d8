// Cancellation from another thread while core work runs on its thread pool — what the GUI's
// worker thread does when the user presses Cancel. Built normally it checks the outcomes (a
// clean Cancelled or a complete result, nothing in between, and no residue: the next
// uncancelled run equals one made before any cancellation); built with QUANTSCOPE_TSAN it is the
// ThreadSanitizer run of the cancellation paths (Qt's own threads cannot be checked by TSan with
// Debian's uninstrumented Qt, so the core paths the GUI calls are checked here without Qt).
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/quant_plan.h"
#include "quant/quantizer.h"

#include <QtTest>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

// The first n samples of an N-first tensor (a copy).
Tensor firstSamples(const Tensor& all, int64_t n) {
    Shape shape = all.shape();
    n = std::min(n, shape[0]);
    const size_t perSample = all.byteSize() / size_t(shape[0]);
    shape[0] = n;
    Tensor out = Tensor::zeros(all.dtype(), shape);
    std::memcpy(out.rawData(), all.rawData(), perSample * size_t(n));
    return out;
}

// Cancels `flag` from its own thread after `delay`.
class DelayedCancel {
public:
    DelayedCancel(CancelFlag& flag, std::chrono::microseconds delay)
        : m_thread([&flag, delay] {
            std::this_thread::sleep_for(delay);
            flag.cancel();
        }) {}
    ~DelayedCancel() { m_thread.join(); }

private:
    std::thread m_thread;
};

} // namespace

class ConcurrencyTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        auto graph = importOnnxFile(kShared + "/models/ppocr_cls.onnx");
        QVERIFY2(graph.isOk(), graph.isOk() ? "" : graph.message().c_str());
        m_graph = std::move(*graph);
        auto x = readNpy(kShared + "/data/textlines_x.npy");
        QVERIFY2(x.isOk(), x.isOk() ? "" : x.message().c_str());
        m_samples = firstSamples(*x, 16);
    }

    // Quantization (calibration on the 2-thread pool) cancelled at spread-out moments: each
    // attempt ends Cancelled or complete; afterwards an uncancelled run gives the same plan as
    // one made before.
    void quantizationCancelledFromAnotherThread() {
        QuantConfig config;
        config.threads = 2;
        CalibrationData calib{m_samples, "", 8};
        auto reference = quantizeModel(m_graph, config, &calib);
        QVERIFY2(reference.isOk(), reference.isOk() ? "" : reference.message().c_str());
        const std::string referenceJson = quantPlanToJson(reference->plan);

        std::mt19937 rng(7);
        int cancelled = 0, completed = 0;
        for (int attempt = 0; attempt < 6; ++attempt) {
            CancelFlag flag;
            // 0 µs (before the first batch) to ~0.4 s (well inside calibration).
            const auto delay = std::chrono::microseconds(attempt == 0 ? 0 : rng() % 400000);
            Result<QuantizedModel> r = [&] {
                DelayedCancel canceller(flag, delay);
                return quantizeModel(m_graph, config, &calib, &flag);
            }();
            if (r.isOk()) {
                ++completed;
                QCOMPARE(quantPlanToJson(r->plan), referenceJson);
            } else {
                QCOMPARE(r.error().code(), ErrorCode::Cancelled);
                ++cancelled;
            }
        }
        qInfo("quantization: %d cancelled, %d completed before the cancel", cancelled, completed);
        QVERIFY(cancelled >= 1);
        auto again = quantizeModel(m_graph, config, &calib);
        QVERIFY(again.isOk());
        QCOMPARE(quantPlanToJson(again->plan), referenceJson);
    }

    // One executor run on two threads, cancelled mid-run from another thread, then reused.
    void executorCancelledFromAnotherThread() {
        ExecOptions options;
        options.threads = 2;
        auto ex = Executor::create(m_graph, options);
        QVERIFY(ex.isOk());
        const std::string input = m_graph.value(m_graph.inputs().front()).name;
        const std::map<std::string, Tensor> inputs{{input, m_samples}};
        auto reference = (*ex)->run(inputs);
        QVERIFY(reference.isOk());
        std::mt19937 rng(11);
        for (int attempt = 0; attempt < 6; ++attempt) {
            CancelFlag flag;
            const auto delay = std::chrono::microseconds(attempt == 0 ? 0 : rng() % 30000);
            Result<RunResult> r = [&] {
                DelayedCancel canceller(flag, delay);
                return (*ex)->run(inputs, nullptr, &flag);
            }();
            if (!r.isOk()) QCOMPARE(r.error().code(), ErrorCode::Cancelled);
        }
        auto after = (*ex)->run(inputs);
        QVERIFY(after.isOk());
        const Tensor& a = reference->outputs.begin()->second;
        const Tensor& b = after->outputs.begin()->second;
        QCOMPARE(a.byteSize(), b.byteSize());
        QVERIFY(std::memcmp(a.rawData(), b.rawData(), a.byteSize()) == 0);
    }

private:
    Graph m_graph;
    Tensor m_samples;
};

QTEST_GUILESS_MAIN(ConcurrencyTest)
#include "concurrency_test.moc"
