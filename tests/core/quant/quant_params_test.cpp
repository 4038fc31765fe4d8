// Quantization formulas against hand-worked examples (DESIGN.md; Krishnamoorthi 2018 §2).
#include "quant/quant_params.h"

#include "kernels/fake_quant.h"
#include "util/thread_pool.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace qs;

class QuantParamsTest : public QObject {
    Q_OBJECT
private slots:
    void asymmetricWorkedExample();
    void symmetricWorkedExample();
    void codeRanges();
    void roundingModes();
    void degenerateAndNonFiniteRanges();
    void perChannelAndPerGroup();
    void powerOfTwoScales();
    void fakeQuantizeErrorIsAtMostHalfAStep();
    void fakeQuantizeVectorPathsMatchScalarDefinition();
};

void QuantParamsTest::asymmetricWorkedExample() {
    // Range [-2, 6] in int8 [-128, 127]: S = 8/255, Z = round(-128 + 2/S) = round(-64.25) = -64,
    // and 0.28 -> round(0.28 / S) + Z = round(8.925) - 64 = -55.
    QuantSpec spec{8, QuantScheme::Asymmetric, true, Granularity::PerTensor};
    auto p = computeQuantParams(spec, {-2.0f}, {6.0f});
    QVERIFY2(p.isOk(), p.message().c_str());
    QCOMPARE(p->scale[0], 8.0f / 255.0f);
    QCOMPARE(p->zeroPoint[0], -64);
    QCOMPARE(quantizeValue(0.28f, p->scale[0], p->zeroPoint[0], spec), -55);
    QCOMPARE(quantizeValue(-2.0f, p->scale[0], p->zeroPoint[0], spec), -128);
    QCOMPARE(quantizeValue(6.0f, p->scale[0], p->zeroPoint[0], spec), 127);
    QCOMPARE(quantizeValue(100.0f, p->scale[0], p->zeroPoint[0], spec), 127); // saturates
    QCOMPARE(quantizeValue(0.0f, p->scale[0], p->zeroPoint[0], spec), -64);   // zero is exact
}

void QuantParamsTest::symmetricWorkedExample() {
    // Range [-2, 6] symmetric int8: S = 6/127, Z = 0; 0.28 -> round(5.927) = 6.
    QuantSpec spec{8, QuantScheme::Symmetric, true, Granularity::PerTensor};
    auto p = computeQuantParams(spec, {-2.0f}, {6.0f});
    QVERIFY(p.isOk());
    QCOMPARE(p->scale[0], 6.0f / 127.0f);
    QCOMPARE(p->zeroPoint[0], 0);
    QCOMPARE(quantizeValue(0.28f, p->scale[0], 0, spec), 6);
    QCOMPARE(quantizeValue(-6.0f, p->scale[0], 0, spec), -127); // -128 is never used
    QCOMPARE(quantizeValue(-7.0f, p->scale[0], 0, spec), -127);
}

void QuantParamsTest::codeRanges() {
    QCOMPARE((QuantSpec{8, QuantScheme::Symmetric, true}.qmin()), -127);
    QCOMPARE((QuantSpec{8, QuantScheme::Asymmetric, true}.qmin()), -128);
    QCOMPARE((QuantSpec{8, QuantScheme::Asymmetric, false}.qmax()), 255);
    QCOMPARE((QuantSpec{4, QuantScheme::Symmetric, true}.qmax()), 7);
    QCOMPARE((QuantSpec{4, QuantScheme::Symmetric, true}.qmin()), -7);
    QCOMPARE((QuantSpec{16, QuantScheme::Asymmetric, true}.qmin()), -32768);
    QCOMPARE((QuantSpec{32, QuantScheme::Symmetric, true}.qmax()), 2147483647);
    // uint8 asymmetric over [0, 6] (a ReLU6 output): S = 6/255, Z = 0.
    QuantSpec u8{8, QuantScheme::Asymmetric, false};
    auto p = computeQuantParams(u8, {0.0f}, {6.0f});
    QVERIFY(p.isOk());
    QCOMPARE(p->zeroPoint[0], 0);
    QCOMPARE(p->scale[0], 6.0f / 255.0f);
    // uint8 symmetric over [-1, 1]: S = 2/255, Z = round(127.5) = 128 (half to even).
    QuantSpec u8s{8, QuantScheme::Symmetric, false};
    auto ps = computeQuantParams(u8s, {-1.0f}, {1.0f});
    QVERIFY(ps.isOk());
    QCOMPARE(ps->zeroPoint[0], 128);
}

