// Streaming calibration: Histogram, RangeCollector and the five calibrators, on synthetic data
// whose answers are known (Gaussian with outliers, uniform, hand-made batches), against
// references written here: quantization MSE measured by really fake-quantizing the data with
// qs::fakeQuantize, a direct per-bin KL computation, plain loops for per-channel ranges.
// Seeds are fixed.
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/calibrators.h"
#include "util/thread_pool.h"

#include <QtTest>
#include <chrono>
#include <cmath>
#include <random>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

QuantSpec int8Symmetric() {
    QuantSpec s;
    s.bits = 8;
    s.scheme = QuantScheme::Symmetric;
    s.isSigned = true;
    return s;
}

QuantSpec uint8Asymmetric() {
    QuantSpec s;
    s.bits = 8;
    s.scheme = QuantScheme::Asymmetric;
    s.isSigned = false;
    return s;
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

Tensor tensorOf(const std::vector<float>& v, Shape shape = {}) {
    if (shape.empty()) shape = {int64_t(v.size())};
    return Tensor::fromVector<float>(std::move(shape), v);
}

// Observes `values` in `batches` equal consecutive slices.
RangeCollector collect(const std::vector<float>& values, int batches = 1,
                       RangeCollectorOptions options = {}) {
    RangeCollector c(options);
    const size_t per = (values.size() + size_t(batches) - 1) / size_t(batches);
    for (size_t from = 0; from < values.size(); from += per) {
        const size_t n = std::min(per, values.size() - from);
        const Status s = c.observe(tensorOf(
            std::vector<float>(values.begin() + long(from), values.begin() + long(from + n))));
        if (!s) qFatal("observe failed: %s", s.message().c_str());
    }
    return c;
}

ClipRange choose(CalibrationMethod method, const RangeCollector& c, const QuantSpec& spec,
                 double percentile = 99.99) {
    CalibrationConfig cfg;
    cfg.method = method;
    cfg.percentile = percentile;
    cfg.emaDecay = c.options().emaDecay;
    auto cal = makeCalibrator(cfg);
    if (!cal) qFatal("makeCalibrator: %s", cal.message().c_str());
    auto r = (*cal)->chooseRange(c, spec);
    if (!r) qFatal("chooseRange: %s", r.message().c_str());
    return *r;
}

// Mean squared error of actually quantizing the data on the range (the reference for the MSE
// claims: qs::fakeQuantize, not the histogram model).
double measuredMse(const std::vector<float>& values, ClipRange r, const QuantSpec& spec) {
    auto p = computeQuantParams(spec, {r.lo}, {r.hi});
    if (!p) qFatal("computeQuantParams: %s", p.message().c_str());
    const Tensor t = tensorOf(values);
    auto q = fakeQuantize(t, *p);
    if (!q) qFatal("fakeQuantize: %s", q.message().c_str());
    const float* y = q->data<float>();
    double e = 0.0;
    for (size_t i = 0; i < values.size(); ++i)
        e += (double(y[i]) - values[i]) * (double(y[i]) - values[i]);
    return e / double(values.size());
}

// KL(P‖Q) per candidate, literally as the TensorRT slides describe the loop (one bin at a time),
// with the smoothing klDivergenceCurve documents. Levels split the i bins evenly:
// bin j belongs to level floor(j·levels / i).
std::vector<double> referenceKlCurve(const std::vector<int64_t>& h, int levels) {
    int last = int(h.size()) - 1;
    while (last >= 0 && h[size_t(last)] == 0) --last;
    std::vector<double> curve;
    const double eps = 1e-4;
    for (int i = levels; i <= last + 1; ++i) {
        std::vector<double> p(static_cast<size_t>(i)), q(static_cast<size_t>(i), 0.0);
        for (int j = 0; j < i; ++j) p[size_t(j)] = double(h[size_t(j)]);
        for (size_t j = size_t(i); j < h.size(); ++j) p[size_t(i - 1)] += double(h[j]);
        std::vector<double> levelSum(size_t(levels), 0.0), levelNonEmpty(size_t(levels), 0.0);
        for (int j = 0; j < i; ++j) {
            const size_t g = size_t(int64_t(j) * levels / i);
            levelSum[g] += double(h[size_t(j)]);
            levelNonEmpty[g] += h[size_t(j)] > 0 ? 1.0 : 0.0;
        }
        for (int j = 0; j < i; ++j) {
            const size_t g = size_t(int64_t(j) * levels / i);
            if (h[size_t(j)] > 0) q[size_t(j)] = levelSum[g] / levelNonEmpty[g];
        }
        double sp = 0.0, sq = 0.0;
        for (int j = 0; j < i; ++j) {
            if (p[size_t(j)] == 0.0) p[size_t(j)] = eps;
            if (q[size_t(j)] == 0.0) q[size_t(j)] = eps;
            sp += p[size_t(j)];
            sq += q[size_t(j)];
        }
        double kl = 0.0;
        for (int j = 0; j < i; ++j)
            kl += p[size_t(j)] / sp * std::log((p[size_t(j)] / sp) / (q[size_t(j)] / sq));
        curve.push_back(kl);
    }
    return curve;
}

const char* const kKernelPaths[] = {"avx512", "avx2", "generic"};

} // namespace

class CalibrationTest : public QObject {
    Q_OBJECT
private slots:
    void cleanup() { setHistogramKernel(m_defaultKernel.c_str()); }

