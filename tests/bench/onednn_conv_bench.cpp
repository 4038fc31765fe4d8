// qs_bench_onednn: a second peer for the int8 kernels (issue 4). oneDNN (Debian's libdnnl, the
// library behind PyTorch's and OpenVINO's CPU int8 convolutions) runs the same 1×1 convolutions
// of mobilenet_v2 as our QGemm — u8 activations × s8 weights → s32 — one thread, and both are
// timed in this thread's CPU time side by side, against the VNNI peak measured by qs_bench_int8
// --kernels (printed here again from the same chain of vpdpbusd).
//
// oneDNN gets every advantage it asks for: `format_tag::any` lets it choose its blocked source,
// weight and destination layouts, and the reorders into them happen once, outside the timing
// (as ours packs its weights once; our B operand is packed inside every call).
//
// oneDNN runs twice, in child processes (its OpenMP runtime and ISA cap are read at load time):
// capped at AVX-512 VNNI (the instructions ours uses) and uncapped (AMX where the CPU has it).
//
// usage: qs_bench_onednn [--seconds S] [--rounds N]
// Built only when CMake finds oneDNN (apt-get install libdnnl-dev); not part of CI.
#include "kernels/cpu_features.h"
#include "kernels/simd_path.h"
#include "quant/int8/int8_kernels.h"

#include <dnnl.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <sys/wait.h>
#include <unistd.h>
#include <string>
#include <vector>

