// The packed SGEMM against a plain triple loop in double precision, on every path this CPU
// has (rows per path, so QUANTSCOPE_CPU=generic|avx2 runs are covered explicitly), with odd
// shapes, tails, transposes, pre-packed operands, bias, clamp, accumulate and threads.
//
// Tolerance: each output is one fp32 dot product, so |ŷ − y| ≤ γ_K Σ|a||b| with
// γ_K ≈ K·eps (eps = 2^-24, the unit roundoff); we allow 2·(K+2)·eps·Σ|a||b| + 1e-30
// (the +2 covers the bias add and the accumulate add).
#include "kernels/sgemm.h"
#include "util/thread_pool.h"

#include <QTest>
#include <cmath>
#include <random>
#include <vector>

using namespace qs;

namespace {

struct Case {
    int64_t m, n, k;
    bool transA = false, transB = false;
};

struct Reference {
    std::vector<double> value; // exact-ish result
    std::vector<double> bound; // allowed |error|
};

// y = alpha·A·B (+ old C when accumulating) + bias, then clamp; bound from Σ|a||b|.
Reference reference(const Case& c, const std::vector<float>& a, const std::vector<float>& b,
                    const std::vector<float>& c0, const SgemmEpilogue& e, float alpha) {
    const double eps = std::ldexp(1.0, -24);
    Reference r;
    r.value.resize(size_t(c.m * c.n));
    r.bound.resize(size_t(c.m * c.n));
    for (int64_t i = 0; i < c.m; ++i) {
        for (int64_t j = 0; j < c.n; ++j) {
            double sum = 0, mag = 0;
            for (int64_t k = 0; k < c.k; ++k) {
                const double av = alpha * a[size_t(c.transA ? k * c.m + i : i * c.k + k)];
                const double bv = b[size_t(c.transB ? j * c.k + k : k * c.n + j)];
                sum += av * bv;
                mag += std::abs(av * bv);
            }
            if (e.accumulate)
                sum += c0[size_t(i * c.n + j)], mag += std::abs(c0[size_t(i * c.n + j)]);
            if (e.biasKind == BiasKind::PerRow) sum += e.bias[i], mag += std::abs(e.bias[i]);
            if (e.biasKind == BiasKind::PerColumn) sum += e.bias[j], mag += std::abs(e.bias[j]);
            sum = std::min<double>(std::max<double>(sum, e.clampMin), e.clampMax);
            r.value[size_t(i * c.n + j)] = sum;
            r.bound[size_t(i * c.n + j)] = 2.0 * double(c.k + 2) * eps * mag + 1e-30;
        }
    }
    return r;
}

std::vector<float> randomVector(size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

enum class Packing { None, PackA, PackB };

void checkCase(SimdPath path, const Case& c, Packing packing, BiasKind biasKind, bool clamp,
               bool accumulate, float alpha, ThreadPool* pool, uint32_t seed) {
    std::mt19937 rng(seed);
    const std::vector<float> a = randomVector(size_t(c.m * c.k), rng);
    const std::vector<float> b = randomVector(size_t(c.k * c.n), rng);
    const std::vector<float> c0 = randomVector(size_t(c.m * c.n), rng);
    const std::vector<float> bias = randomVector(size_t(std::max(c.m, c.n)), rng);
    SgemmEpilogue e;
    e.biasKind = biasKind;
    e.bias = biasKind == BiasKind::None ? nullptr : bias.data();
    e.accumulate = accumulate;
    if (clamp) e.clampMin = -0.25f, e.clampMax = 0.5f;
    const Reference ref = reference(c, a, b, c0, e, alpha);

    std::vector<float> out = c0;
    const SgemmMatrix am{a.data(), c.transA ? c.m : c.k, c.transA};
    const SgemmMatrix bm{b.data(), c.transB ? c.k : c.n, c.transB};
    if (packing == Packing::PackA) {
        const SgemmPackedA pa =
            SgemmPackedA::pack(path, am.data, am.ld, am.transposed, c.m, c.k, alpha);
        sgemm(pa, c.n, bm, out.data(), c.n, e, pool);
    } else if (packing == Packing::PackB) {
        const SgemmPackedB pb = SgemmPackedB::pack(path, bm.data, bm.ld, bm.transposed, c.k, c.n);
        sgemm(c.m, am, pb, out.data(), c.n, e, pool, alpha);
    } else {
        sgemm(path, c.m, c.n, c.k, am, bm, out.data(), c.n, e, pool, alpha);
    }
    for (int64_t i = 0; i < c.m * c.n; ++i) {
        const double err = std::abs(double(out[size_t(i)]) - ref.value[size_t(i)]);
        if (!(err <= ref.bound[size_t(i)])) {
            QFAIL(qPrintable(
                QStringLiteral("path %1 M=%2 N=%3 K=%4 tA=%5 tB=%6 packing=%7 element %8: "
                               "got %9, expected %10 (bound %11)")
                    .arg(QString::fromLatin1(simdPathName(path)))
                    .arg(c.m)
                    .arg(c.n)
                    .arg(c.k)
                    .arg(c.transA)
                    .arg(c.transB)
                    .arg(int(packing))
                    .arg(i)
                    .arg(double(out[size_t(i)]), 0, 'g', 9)
                    .arg(ref.value[size_t(i)], 0, 'g', 9)
                    .arg(ref.bound[size_t(i)], 0, 'g', 3)));
        }
    }
}

} // namespace

class SgemmTest : public QObject {
    Q_OBJECT

private:
    void addPathRows() {
        QTest::addColumn<int>("path");
        for (SimdPath p : {SimdPath::Generic, SimdPath::Avx2, SimdPath::Avx512})
            if (simdPathSupported(p)) QTest::newRow(simdPathName(p)) << int(p);
    }

private slots:
    void shapes_data() { addPathRows(); }
    // Odd sizes around the micro-tile sizes (4×8, 6×16, 12×32), tails, K across block edges.
    void shapes() {
        QFETCH(int, path);
        const int64_t dims[] = {1, 2, 5, 7, 13, 17, 31, 33, 50};
        uint32_t seed = 1;
        for (int64_t m : dims)
            for (int64_t n : dims)
                for (int64_t k : {int64_t(1), int64_t(3), int64_t(16), int64_t(37)})
                    checkCase(SimdPath(path), {m, n, k}, Packing::None, BiasKind::None, false,
                              false, 1.0f, nullptr, seed++);
    }