    void requiredHalfRange();
    void handBinsAndMerge();
    void streamingEqualsOneBatch();
    void kernelPathsAgree();
    void quantilesAndFractions();
    void expectedMseMatchesMeasured();
    void gaussianWithOutliers();
    void gaussianWithOutliersAsymmetric();
    void mseKeepsOutliersThatCostMore();
    void klAsymmetricPerSign();
    void uniformKeepsRange();
    void percentile100IsMinMax();
    void emaTwoBatches();
    void nanGivesNumericError();
    void allZeroTensor();
    void extremeLocations();
    void perChannelRanges();
    void klMatchesDirectReference();
    void parseMethods();
    void observeIndependentOfThreads();
    void observeSpeed();
    void calibrationOverheadOnMobileNet();

private:
    std::string m_defaultKernel = histogramKernelName();
};

void CalibrationTest::requiredHalfRange() {
    QCOMPARE(Histogram::requiredHalfRange(0.0f, 0.0f), 0.0);
    QCOMPARE(Histogram::requiredHalfRange(-1.0f, 0.0f), 1.0); // min >= -R: -1 fits R = 1
    QCOMPARE(Histogram::requiredHalfRange(0.0f, 1.0f), 2.0);  // max < R: 1 needs R = 2
    QCOMPARE(Histogram::requiredHalfRange(0.0f, 0.75f), 1.0);
    QCOMPARE(Histogram::requiredHalfRange(-3.0f, 0.1f), 4.0);
    QCOMPARE(Histogram::requiredHalfRange(-1e-30f, 0.0f),
             std::ldexp(1.0, -99)); // 2^-100 < 1e-30 <= 2^-99
    QCOMPARE(Histogram::requiredHalfRange(0.0f, 3e38f), std::ldexp(1.0, 128));
    QCOMPARE(Histogram::requiredHalfRange(1.0f, -1.0f), 0.0); // empty
}

void CalibrationTest::handBinsAndMerge() {
    // 8 bins. {0.5, -0.5, 1.5, -2, 0}: max 1.5 < 2, min -2 >= -2 → R = 2, w = 0.5; bin i holds
    // floor(x / 0.5) + 4: 0.5 → 5, -0.5 → 3, 1.5 → 7, -2 → 0, 0 → 4.
    Histogram h(8);
    QVERIFY(h.add(std::vector<float>{0.5f, -0.5f, 1.5f, -2.0f, 0.0f}));
    QCOMPARE(h.halfRange(), 2.0);
    QCOMPARE(h.counts(), (std::vector<int64_t>{1, 0, 0, 1, 1, 1, 0, 1}));
    // 3 needs R = 4, w = 1: -2 → 2, -0.5 → 3, 0 and 0.5 → 4, 1.5 → 5, 3 → 7.
    QVERIFY(h.add(std::vector<float>{3.0f}));
    QCOMPARE(h.halfRange(), 4.0);
    QCOMPARE(h.counts(), (std::vector<int64_t>{0, 0, 1, 1, 2, 1, 0, 1}));
    QCOMPARE(h.count(), int64_t(6));
    QCOMPARE(h.zeroCount(), int64_t(1));
    QCOMPARE(h.min(), -2.0f);
    QCOMPARE(h.max(), 3.0f);
    QCOMPARE(h.sum(), 2.5);
    QCOMPARE(h.sumSquares(), 0.25 + 0.25 + 2.25 + 4.0 + 9.0);
    // |x| bins of width 1: folded k = bins 4+k and 3-k.
    QCOMPARE(h.foldedAbs(), (std::vector<int64_t>{3, 2, 0, 1}));
    QCOMPARE(Histogram(5).bins(), 8); // rounded up to a multiple of 4
}

void CalibrationTest::streamingEqualsOneBatch() {
    // 200k Gaussian values; the outliers come late so the range doubles during streaming.
    std::vector<float> v = gaussian(200000, 7);
    v[150000] = 40.0f;
    v[190001] = -55.5f;
    v[10] = 0.0f;
    const RangeCollector one = collect(v, 1);
    const RangeCollector ten = collect(v, 10);
    std::vector<float> reversed(v.rbegin(), v.rend());
    const RangeCollector backwards = collect(reversed, 7);
    QCOMPARE(one.histogram().halfRange(), 64.0);
    for (const RangeCollector* c : {&ten, &backwards}) {
        QCOMPARE(c->histogram().halfRange(), one.histogram().halfRange());
        QVERIFY(c->histogram().counts() == one.histogram().counts());
        QCOMPARE(c->count(), one.count());
        QCOMPARE(c->min(), one.min());
        QCOMPARE(c->max(), one.max());
        QCOMPARE(c->histogram().zeroCount(), one.histogram().zeroCount());
        QVERIFY(std::fabs(c->histogram().sum() - one.histogram().sum()) < 1e-6);
    }
    // merge() of two halves gives the same histogram.
    Histogram a(4096), b(4096);
    QVERIFY(a.add(std::span<const float>(v.data(), 100000)));
    QVERIFY(b.add(std::span<const float>(v.data() + 100000, 100000)));
    QVERIFY(a.merge(b));
    QVERIFY(a.counts() == one.histogram().counts());
    QCOMPARE(a.count(), one.count());
}