void QuantParamsTest::roundingModes() {
    QuantSpec even{8, QuantScheme::Symmetric, true};
    QuantSpec away = even;
    away.rounding = RoundingMode::HalfAwayFromZero;
    // 2.5 and -2.5 steps: half to even gives 2 and -2, half away gives 3 and -3.
    QCOMPARE(quantizeValue(2.5f, 1.0f, 0, even), 2);
    QCOMPARE(quantizeValue(-2.5f, 1.0f, 0, even), -2);
    QCOMPARE(quantizeValue(3.5f, 1.0f, 0, even), 4);
    QCOMPARE(quantizeValue(2.5f, 1.0f, 0, away), 3);
    QCOMPARE(quantizeValue(-2.5f, 1.0f, 0, away), -3);
}

void QuantParamsTest::degenerateAndNonFiniteRanges() {
    QuantSpec spec{8, QuantScheme::Asymmetric, true};
    auto zero = computeQuantParams(spec, {0.0f}, {0.0f});
    QVERIFY(zero.isOk());
    QVERIFY(std::isfinite(zero->scale[0]) && zero->scale[0] > 0);
    QCOMPARE(dequantizeValue(quantizeValue(0.0f, zero->scale[0], zero->zeroPoint[0], spec),
                             zero->scale[0], zero->zeroPoint[0]),
             0.0f);
    // A constant tensor of 5s: the range includes 0, so 5 is the top of the grid, exactly.
    auto five = computeQuantParams(spec, {5.0f}, {5.0f});
    QVERIFY(five.isOk());
    QCOMPARE(dequantizeValue(quantizeValue(5.0f, five->scale[0], five->zeroPoint[0], spec),
                             five->scale[0], five->zeroPoint[0]),
             5.0f);
    auto nan = computeQuantParams(spec, {NAN}, {1.0f});
    QCOMPARE(nan.error().code(), ErrorCode::NumericError);
    auto inf = computeQuantParams(spec, {0.0f}, {INFINITY});
    QCOMPARE(inf.error().code(), ErrorCode::NumericError);
    QuantSpec bad = spec;
    bad.bits = 1;
    QCOMPARE(computeQuantParams(bad, {0.0f}, {1.0f}).error().code(), ErrorCode::InvalidArgument);
    Tensor withNan = Tensor::fromVector<float>({3}, {1.0f, NAN, 2.0f});
    QCOMPARE(tensorRanges(withNan, spec).error().code(), ErrorCode::NumericError);
}

void QuantParamsTest::perChannelAndPerGroup() {
    // Weight [4 channels, 2]: channel c holds {-c-1, c+1}.
    Tensor w = Tensor::fromVector<float>({4, 2}, {-1, 1, -2, 2, -3, 3, -4, 4});
    QuantSpec ch{8, QuantScheme::Symmetric, true, Granularity::PerChannel, 0};
    auto r = tensorRanges(w, ch);
    QVERIFY(r.isOk());
    QCOMPARE(r->second, (std::vector<float>{1, 2, 3, 4}));
    auto p = computeQuantParams(ch, r->first, r->second);
    QVERIFY(p.isOk());
    QCOMPARE(p->count(), size_t(4));
    QCOMPARE(p->scale[3], 4.0f / 127.0f);
    auto fq = fakeQuantize(w, *p);
    QVERIFY(fq.isOk());
    QCOMPARE(fq->toFloatVector(), w.toFloatVector()); // each channel's extremes are grid points
    QuantSpec grp = ch;
    grp.granularity = Granularity::PerGroup;
    grp.groupSize = 3; // groups {0,1,2} and {3}
    auto rg = tensorRanges(w, grp);
    QVERIFY(rg.isOk());
    QCOMPARE(rg->second, (std::vector<float>{3, 4}));
    QCOMPARE(paramCount(grp, w.shape()).value(), int64_t(2));
}

void QuantParamsTest::powerOfTwoScales() {
    QuantSpec spec{8, QuantScheme::Symmetric, true};
    spec.powerOfTwoScale = true;
    auto p = computeQuantParams(spec, {-1.0f}, {1.0f}); // 1/127 -> 2^-6 = 1/64
    QVERIFY(p.isOk());
    QCOMPARE(p->scale[0], 1.0f / 64.0f);
}