namespace {

double threadSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Shape {
    const char* what;
    int64_t cout, cin, hw; // 1×1 convolution, cin → cout at hw × hw
};

// Ours: the QGemm a 1×1 QConv runs (A = weights [cout][cin], B = the u8 plane [cin][hw²]).
double oursGops(const Shape& s, double seconds) {
    const int64_t m = s.cout, k = s.cin, n = s.hw * s.hw;
    std::mt19937 rng(5);
    std::vector<int8_t> a(size_t(m * k));
    std::vector<uint8_t> b(size_t(k * n));
    for (auto& v : a) v = int8_t(int(rng() % 255) - 127);
    for (auto& v : b) v = uint8_t(rng() % 256);
    qs::int8::QGemm gemm(qs::int8::QGemm::bestPath(), m, k, a.data());
    std::vector<int32_t> c(size_t(m * n));
    std::vector<uint8_t> scratch;
    int64_t calls = 0;
    const double t0 = threadSeconds();
    double elapsed = 0;
    do {
        gemm.run(n, b.data(), n, 1, c.data(), n, scratch);
        ++calls;
        elapsed = threadSeconds() - t0;
    } while (elapsed < seconds);
    return double(calls) * 2.0 * double(m * k * n) / elapsed * 1e-9;
}

// oneDNN: convolution_forward, forward_inference, u8 × s8 → s32, layouts of its choice.
double onednnGops(const Shape& s, double seconds, std::string& impl) {
    using namespace dnnl;
    engine eng(engine::kind::cpu, 0);
    stream strm(eng);
    const memory::dims src{1, s.cin, s.hw, s.hw}, wei{s.cout, s.cin, 1, 1},
        dst{1, s.cout, s.hw, s.hw};
    const memory::desc srcAny(src, memory::data_type::u8, memory::format_tag::any);
    const memory::desc weiAny(wei, memory::data_type::s8, memory::format_tag::any);
    const memory::desc dstAny(dst, memory::data_type::s32, memory::format_tag::any);
    const convolution_forward::desc desc(prop_kind::forward_inference,
                                         algorithm::convolution_direct, srcAny, weiAny, dstAny,
                                         {1, 1}, {0, 0}, {0, 0});
    const convolution_forward::primitive_desc pd(desc, eng);
    impl = pd.impl_info_str();

    std::mt19937 rng(5);
    memory srcPlain({src, memory::data_type::u8, memory::format_tag::nchw}, eng);
    memory weiPlain({wei, memory::data_type::s8, memory::format_tag::oihw}, eng);
    auto* sp = static_cast<uint8_t*>(srcPlain.get_data_handle());
    auto* wp = static_cast<int8_t*>(weiPlain.get_data_handle());
    for (int64_t i = 0; i < s.cin * s.hw * s.hw; ++i) sp[i] = uint8_t(rng() % 256);
    for (int64_t i = 0; i < s.cout * s.cin; ++i) wp[i] = int8_t(int(rng() % 255) - 127);
    memory srcMem(pd.src_desc(), eng), weiMem(pd.weights_desc(), eng), dstMem(pd.dst_desc(), eng);
    reorder(srcPlain, srcMem).execute(strm, srcPlain, srcMem);
    reorder(weiPlain, weiMem).execute(strm, weiPlain, weiMem);
    strm.wait();

    convolution_forward conv(pd);
    const std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, srcMem}, {DNNL_ARG_WEIGHTS, weiMem}, {DNNL_ARG_DST, dstMem}};
    conv.execute(strm, args); // first call: JIT and caches
    strm.wait();
    int64_t calls = 0;
    const double t0 = threadSeconds();
    double elapsed = 0;
    do {
        conv.execute(strm, args);
        strm.wait();
        ++calls;
        elapsed = threadSeconds() - t0;
    } while (elapsed < seconds);
    return double(calls) * 2.0 * double(s.cout * s.cin * s.hw * s.hw) / elapsed * 1e-9;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 0.2;
    int rounds = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--seconds" && i + 1 < argc) {
            seconds = std::atof(argv[++i]);
        } else if (a == "--rounds" && i + 1 < argc) {
            rounds = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: qs_bench_onednn [--seconds S] [--rounds N]\n");
            return 2;
        }
    }
    if (seconds <= 0 || rounds < 1) {
        std::fprintf(stderr, "qs_bench_onednn: --seconds must be > 0 and --rounds >= 1\n");
        return 2;
    }
    if (!std::getenv("QS_ONEDNN_CHILD")) {
        // One thread for oneDNN too: Debian builds it with OpenMP, whose thread count is read
        // when the library loads, so each configuration runs in a fresh process.
        for (const char* isa : {"AVX512_CORE_VNNI", "ALL"}) {
            std::fflush(stdout);
            const pid_t pid = fork();
            if (pid < 0) {
                std::perror("qs_bench_onednn: fork");
                return 1;
            }
            if (pid == 0) {
                setenv("QS_ONEDNN_CHILD", "1", 1);
                setenv("OMP_NUM_THREADS", "1", 1);
                setenv("ONEDNN_MAX_CPU_ISA", isa, 1);
                execv("/proc/self/exe", argv);
                std::perror("qs_bench_onednn: execv");
                _exit(127);
            }
            int status = 0;
            if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return 1;
            std::printf("\n");
        }
        return 0;
    }
    const dnnl_version_t* v = dnnl_version();
    std::printf("int8 1x1 convolutions, one thread, GOP/s per second of thread CPU time "
                "(median of %d rounds of %.2f s)\n",
                rounds, seconds);
    std::printf("ours: QGemm path %s; oneDNN %d.%d.%d (%s), ONEDNN_MAX_CPU_ISA=%s\n",
                qs::simdPathName(qs::int8::QGemm::bestPath()), v->major, v->minor, v->patch,
                v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime",
                std::getenv("ONEDNN_MAX_CPU_ISA"));
    const Shape shapes[] = {
        {"320->1280 @7x7 (last conv, largest)", 1280, 320, 7},
        {"160->960 @7x7 (block 15 expand)", 960, 160, 7},
        {"960->320 @7x7 (block 16 project)", 320, 960, 7},
        {"96->576 @14x14 (block 11 expand)", 576, 96, 14},
        {"24->144 @56x56 (block 2 expand)", 144, 24, 56},
        {"32->16 @112x112 (block 0 project)", 16, 32, 112},
        {"16->96 @112x112 (block 1 expand)", 96, 16, 112},
    };
    std::printf("%-38s %10s %10s %12s  %s\n", "shape", "ours", "oneDNN", "ours/oneDNN",
                "oneDNN implementation");
    for (const Shape& s : shapes) {
        std::vector<double> ours, theirs;
        std::string impl;
        try {
            for (int r = 0; r < rounds; ++r) {
                ours.push_back(oursGops(s, seconds));
                theirs.push_back(onednnGops(s, seconds, impl));
            }
        } catch (const dnnl::error& e) {
            std::fprintf(stderr, "qs_bench_onednn: oneDNN failed on %s: %s\n", s.what, e.what());
            return 1;
        }
        const double o = median(ours), t = median(theirs);
        std::printf("%-38s %10.1f %10.1f %12.2f  %s\n", s.what, o, t, o / t, impl.c_str());
    }
    return 0;
}
