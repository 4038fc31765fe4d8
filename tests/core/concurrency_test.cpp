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
#include "util/thread_pool.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <set>
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

    // ThreadPool::forEach hands out every item exactly once, on more than one thread when it
    // has them, and a pool's work inside an item runs inline on the item's thread; insideJob()
    // is true inside items (nested ones too) and false again after.
    void threadPoolForEachRunsEveryItemOnce() {
        for (int threads : {1, 2, 3}) {
            ThreadPool pool(threads);
            constexpr int64_t n = 500;
            std::vector<std::atomic<int>> runs(n);
            std::vector<std::thread::id> ids(n);
            std::atomic<int> notInside{0}, nestedElsewhere{0}, startedElsewhere{0};
            std::atomic<bool> firstRunning{false};
            std::thread::id first;
            pool.forEach(n, [&](int64_t i) {
                runs[size_t(i)]++;
                ids[size_t(i)] = std::this_thread::get_id();
                if (!ThreadPool::insideJob()) notInside++;
                if (i == 0) {
                    first = std::this_thread::get_id();
                    firstRunning = true;
                    // With more threads, item 0 waits (10 s at most) until another thread has
                    // taken an item: the items do not run one after the other.
                    const auto deadline =
                        std::chrono::steady_clock::now() + std::chrono::seconds(10);
                    while (threads > 1 && startedElsewhere == 0 &&
                           std::chrono::steady_clock::now() < deadline)
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                } else if (firstRunning && std::this_thread::get_id() != first) {
                    startedElsewhere++;
                }
                if (i % 50 == 0) {
                    ThreadPool inner(2);
                    inner.parallelFor(64, 1, [&](int64_t, int64_t) {
                        if (std::this_thread::get_id() != ids[size_t(i)]) nestedElsewhere++;
                    });
                    inner.forEach(3, [&](int64_t) {
                        if (std::this_thread::get_id() != ids[size_t(i)]) nestedElsewhere++;
                    });
                    if (!ThreadPool::insideJob()) notInside++; // still inside the outer item
                }
            });
            QVERIFY(!ThreadPool::insideJob());
            for (int64_t i = 0; i < n; ++i) QCOMPARE(runs[size_t(i)].load(), 1);
            QCOMPARE(notInside.load(), 0);
            QCOMPARE(nestedElsewhere.load(), 0);
            const std::set<std::thread::id> distinct(ids.begin(), ids.end());
            if (threads == 1)
                QCOMPARE(int(distinct.size()), 1);
            else
                QVERIFY2(startedElsewhere > 0, "no item ran beside item 0");
        }
        ThreadPool pool(2);
        int calls = 0;
        pool.forEach(0, [&](int64_t) { ++calls; });
        QCOMPARE(calls, 0);
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