void CalibrationTest::kernelPathsAgree() {
    // Every scan path gives the same counts and bit-identical sums; odd sizes exercise the tails,
    // and NaN counting in the vector and scalar parts.
    std::vector<float> v = gaussian(100003, 11);
    for (size_t i = 0; i < v.size(); i += 3) v[i] = std::max(v[i], 0.0f); // many exact zeros
    v[5] = -0.0f;
    std::vector<int64_t> counts;
    double sum = 0.0, sumSq = 0.0;
    bool first = true;
    for (const char* path : kKernelPaths) {
        if (!setHistogramKernel(path)) continue;
        Histogram h(4096);
        // Two batches: the first fixes the range, the second is binned in the scan pass.
        QVERIFY(h.add(std::span<const float>(v.data(), 50001)));
        QVERIFY(h.add(std::span<const float>(v.data() + 50001, v.size() - 50001)));
        if (first) {
            counts = h.counts();
            sum = h.sum();
            sumSq = h.sumSquares();
            first = false;
        } else {
            QVERIFY2(h.counts() == counts, path);
            QCOMPARE(h.sum(), sum);
            QCOMPARE(h.sumSquares(), sumSq);
        }
        std::vector<float> bad = v;
        bad[17] = std::nanf("");
        bad[100001] = INFINITY; // in the scalar tail of the vector paths
        const Status s = h.add(bad);
        QCOMPARE(s.code(), ErrorCode::NumericError);
        QVERIFY2(s.message().find("2 of 100003 values are not finite (1 NaN, 1 Inf)") !=
                     std::string::npos,
                 s.message().c_str());
        qInfo("histogram kernel %s: ok", path);
    }
}

void CalibrationTest::quantilesAndFractions() {
    const std::vector<float> v = uniform(100000, -3.0f, 3.0f, 3);
    const RangeCollector c = collect(v);
    const Histogram& h = c.histogram();
    QCOMPARE(h.quantile(0.0), double(h.min()));
    QCOMPARE(h.quantile(1.0), double(h.max()));
    QCOMPARE(h.absQuantile(1.0), double(h.absMax()));
    QVERIFY(std::fabs(h.quantile(0.5)) < 0.03);
    QVERIFY(std::fabs(h.quantile(0.25) + 1.5) < 0.03);
    QVERIFY(std::fabs(h.absQuantile(0.5) - 1.5) < 0.03);
    QVERIFY(std::fabs(h.fractionOutside(-1.5, 1.5) - 0.5) < 0.01);
    QVERIFY(std::fabs(h.fractionOutside(0.0, 10.0) - 0.5) < 0.01);
    QCOMPARE(h.fractionOutside(h.min(), h.max()), 0.0);
    QVERIFY(std::fabs(h.mean()) < 0.02);
    QVERIFY(std::fabs(h.variance() - 3.0) < 0.05); // (b - a)^2 / 12 = 3
}

void CalibrationTest::expectedMseMatchesMeasured() {
    // The histogram model (Δ²/12 inside, squared clipping distance outside, bin centres) against
    // really quantizing the values: within 5% where rounding dominates and where clipping does.
    const std::vector<float> v = gaussian(200000, 5);
    const RangeCollector c = collect(v);
    for (const QuantSpec& spec : {int8Symmetric(), uint8Asymmetric()})
        for (float clip : {4.0f, 2.5f, 1.0f}) {
            auto expected = c.histogram().expectedQuantMse(-clip, clip, spec);
            QVERIFY(expected.isOk());
            const double measured = measuredMse(v, ClipRange{-clip, clip}, spec);
            qInfo("%s clip %.1f: expected MSE %.4g, measured %.4g", quantSchemeName(spec.scheme),
                  double(clip), *expected, measured);
            QVERIFY(std::fabs(*expected - measured) <= 0.05 * measured);
        }
}

void CalibrationTest::gaussianWithOutliers() {
    // 1M values of N(0, 1) and two outliers at ±40, int8 symmetric (127 levels a side).
    // At 8 bits min-max's step is 40/127: its rounding noise Δ²/12 = 8.3e-3 on every value.
    // Clipping at t costs the two outliers (40 − t)² each but cuts the noise to (t/127)²/12, so
    // the data's MSE falls when outliers are rarer than about 1 in 190k values (below that
    // rate clipping them costs more than it saves; see mseKeepsOutliersThatCostMore).
    // Expected:
    //  - percentile 99.99 of |x|: 3.89 for N(0,1);
    //  - KL: in 2.5–8. The reference P folds everything beyond t into its last bin, which Q
    //    (from the bins alone) cannot follow: clipping inside the bulk (t < 2.5 folds > 1.2% of
    //    the mass) costs a lot; beyond the bulk (t > ~5, where the Gaussian has < 1 value a bin)
    //    the last bin is empty in Q but holds the outliers in P, and 128 levels over more bins
    //    merge the bulk's bins with each other. The histogram here has bins of 1/32 (R = 64), so
    //    the smallest candidate (128 bins) is 4.0;
    //  - MSE: minimises 2(40 − t)²/N + (t/127)²/12, t* = 40a/(a + b) with a = 2/N, b = 1/193548:
    //    11.2, so 8–15.
    std::vector<float> v = gaussian(1000000, 42);
    v[123456] = 40.0f;
    v[654321] = -40.0f;
    const RangeCollector c = collect(v, 10);
    const QuantSpec spec = int8Symmetric();
    const ClipRange mm = choose(CalibrationMethod::MinMax, c, spec);
    const ClipRange pc = choose(CalibrationMethod::Percentile, c, spec);
    const ClipRange kl = choose(CalibrationMethod::Kl, c, spec);
    const ClipRange mse = choose(CalibrationMethod::Mse, c, spec);
    QCOMPARE(mm.hi, 40.0f);
    const double mseMm = measuredMse(v, mm, spec), msePc = measuredMse(v, pc, spec),
                 mseKl = measuredMse(v, kl, spec), mseMse = measuredMse(v, mse, spec);
    qInfo("minmax [%g, %g] MSE %.4g", double(mm.lo), double(mm.hi), mseMm);
    qInfo("percentile [%g, %g] MSE %.4g", double(pc.lo), double(pc.hi), msePc);
    qInfo("kl [%g, %g] MSE %.4g", double(kl.lo), double(kl.hi), mseKl);
    qInfo("mse [%g, %g] MSE %.4g", double(mse.lo), double(mse.hi), mseMse);
    QVERIFY(std::fabs(pc.hi - 3.89f) < 0.1f && std::fabs(pc.lo + 3.89f) < 0.1f);
    QVERIFY(kl.hi >= 2.5f && kl.hi <= 8.0f);
    QCOMPARE(kl.lo, -kl.hi);
    QVERIFY(mse.hi >= 8.0f && mse.hi <= 15.0f);
    QVERIFY(msePc < 0.5 * mseMm);
    QVERIFY(mseKl < 0.5 * mseMm);
    QVERIFY(mseMse < 0.5 * mseMm);
    // The MSE search is the one that optimises this very number.
    QVERIFY(mseMse <= 1.02 * std::min(msePc, mseKl));
}