void QuantParamsTest::fakeQuantizeErrorIsAtMostHalfAStep() {
    QuantSpec spec{8, QuantScheme::Asymmetric, false};
    std::vector<float> v;
    for (int i = 0; i < 1000; ++i) v.push_back(-1.0f + 4.0f * float(i) / 999.0f);
    Tensor t = Tensor::fromVector<float>({1000}, v);
    auto p = computeQuantParams(spec, {-1.0f}, {3.0f});
    QVERIFY(p.isOk());
    auto fq = fakeQuantize(t, *p);
    QVERIFY(fq.isOk());
    const auto y = fq->toFloatVector();
    for (size_t i = 0; i < v.size(); ++i)
        QVERIFY(std::fabs(y[i] - v[i]) <= 0.5f * p->scale[0] * 1.0001f);
}

void QuantParamsTest::fakeQuantizeVectorPathsMatchScalarDefinition() {
    // Every SIMD path of the fake-quant kernel, with and without a thread pool, against the
    // scalar definition s·(clamp(nearbyint(x/s) + z, qmin, qmax) − z) written out here, bit for
    // bit: exact ties (k + ½)·s, values far outside the grid, ±Inf, NaN, ±0, per channel.
    std::mt19937 rng(11);
    std::normal_distribution<float> d(0.0f, 3.0f);
    const int64_t channels = 5, inner = 20011; // odd sizes: every path has a tail
    std::vector<float> v(size_t(channels * inner));
    for (float& x : v) x = d(rng);
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> specials{0.0f, -0.0f, inf, -inf, std::nanf(""), 1e30f, -1e30f};
    for (size_t i = 0; i < specials.size(); ++i) v[i * 997] = specials[i];
    Tensor t = Tensor::fromVector<float>({1, channels, inner, 1}, v);
    for (int bits : {8, 4, 16}) {
        for (QuantScheme scheme : {QuantScheme::Symmetric, QuantScheme::Asymmetric}) {
            QuantSpec spec;
            spec.bits = bits;
            spec.scheme = scheme;
            spec.isSigned = scheme == QuantScheme::Symmetric;
            spec.granularity = Granularity::PerChannel;
            spec.axis = 1;
            std::vector<float> mins, maxs;
            for (int64_t c = 0; c < channels; ++c) {
                mins.push_back(-1.0f - float(c));
                maxs.push_back(2.0f + 0.5f * float(c));
            }
            auto p = computeQuantParams(spec, mins, maxs);
            QVERIFY(p.isOk());
            // Exact ties on this channel's grid.
            for (int64_t i = 0; i < 64; ++i)
                v[size_t(2 * inner + 100 + i)] = (float(i - 32) + 0.5f) * p->scale[2];
            t = Tensor::fromVector<float>({1, channels, inner, 1}, v);
            std::vector<float> want(v.size());
            for (int64_t c = 0; c < channels; ++c) {
                const float s = p->scale[size_t(c)];
                const int32_t z = p->zeroPoint[size_t(c)];
                for (int64_t i = 0; i < inner; ++i) {
                    const size_t k = size_t(c * inner + i);
                    const float r = std::nearbyint(v[k] / s);
                    const double q = std::isnan(r) ? double(z)
                                                   : std::clamp(double(r) + z, double(spec.qmin()),
                                                                double(spec.qmax()));
                    want[k] = s * float(int32_t(q) - z);
                }
            }
            ThreadPool pool(2);
            for (SimdPath path : {SimdPath::Generic, SimdPath::Avx2, SimdPath::Avx512}) {
                if (!setFakeQuantPath(path)) continue;
                for (ThreadPool* usePool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                    auto y = fakeQuantize(t, *p, usePool);
                    QVERIFY(y.isOk());
                    if (std::memcmp(y->data<float>(), want.data(), want.size() * sizeof(float))) {
                        for (size_t k = 0; k < want.size(); ++k)
                            if (std::memcmp(&y->data<float>()[k], &want[k], sizeof(float)))
                                qWarning("%s bits %d element %zu: x %g got %g want %g",
                                         simdPathName(path), bits, k, double(v[k]),
                                         double(y->data<float>()[k]), double(want[k]));
                        QFAIL("fake quantization differs from the scalar definition");
                    }
                }
            }
            setFakeQuantPath(bestSimdPath());
        }
    }
}

QTEST_GUILESS_MAIN(QuantParamsTest)
#include "quant_params_test.moc"
