// Micro-benchmark of the packed SGEMM on MobileNetV2's 1×1 convolution shapes
// (M = output channels, K = input channels, N = H·W), A pre-packed as a Conv does.
// Prints GFLOP/s per path and thread count. Usage: sgemm_bench [seconds-per-shape]
#include "kernels/sgemm.h"
#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

struct BenchShape {
    int64_t m, k, n;
};

// MobileNetV2 (224×224) pointwise convolutions, plus square shapes for the kernel's peak.
const BenchShape kShapes[] = {
    {16, 32, 12544}, {96, 16, 12544},    {24, 96, 3136},     {144, 24, 3136}, {32, 144, 784},
    {192, 32, 784},  {64, 192, 196},     {384, 64, 196},     {96, 384, 196},  {576, 96, 196},
    {160, 576, 49},  {960, 160, 49},     {320, 960, 49},     {1280, 320, 49}, {256, 256, 3136},
    {512, 512, 512}, {1000, 1000, 1000}, {1152, 1152, 1152},
};

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Peak FMA throughput of one core: 12 independent FMA chains on registers. The asm barriers
// hide the (equal) start values from the compiler, which would otherwise merge the chains.
// Best of many short runs, so that it holds on a machine shared with other work.
#if defined(__x86_64__)
#define QS_PEAK_BODY(V, FMA, LANES, ZERO)                                                          \
    V a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO, a4 = ZERO, a5 = ZERO, a6 = ZERO, a7 = ZERO,      \
      a8 = ZERO, a9 = ZERO, a10 = ZERO, a11 = ZERO, x = ZERO, y = ZERO;                            \
    asm volatile(""                                                                                \
                 : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), \
                   "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(x), "+v"(y));                    \
    const long iters = 100000;                                                                     \
    double best = 1e30;                                                                            \
    for (int run = 0; run < 100; ++run) {                                                          \
        const auto t0 = std::chrono::steady_clock::now();                                          \
        for (long i = 0; i < iters; ++i) {                                                         \
            a0 = FMA(x, y, a0), a1 = FMA(x, y, a1), a2 = FMA(x, y, a2), a3 = FMA(x, y, a3);        \
            a4 = FMA(x, y, a4), a5 = FMA(x, y, a5), a6 = FMA(x, y, a6), a7 = FMA(x, y, a7);        \
            a8 = FMA(x, y, a8), a9 = FMA(x, y, a9), a10 = FMA(x, y, a10), a11 = FMA(x, y, a11);    \
        }                                                                                          \
        best = std::min(best, secondsSince(t0));                                                   \
    }                                                                                              \
    asm volatile("" ::"v"(a0), "v"(a1), "v"(a2), "v"(a3), "v"(a4), "v"(a5), "v"(a6), "v"(a7),      \
                 "v"(a8), "v"(a9), "v"(a10), "v"(a11));                                            \
    return double(iters) * 12.0 * LANES * 2.0 / best * 1e-9;

__attribute__((target("avx512f"))) double peakAvx512() {
    QS_PEAK_BODY(__m512, _mm512_fmadd_ps, 16, _mm512_setzero_ps())
}
__attribute__((target("avx2,fma"))) double peakAvx2() {
    QS_PEAK_BODY(__m256, _mm256_fmadd_ps, 8, _mm256_setzero_ps())
}
#endif

double peakGflops(qs::SimdPath path) {
#if defined(__x86_64__)
    if (path == qs::SimdPath::Avx512) return peakAvx512();
    if (path == qs::SimdPath::Avx2) return peakAvx2();
#endif
    (void)path;
    return 0;
}

double measure(qs::SimdPath path, const BenchShape& s, qs::ThreadPool& pool, double budget) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> a(size_t(s.m * s.k)), b(size_t(s.k * s.n)), c(size_t(s.m * s.n)),
        bias(size_t(s.m));
    for (float& x : a) x = dist(rng);
    for (float& x : b) x = dist(rng);
    for (float& x : bias) x = dist(rng);
    const qs::SgemmPackedA packed = qs::SgemmPackedA::pack(path, a.data(), s.k, false, s.m, s.k);
    qs::SgemmEpilogue epi;
    epi.bias = bias.data();
    epi.biasKind = qs::BiasKind::PerRow;
    epi.clampMin = 0.0f;
    epi.clampMax = 6.0f;
    const qs::SgemmMatrix bm{b.data(), s.n, false};
    qs::sgemm(packed, s.n, bm, c.data(), s.n, epi, &pool); // warm-up
    double best = 1e30;
    const auto start = std::chrono::steady_clock::now();
    int runs = 0;
    while (runs < 3 || secondsSince(start) < budget) {
        const auto t0 = std::chrono::steady_clock::now();
        qs::sgemm(packed, s.n, bm, c.data(), s.n, epi, &pool);
        best = std::min(best, secondsSince(t0));
        ++runs;
    }
    return 2.0 * double(s.m) * double(s.k) * double(s.n) / best * 1e-9;
}

} // namespace

int main(int argc, char** argv) {
    const double budget = argc > 1 ? std::atof(argv[1]) : 0.2;
    std::vector<qs::SimdPath> paths;
    for (qs::SimdPath p : {qs::SimdPath::Generic, qs::SimdPath::Avx2, qs::SimdPath::Avx512})
        if (qs::simdPathSupported(p)) paths.push_back(p);
    qs::ThreadPool pool1(1), pool2(2);
    std::vector<double> peak;
    for (qs::SimdPath p : paths) {
        peak.push_back(peakGflops(p));
        if (p != qs::SimdPath::Generic)
            std::printf("peak FMA throughput, 1 thread, %s: %.1f GFLOP/s\n", qs::simdPathName(p),
                        peak.back());
    }
    std::printf("GFLOP/s (best run; %% of that path's 1-thread peak)\n%6s %6s %6s", "M", "K", "N");
    for (qs::SimdPath p : paths)
        std::printf(" %16s %9s-2t", (std::string(qs::simdPathName(p)) + "-1t").c_str(),
                    qs::simdPathName(p));
    std::printf("\n");
    for (const BenchShape& s : kShapes) {
        std::printf("%6lld %6lld %6lld", (long long)s.m, (long long)s.k, (long long)s.n);
        for (size_t i = 0; i < paths.size(); ++i) {
            const double g1 = measure(paths[i], s, pool1, budget);
            const double g2 = measure(paths[i], s, pool2, budget);
            if (peak[i] > 0)
                std::printf(" %9.1f (%3.0f%%) %12.1f", g1, 100.0 * g1 / peak[i], g2);
            else
                std::printf(" %16.1f %12.1f", g1, g2);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    return 0;
}