void CalibrationTest::gaussianWithOutliersAsymmetric() {
    // Same data on uint8 asymmetric (255 steps over [lo, hi]): the same picture.
    std::vector<float> v = gaussian(1000000, 43);
    v[1000] = 40.0f;
    v[2000] = -40.0f;
    const RangeCollector c = collect(v, 4);
    const QuantSpec spec = uint8Asymmetric();
    const double mseMm = measuredMse(v, choose(CalibrationMethod::MinMax, c, spec), spec);
    for (CalibrationMethod m :
         {CalibrationMethod::Percentile, CalibrationMethod::Kl, CalibrationMethod::Mse}) {
        const ClipRange r = choose(m, c, spec);
        const double e = measuredMse(v, r, spec);
        qInfo("%s [%g, %g] MSE %.4g (minmax %.4g)", calibrationMethodName(m), double(r.lo),
              double(r.hi), e, mseMm);
        QVERIFY(r.lo < -2.5f && r.lo > -20.0f);
        QVERIFY(r.hi > 2.5f && r.hi < 20.0f);
        QVERIFY(e < 0.6 * mseMm);
    }
}

void CalibrationTest::mseKeepsOutliersThatCostMore() {
    // 100k values and 6 outliers at ±40 on int8: clipping the outliers to ~4 would cost
    // 6·36² ≈ 7800 against a saving of 100k·8.3e-3 ≈ 830 in rounding noise. The MSE search sees
    // that and clips only a little (t* = 40a/(a + b), a = 6e-5, b = 5.2e-6: 36.8); KL and
    // percentile clip anyway and lose to min-max on this number.
    std::vector<float> v = gaussian(100000, 9);
    for (int k = 0; k < 6; ++k) v[size_t(k * 9999)] = k % 2 ? 40.0f : -40.0f;
    const RangeCollector c = collect(v, 3);
    const QuantSpec spec = int8Symmetric();
    const ClipRange mse = choose(CalibrationMethod::Mse, c, spec);
    const double mseMse = measuredMse(v, mse, spec);
    const double mseMm = measuredMse(v, choose(CalibrationMethod::MinMax, c, spec), spec);
    const double mseKl = measuredMse(v, choose(CalibrationMethod::Kl, c, spec), spec);
    qInfo("mse clip %g: MSE %.4g; minmax %.4g; kl %.4g", double(mse.hi), mseMse, mseMm, mseKl);
    QVERIFY(mse.hi > 33.0f && mse.hi < 40.0f);
    QVERIFY(mseMse <= mseMm);
    QVERIFY(mseMse < mseKl);
}

void CalibrationTest::klAsymmetricPerSign() {
    // A normalised image: 70% background exactly at -0.96, 30% strokes spread over (-0.5, 2.2]
    // (the digits model's input). On an asymmetric grid each sign gets its own threshold: the
    // background end stays at -0.96 and the strokes keep (nearly) their whole range. One |x|
    // threshold would sit at the background spike, 0.96, and clip every stroke above it.
    std::vector<float> v = uniform(100000, -0.5f, 2.2f, 31);
    for (size_t i = 0; i < v.size(); ++i)
        if (i % 10 < 7) v[i] = -0.96f;
    const RangeCollector c = collect(v, 2);
    const ClipRange r = choose(CalibrationMethod::Kl, c, uint8Asymmetric());
    qInfo("kl on uint8: [%g, %g]", double(r.lo), double(r.hi));
    QCOMPARE(r.lo, -0.96f);
    QVERIFY(r.hi >= 0.95f * 2.2f);
}

void CalibrationTest::uniformKeepsRange() {
    // U(−3, 3): nothing to clip. Percentile 99.99 gives up 0.01%; KL pays heavily for any mass
    // folded into the last bin; the MSE optimum is where the clipped cube (3 − t)³/9 meets the
    // noise t²/193548: t = 2.99; EMA averages 5 batch extremes that all lie within 1e-3 of ±3.
    // So every method keeps at least 95% of each end.
    const std::vector<float> v = uniform(100000, -3.0f, 3.0f, 21);
    const RangeCollector c = collect(v, 5);
    for (const QuantSpec& spec : {int8Symmetric(), uint8Asymmetric()})
        for (CalibrationMethod m :
             {CalibrationMethod::MinMax, CalibrationMethod::EmaMinMax,
              CalibrationMethod::Percentile, CalibrationMethod::Kl, CalibrationMethod::Mse}) {
            const ClipRange r = choose(m, c, spec);
            qInfo("%s %s: [%g, %g]", quantSchemeName(spec.scheme), calibrationMethodName(m),
                  double(r.lo), double(r.hi));
            QVERIFY(r.lo <= 0.95f * c.min());
            QVERIFY(r.hi >= 0.95f * c.max());
        }
}