    void transposesAndPacking_data() { addPathRows(); }
    void transposesAndPacking() {
        QFETCH(int, path);
        uint32_t seed = 100;
        for (bool ta : {false, true})
            for (bool tb : {false, true})
                for (Packing p : {Packing::None, Packing::PackA, Packing::PackB})
                    for (const Case& c :
                         {Case{13, 45, 29}, Case{1, 70, 9}, Case{26, 1, 300}, Case{40, 33, 1}})
                        checkCase(SimdPath(path), {c.m, c.n, c.k, ta, tb}, p, BiasKind::None, false,
                                  false, 0.75f, nullptr, seed++);
    }

    void epilogue_data() { addPathRows(); }
    void epilogue() {
        QFETCH(int, path);
        uint32_t seed = 200;
        for (BiasKind bias : {BiasKind::None, BiasKind::PerRow, BiasKind::PerColumn})
            for (bool clamp : {false, true})
                for (bool acc : {false, true})
                    for (Packing p : {Packing::None, Packing::PackA, Packing::PackB})
                        checkCase(SimdPath(path), {29, 41, 23}, p, bias, clamp, acc, 1.0f, nullptr,
                                  seed++);
        // K = 0: only the epilogue.
        checkCase(SimdPath(path), {5, 7, 0}, Packing::None, BiasKind::PerRow, true, true, 1.0f,
                  nullptr, 1);
    }

    // K larger than one K block (256/384): several blocks accumulate through C.
    void deepK_data() { addPathRows(); }
    void deepK() {
        QFETCH(int, path);
        uint32_t seed = 300;
        for (int64_t k : {255, 257, 385, 800, 1153})
            for (Packing p : {Packing::None, Packing::PackA, Packing::PackB})
                checkCase(SimdPath(path), {14, 35, k}, p, BiasKind::PerRow, true, true, 1.0f,
                          nullptr, seed++);
    }