void CalibrationTest::percentile100IsMinMax() {
    std::vector<float> v = gaussian(50000, 4);
    v[77] = 12.5f;
    const RangeCollector c = collect(v, 3);
    for (const QuantSpec& spec : {int8Symmetric(), uint8Asymmetric()}) {
        const ClipRange mm = choose(CalibrationMethod::MinMax, c, spec);
        const ClipRange p = choose(CalibrationMethod::Percentile, c, spec, 100.0);
        QCOMPARE(p.lo, mm.lo);
        QCOMPARE(p.hi, mm.hi);
    }
}

void CalibrationTest::emaTwoBatches() {
    // decay 0.9 (averaging constant 0.1): min −1 then −3 → −1 + 0.1·(−3 + 1) = −1.2;
    // max 2 then 4 → 2 + 0.1·(4 − 2) = 2.2.
    RangeCollector c;
    QVERIFY(c.observe(tensorOf({-1.0f, 0.5f, 2.0f})));
    QCOMPARE(c.emaMin(), -1.0f); // the first batch initialises
    QCOMPARE(c.emaMax(), 2.0f);
    QVERIFY(c.observe(tensorOf({-3.0f, 4.0f})));
    QVERIFY(std::fabs(c.emaMin() + 1.2f) < 1e-6f);
    QVERIFY(std::fabs(c.emaMax() - 2.2f) < 1e-6f);
    const ClipRange r = choose(CalibrationMethod::EmaMinMax, c, int8Symmetric());
    QCOMPARE(r.lo, c.emaMin());
    QCOMPARE(r.hi, c.emaMax());
    // PyTorch's default averaging constant 0.01 (decay 0.99): 2 + 0.01·2 = 2.02.
    RangeCollectorOptions o;
    o.emaDecay = 0.99;
    RangeCollector p(o);
    QVERIFY(p.observe(tensorOf({2.0f})));
    QVERIFY(p.observe(tensorOf({4.0f})));
    QVERIFY(std::fabs(p.emaMax() - 2.02f) < 1e-6f);
    // A calibrator with another decay than the collector's refuses.
    EmaCalibrator other(0.5);
    auto bad = other.chooseRange(p, int8Symmetric());
    QCOMPARE(bad.status().code(), ErrorCode::InvalidArgument);
}

void CalibrationTest::nanGivesNumericError() {
    RangeCollector c;
    QVERIFY(c.observe(tensorOf({1.0f, -2.0f, 3.0f})));
    std::vector<float> v(1000, 0.5f);
    v[3] = std::nanf("");
    v[500] = std::nanf("");
    v[999] = -INFINITY;
    const Status s = c.observe(tensorOf(v));
    QCOMPARE(s.code(), ErrorCode::NumericError);
    QVERIFY2(s.message().find("3 of 1000 values are not finite (2 NaN, 1 Inf)") !=
                 std::string::npos,
             s.message().c_str());
    // Nothing of the bad batch got in.
    QCOMPARE(c.batches(), int64_t(1));
    QCOMPARE(c.count(), int64_t(3));
    QCOMPARE(c.max(), 3.0f);
    QCOMPARE(c.emaMax(), 3.0f);
    // A non-f32 tensor is refused with its type named.
    const Status t = c.observe(Tensor::fromVector<int64_t>({2}, {1, 2}));
    QCOMPARE(t.code(), ErrorCode::TypeMismatch);
    QVERIFY(t.message().find("i64") != std::string::npos);
}

void CalibrationTest::allZeroTensor() {
    const Tensor zeros = Tensor::zeros(DataType::F32, {1, 4, 8, 8});
    RangeCollectorOptions o;
    o.channelAxis = -1; // the last batch below has another shape
    RangeCollector c(o);
    QVERIFY(c.observe(zeros));
    QVERIFY(c.observe(zeros));
    QCOMPARE(c.histogram().halfRange(), 0.0);
    for (const QuantSpec& spec : {int8Symmetric(), uint8Asymmetric()})
        for (CalibrationMethod m :
             {CalibrationMethod::MinMax, CalibrationMethod::EmaMinMax,
              CalibrationMethod::Percentile, CalibrationMethod::Kl, CalibrationMethod::Mse}) {
            const ClipRange r = choose(m, c, spec);
            QCOMPARE(r.lo, 0.0f);
            QCOMPARE(r.hi, 0.0f);
            auto p = computeQuantParams(spec, {r.lo}, {r.hi});
            QVERIFY(p.isOk());
            QVERIFY(std::isfinite(p->scale[0]) && p->scale[0] > 0.0f);
            auto q = fakeQuantize(zeros, *p);
            QVERIFY(q.isOk());
            for (float y : q->span<float>()) QCOMPARE(y, 0.0f);
        }
    auto e = c.histogram().expectedQuantMse(0.0f, 0.0f, int8Symmetric());
    QVERIFY(e.isOk() && *e == 0.0);
    // Zeros seen before the range was known take their bin once it is.
    QVERIFY(c.observe(tensorOf({0.75f, -0.25f})));
    const Histogram& h = c.histogram();
    QCOMPARE(h.halfRange(), 1.0);
    QCOMPARE(h.counts()[size_t(h.bins() / 2)], int64_t(2 * 256));
    QCOMPARE(h.zeroCount(), int64_t(2 * 256));
    int64_t total = 0;
    for (int64_t n : h.counts()) total += n;
    QCOMPARE(total, h.count());
    // Nothing observed: a clear error, not a range.
    RangeCollector empty;
    QVERIFY(empty.observe(Tensor(DataType::F32, {0, 3})));
    auto cal = makeCalibrator(CalibrationConfig{CalibrationMethod::Kl});
    QVERIFY(cal.isOk());
    QCOMPARE((*cal)->chooseRange(empty, int8Symmetric()).status().code(), ErrorCode::NumericError);
}

void CalibrationTest::extremeLocations() {
    // 5 batches of [4, 3, 8, 8] (N = 4 samples of 192 values).
    RangeCollector c;
    for (int b = 0; b < 5; ++b) {
        std::vector<float> v = uniform(4 * 3 * 8 * 8, -1.0f, 1.0f, uint32_t(100 + b));
        if (b == 2) v[3 * 192 + 17] = 9.0f; // the max: batch 2, sample 3
        if (b == 3) v[0] = 9.0f;            // equal: does not take over
        if (b == 4) v[1 * 192 + 5] = -7.0f; // the min: batch 4, sample 1
        QVERIFY(c.observe(Tensor::fromVector<float>({4, 3, 8, 8}, v)));
    }
    QCOMPARE(c.max(), 9.0f);
    QCOMPARE(c.maxLocation().batch, int64_t(2));
    QCOMPARE(c.maxLocation().sample, int64_t(3));
    QCOMPARE(c.maxLocation().element, int64_t(3 * 192 + 17));
    QCOMPARE(c.min(), -7.0f);
    QCOMPARE(c.minLocation().batch, int64_t(4));
    QCOMPARE(c.minLocation().sample, int64_t(1));
    QCOMPARE(c.minLocation().element, int64_t(192 + 5));
    QCOMPARE(c.batches(), int64_t(5));
}

void CalibrationTest::perChannelRanges() {
    // Against a plain loop, on a large-block (NCHW, 7×9 maps) and a small-block ([N, C]) layout.
    struct Case {
        Shape shape;
        int axis;
    };
    for (const Case& k : {Case{{3, 5, 7, 9}, 1}, Case{{16, 10}, 1}, Case{{6, 4, 5}, 0}}) {
        RangeCollectorOptions o;
        o.channelAxis = k.axis;
        RangeCollector c(o);
        const ChannelLayout l = channelLayout(k.shape, k.axis);
        std::vector<float> lo(size_t(l.channels), INFINITY), hi(size_t(l.channels), -INFINITY);
        for (int b = 0; b < 3; ++b) {
            std::vector<float> v = gaussian(size_t(numelOf(k.shape)), uint32_t(200 + b));
            size_t flat = 0;
            for (int64_t oi = 0; oi < l.outer; ++oi)
                for (int64_t ch = 0; ch < l.channels; ++ch)
                    for (int64_t i = 0; i < l.inner; ++i, ++flat) {
                        v[flat] = v[flat] * float(ch + 1) +
                                  float(ch); // channels differ in scale and offset
                        lo[size_t(ch)] = std::min(lo[size_t(ch)], v[flat]);
                        hi[size_t(ch)] = std::max(hi[size_t(ch)], v[flat]);
                    }
            QVERIFY(c.observe(Tensor::fromVector<float>(k.shape, v)));
        }
        QCOMPARE(c.channels(), l.channels);
        QVERIFY(c.channelMin() == lo);
        QVERIFY(c.channelMax() == hi);
        QCOMPARE(c.min(), *std::min_element(lo.begin(), lo.end()));
        QCOMPARE(c.max(), *std::max_element(hi.begin(), hi.end()));
        // Another channel count later is a shape error, and changes nothing.
        Shape other = k.shape;
        other[size_t(k.axis)] += 1;
        const Status s = c.observe(Tensor::zeros(DataType::F32, other));
        QCOMPARE(s.code(), ErrorCode::ShapeMismatch);
        QCOMPARE(c.batches(), int64_t(3));
    }
    // Rank below the axis: no per-channel ranges, no error.
    RangeCollector flat;
    QVERIFY(flat.observe(tensorOf({1.0f, 2.0f})));
    QCOMPARE(flat.channels(), int64_t(0));
}