    // Threaded runs: same bounds, and bit-identical to the single-thread result.
    void threads_data() { addPathRows(); }
    void threads() {
        QFETCH(int, path);
        ThreadPool pool2(2), pool3(3);
        uint32_t seed = 400;
        const Case cases[] = {{97, 1500, 70}, {1280, 49, 320}, {13, 33, 600}, {3, 5000, 16}};
        for (const Case& c : cases) {
            checkCase(SimdPath(path), c, Packing::PackA, BiasKind::PerRow, true, false, 1.0f,
                      &pool2, seed);
            checkCase(SimdPath(path), c, Packing::None, BiasKind::PerColumn, false, true, 1.0f,
                      &pool3, seed);
            checkCase(SimdPath(path), c, Packing::PackB, BiasKind::None, false, false, 1.0f, &pool3,
                      seed);
            std::mt19937 rng(seed++);
            const std::vector<float> a = randomVector(size_t(c.m * c.k), rng);
            const std::vector<float> b = randomVector(size_t(c.k * c.n), rng);
            std::vector<float> y1(size_t(c.m * c.n)), y2(y1.size()), y3(y1.size());
            const SgemmMatrix am{a.data(), c.k, false}, bm{b.data(), c.n, false};
            sgemm(SimdPath(path), c.m, c.n, c.k, am, bm, y1.data(), c.n, {}, nullptr);
            sgemm(SimdPath(path), c.m, c.n, c.k, am, bm, y2.data(), c.n, {}, &pool2);
            sgemm(SimdPath(path), c.m, c.n, c.k, am, bm, y3.data(), c.n, {}, &pool3);
            QVERIFY(y1 == y2);
            QVERIFY(y1 == y3);
        }
    }

    // N = 1 with a packed A takes the matrix-vector path: every epilogue, deep K, threads,
    // B stored as a column (ld) or as a row (transposed).
    void matrixVector_data() { addPathRows(); }
    void matrixVector() {
        QFETCH(int, path);
        ThreadPool pool(3);
        uint32_t seed = 500;
        for (int64_t m : {1, 5, 12, 13, 50, 200})
            for (int64_t k : {1, 7, 200, 1000})
                for (bool tb : {false, true}) {
                    checkCase(SimdPath(path), {m, 1, k, false, tb}, Packing::PackA,
                              BiasKind::PerRow, true, true, 1.0f, &pool, seed++);
                    checkCase(SimdPath(path), {m, 1, k, true, tb}, Packing::PackA,
                              BiasKind::PerColumn, false, false, 0.5f, nullptr, seed++);
                }
    }

    // Leading dimensions larger than the logical sizes (sub-matrices).
    void strided_data() { addPathRows(); }
    void strided() {
        QFETCH(int, path);
        std::mt19937 rng(7);
        const int64_t m = 19, n = 37, k = 21, lda = 30, ldb = 50, ldc = 45;
        const std::vector<float> a = randomVector(size_t(m * lda), rng);
        const std::vector<float> b = randomVector(size_t(k * ldb), rng);
        std::vector<float> c(size_t(m * ldc), 99.0f);
        sgemm(SimdPath(path), m, n, k, {a.data(), lda, false}, {b.data(), ldb, false}, c.data(),
              ldc, {}, nullptr);
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
                if (j >= n) {
                    QCOMPARE(c[size_t(i * ldc + j)], 99.0f); // untouched outside the tile
                    continue;
                }
                double sum = 0, mag = 0;
                for (int64_t q = 0; q < k; ++q) {
                    sum += double(a[size_t(i * lda + q)]) * b[size_t(q * ldb + j)];
                    mag += std::abs(double(a[size_t(i * lda + q)]) * b[size_t(q * ldb + j)]);
                }
                QVERIFY(std::abs(c[size_t(i * ldc + j)] - sum) <=
                        2.0 * (k + 2) * std::ldexp(1.0, -24) * mag);
            }
        }
    }

    // NaN in the inputs stays NaN through the clamp (Relu/Clip semantics).
    void nanPropagates_data() { addPathRows(); }
    void nanPropagates() {
        QFETCH(int, path);
        std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1};
        a[1] = std::nanf("");
        std::vector<float> c(4);
        SgemmEpilogue e;
        e.clampMin = 0, e.clampMax = 6;
        sgemm(SimdPath(path), 2, 2, 2, {a.data(), 2, false}, {b.data(), 2, false}, c.data(), 2, e,
              nullptr);
        QVERIFY(std::isnan(c[0]) && std::isnan(c[1]));
        QCOMPARE(c[2], 3.0f);
        QCOMPARE(c[3], 4.0f);
    }
};

QTEST_APPLESS_MAIN(SgemmTest)
#include "sgemm_test.moc"