void CalibrationTest::klMatchesDirectReference() {
    // The prefix-sum KL against the one-bin-at-a-time loop, on |x| histograms with empty bins,
    // outliers and uneven level splits; same curve to 1e-9 and the same chosen bin.
    std::mt19937 rng(77);
    for (int trial = 0; trial < 6; ++trial) {
        const int bins = 300 + int(rng() % 400);
        std::vector<int64_t> h(size_t(bins), 0);
        const double width = 20.0 + double(rng() % 80);
        for (int j = 0; j < bins; ++j) {
            const double expected = 5000.0 * std::exp(-0.5 * (j / width) * (j / width));
            h[size_t(j)] = std::poisson_distribution<int64_t>(expected)(rng);
        }
        for (int j = 0; j < bins; j += 7 + trial) h[size_t(j)] = 0; // holes in the bulk
        h[size_t(bins - 1 - trial)] += 3;                           // outliers at the end
        const int levels = trial % 2 ? 128 : 64;
        const std::vector<double> fast = klDivergenceCurve(h, levels);
        const std::vector<double> ref = referenceKlCurve(h, levels);
        QCOMPARE(fast.size(), ref.size());
        for (size_t k = 0; k < ref.size(); ++k)
            QVERIFY2(std::fabs(fast[k] - ref[k]) <= 1e-9 * std::max(1.0, std::fabs(ref[k])),
                     qPrintable(QStringLiteral("trial %1 i %2: %3 vs %4")
                                    .arg(trial)
                                    .arg(k)
                                    .arg(fast[k])
                                    .arg(ref[k])));
        QCOMPARE(std::min_element(fast.begin(), fast.end()) - fast.begin(),
                 std::min_element(ref.begin(), ref.end()) - ref.begin());
    }
    // One bin per level and nothing beyond: Q = P, KL = 0.
    std::vector<int64_t> exact(128, 10);
    const std::vector<double> curve = klDivergenceCurve(exact, 128);
    QCOMPARE(curve.size(), size_t(1));
    QVERIFY(std::fabs(curve[0]) < 1e-12);
    QVERIFY(klDivergenceCurve(std::vector<int64_t>(100, 1), 128).empty()); // fewer bins than levels
}

void CalibrationTest::parseMethods() {
    struct Row {
        const char* text;
        CalibrationMethod method;
    };
    for (const Row& r :
         {Row{"minmax", CalibrationMethod::MinMax}, Row{"ema", CalibrationMethod::EmaMinMax},
          Row{"kl", CalibrationMethod::Kl}, Row{"mse", CalibrationMethod::Mse},
          Row{"percentile:99.99", CalibrationMethod::Percentile}}) {
        auto c = parseCalibrationMethod(r.text);
        QVERIFY2(c.isOk(), c.message().c_str());
        QCOMPARE(c->method, r.method);
        QCOMPARE(calibrationMethodName(*c), std::string(r.text)); // round trip
    }
    auto p = parseCalibrationMethod("percentile:99.9");
    QVERIFY(p.isOk());
    QCOMPARE(p->percentile, 99.9);
    for (const char* bad :
         {"percentile:abc", "percentile:30", "percentile:", "percentile:100.5", "entropy", ""}) {
        auto c = parseCalibrationMethod(bad);
        QVERIFY(!c.isOk());
        QCOMPARE(c.status().code(), ErrorCode::InvalidArgument);
        QVERIFY2(c.message().find(std::string("'") + bad + "'") != std::string::npos,
                 c.message().c_str());
        QVERIFY2(c.message().find("minmax, ema, percentile:P (50 < P <= 100), kl, mse") !=
                     std::string::npos,
                 c.message().c_str());
    }
    CalibrationConfig badDecay;
    badDecay.method = CalibrationMethod::EmaMinMax;
    badDecay.emaDecay = 1.0;
    QCOMPARE(makeCalibrator(badDecay).status().code(), ErrorCode::InvalidArgument);
    QCOMPARE(collectorOptionsFor(badDecay).emaDecay, 1.0);
}

void CalibrationTest::observeIndependentOfThreads() {
    // Large tensors are scanned in pieces, in parallel with a pool: every statistic must come out
    // bit for bit the same with 1, 2 or 3 threads (and without a pool). Shapes with long channel
    // blocks, short ones (flat scan), and a batch dimension; the second batch widens the range.
    for (const Shape& shape : {Shape{2, 24, 96, 96}, Shape{1, 640, 14, 14}, Shape{3, 700000}}) {
        const int64_t n = numelOf(shape);
        std::vector<float> a = gaussian(size_t(n), 21), b = gaussian(size_t(n), 22);
        for (size_t i = 0; i < a.size(); i += 4) a[i] = std::clamp(a[i], 0.0f, 6.0f);
        b[12345] = 50.0f; // doubles R: the second batch is rebinned by commit()
        std::vector<RangeCollector> collectors;
        for (int threads : {0, 1, 2, 3}) {
            ThreadPool pool(std::max(1, threads));
            RangeCollector c;
            QVERIFY(c.observe(Tensor::fromVector<float>(shape, a), threads ? &pool : nullptr));
            QVERIFY(c.observe(Tensor::fromVector<float>(shape, b), threads ? &pool : nullptr));
            QVERIFY(c.observe(Tensor::fromVector<float>(shape, a),
                              threads ? &pool : nullptr)); // binned in the scan
            collectors.push_back(std::move(c));
        }
        const RangeCollector& ref = collectors[0];
        QCOMPARE(ref.count(), 3 * n);
        for (const RangeCollector& c : collectors) {
            QVERIFY(c.histogram().counts() == ref.histogram().counts());
            QCOMPARE(c.histogram().sum(),
                     ref.histogram().sum()); // bit for bit, not within a tolerance
            QCOMPARE(c.histogram().sumSquares(), ref.histogram().sumSquares());
            QCOMPARE(c.histogram().zeroCount(), ref.histogram().zeroCount());
            QCOMPARE(c.min(), ref.min());
            QCOMPARE(c.max(), 50.0f);
            QVERIFY(c.channelMin() == ref.channelMin());
            QVERIFY(c.channelMax() == ref.channelMax());
        }
        // And the counts are those of one plain histogram of all the values.
        Histogram h(ref.histogram().bins());
        QVERIFY(h.add(a));
        QVERIFY(h.add(b));
        QVERIFY(h.add(a));
        QVERIFY(h.counts() == ref.histogram().counts());
        QVERIFY(std::fabs(h.sum() - ref.histogram().sum()) <= 1e-9 * h.sumSquares());
    }
}

void CalibrationTest::observeSpeed() {
    // A 1×32×112×112 activation (a ReLU6 output: a third exact zeros). One observe() is one
    // pass over it (min/max/sums/NaN check, bins, per-channel extremes).
    std::vector<float> v = gaussian(32 * 112 * 112, 8);
    for (float& x : v) x = std::clamp(x + 0.5f, 0.0f, 6.0f);
    const Tensor t = Tensor::fromVector<float>({1, 32, 112, 112}, v);
    for (const char* path : kKernelPaths) {
        if (!setHistogramKernel(path)) continue;
        RangeCollector c;
        QVERIFY(c.observe(t)); // fixes the range; the timed batches are binned in the scan pass
        double best = 1e9;
        for (int r = 0; r < 15; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            const Status s = c.observe(t);
            const auto t1 = std::chrono::steady_clock::now();
            QVERIFY(s.isOk());
            best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        qInfo("observe 1x32x112x112 (%s): %.3f ms (%.2f ns/value)", path, best,
              best * 1e6 / double(t.numel()));
    }
}

void CalibrationTest::calibrationOverheadOnMobileNet() {
    // Collectors on every float tensor of MobileNetV2 vs a plain forward pass, one thread. The
    // hook is called right after each node, so the time between calls is the node's.
    const std::string model = kShared + "/models/mobilenet_v2_bn.onnx";
    auto graph = importOnnxFile(model);
    if (!graph) QSKIP(qPrintable(QString::fromStdString("model not loadable: " + graph.message())));
    auto x = readNpy(kShared + "/data/mobilenet_v2_input.npy");
    QVERIFY2(x.isOk(), x.message().c_str());
    const std::string inputName = graph->value(graph->inputs()[0]).name;
    auto ex = Executor::create(std::move(graph).value(), ExecOptions{1});
    if (!ex) QSKIP(qPrintable(QString::fromStdString("executor: " + ex.message())));
    const std::map<std::string, Tensor> inputs{{inputName, *x}};
    if (auto warm = (*ex)->run(inputs); !warm)
        QSKIP(qPrintable(QString::fromStdString("run: " + warm.message())));

    // Per run: total observe time and values; the first Conv's node and observe time (the
    // smallest of the runs is reported: the machine may be shared).
    struct Observer : ExecHooks {
        const Graph* graph = nullptr;
        std::map<ValueId, RangeCollector> collectors;
        std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
        double observeMs = 0.0, firstConvMs = 1e9, firstConvObserveMs = 1e9;
        int64_t values = 0;
        bool convSeen = false;
        std::string firstConv;
        Status onTensor(NodeId producer, ValueId value, Tensor& t) override {
            const auto t0 = std::chrono::steady_clock::now();
            const double nodeMs = std::chrono::duration<double, std::milli>(t0 - last).count();
            if (t.dtype() == DataType::F32) {
                Status s = collectors[value].observe(t);
                if (!s) return s.addContext("tensor '" + graph->value(value).name + "'");
                values += t.numel();
            }
            const auto t1 = std::chrono::steady_clock::now();
            const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
            observeMs += ms;
            if (!convSeen && producer != kNoNode && graph->node(producer).opType == "Conv") {
                convSeen = true;
                firstConvMs = std::min(firstConvMs, nodeMs);
                firstConvObserveMs = std::min(firstConvObserveMs, ms);
                firstConv = graph->node(producer).name + " " + shapeToString(t.shape());
            }
            last = std::chrono::steady_clock::now();
            return {};
        }
    };
    auto msSince = [](std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
            .count();
    };
    const int runs = 5;
    double plainMs = 1e9;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY((*ex)->run(inputs).isOk());
        plainMs = std::min(plainMs, msSince(t0));
    }
    Observer obs;
    obs.graph = &(*ex)->graph();
    double observedMs = 1e9, observeOnlyMs = 1e9;
    for (int r = 0; r < runs; ++r) {
        obs.observeMs = 0.0;
        obs.values = 0;
        obs.convSeen = false;
        obs.last = std::chrono::steady_clock::now();
        const auto t0 = std::chrono::steady_clock::now();
        auto res = (*ex)->run(inputs, &obs);
        QVERIFY2(res.isOk(), res.message().c_str());
        observedMs = std::min(observedMs, msSince(t0));
        observeOnlyMs = std::min(observeOnlyMs, obs.observeMs);
    }
    qInfo(
        "mobilenet_v2: forward %.1f ms; with %zu collectors %.1f ms (%.2fx); observing %lld values "
        "%.1f ms (%.2f ns/value)",
        plainMs, obs.collectors.size(), observedMs, observedMs / plainMs, (long long)obs.values,
        observeOnlyMs, observeOnlyMs * 1e6 / double(obs.values));
    qInfo("first Conv %s: node %.3f ms, observe %.3f ms", obs.firstConv.c_str(), obs.firstConvMs,
          obs.firstConvObserveMs);
    // Choosing KL ranges for every tensor once at the end.
    const auto k0 = std::chrono::steady_clock::now();
    KlCalibrator kl;
    for (const auto& [id, c] : obs.collectors) {
        if (c.count() == 0) continue;
        QVERIFY(kl.chooseRange(c, uint8Asymmetric()).isOk());
    }
    qInfo("KL ranges for %zu tensors: %.1f ms", obs.collectors.size(),
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - k0).count());
}

QTEST_GUILESS_MAIN(CalibrationTest)
#include "calibration_test.moc"
