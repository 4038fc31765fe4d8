// Side-by-side benchmark of our int8 integer executor on mobilenet_v2_bn (1×3×224×224) and
// ppocr_cls (1×3×48×192), at 1 and 2 threads, against three peers measured in the same run:
//   ours fp32   quantscope-cli bench MODEL                          (BN folded, fused)
//   ours int8   quantscope-cli bench MODEL --executor int8 --calib C.npy
//   ORT fp32    node ort_bench.js MODEL
//   ORT int8    node ort_bench.js quantized.onnx, our QDQ export of the same plan
//               (quantscope-cli quantize MODEL --calib C.npy: same default QUANT OPTIONS, same
//               calibration data, so the same scales; ORT fuses it into QLinearConv & co.)
// Calibration data: mobilenet_v2_bn its one input sample; ppocr_cls the first 32 text lines
// (as the interop tests). The timed input is the first sample of the data file.
//
// Each measurement runs in its own child process (peak RSS per side), started through a small
// re-executed copy of this program (Linux carries ru_maxrss across execve, see fp32_bench.cpp).
// The four sides run in rounds whose order rotates; the table shows the median over rounds of
// each round's median, and the ratios int8/fp32 (ours) and ours int8 / ORT int8 with their
// range over rounds (a round's runs are close in time, so drift hits all of them).
//
// Targets (int8 executor issue): ours int8 <= ours fp32 / 2.5 at 1 thread; ours int8 <= ORT int8
// at 1 and 2 threads.
//
// With --kernels it also prints the VNNI peak of one core (chains of independent vpdpbusd) and
// our int8 GEMM's throughput on the largest convolution of mobilenet_v2 (see kernelReport()).
//
// Usage: qs_bench_int8 [--rounds N] [--runs N] [--warmup N] [--threads 1,2]
//                      [--model NAME]... [--kernels | --kernels-only] [--strict]
// Exit code: 0 when every run succeeded (1 with --strict also when a target is missed),
// 1 when a side failed (the table says why), 2 on a setup error.
#include "io/npy.h"
#include "kernels/cpu_features.h"
#include "onnx/onnx_importer.h"

#include "bench_process.h"
#include "quant/int8/int8_kernels.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <immintrin.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

using namespace qs::bench;

namespace {

constexpr double kTargetInt8OverFp32 = 1.0 / 2.5;
constexpr double kTargetInt8OverOrt = 1.0;

struct ModelSpec {
    const char* name;
    const char* dataFile; // first sample: the timed input
    int calibSamples;     // first N samples: the calibration data
};

const ModelSpec kModels[] = {
    {"mobilenet_v2_bn", "mobilenet_v2_input.npy", 1},
    {"ppocr_cls", "textlines_x.npy", 32},
};

enum Side { OursFp32, OursInt8, OrtFp32, OrtInt8, kSides };
const char* const kSideNames[kSides] = {"ours fp32", "ours int8", "ORT fp32", "ORT int8"};

struct Options {
    int rounds = 4;
    int runs = 10;
    int warmup = 3;
    std::vector<int> threads{1, 2};
    std::vector<std::string> models;
    bool kernels = false, kernelsOnly = false;
    bool strict = false;
};

int usage(const char* message) {
    if (message) std::fprintf(stderr, "qs_bench_int8: %s\n", message);
    std::fprintf(stderr,
                 "usage: qs_bench_int8 [--rounds N] [--runs N] [--warmup N] [--threads 1,2] "
                 "[--model mobilenet_v2_bn|ppocr_cls]... [--kernels | --kernels-only] "
                 "[--strict]\n");
    return 2;
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

struct Row {
    std::string model;
    int threads = 0;
    std::optional<double> ms[kSides];
    double rss[kSides] = {};
    double resident[kSides] = {};                  // after the runs
    std::vector<double> int8OverFp32, int8OverOrt; // per round
    std::string error[kSides];
};

// --- kernel throughput -----------------------------------------------------------------------

// This thread's CPU time in seconds: the machine is shared, and wall time would count the
// slices other processes take.
double threadSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// The VNNI peak of one core: 24 independent accumulator chains of vpdpbusd zmm (more than the
// instruction's latency × throughput), written in assembly so that nothing but the chains runs;
// each instruction is 16 lanes × 4 u8·s8 products = 64 multiply-adds = 128 operations.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) double vnniPeakGops(double seconds) {
    constexpr int64_t kPerBlock = 1000 * 24; // instructions per asm loop run
    int64_t instructions = 0;
    const double t0 = threadSeconds();
    double elapsed = 0;
    do {
        int64_t count = 1000;
        __asm__ volatile("vpxord %%zmm24, %%zmm24, %%zmm24\n\t"
                         "vpternlogd $0xff, %%zmm25, %%zmm25, %%zmm25\n\t"
                         "1:\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm0\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm1\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm2\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm3\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm4\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm5\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm6\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm7\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm8\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm9\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm10\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm11\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm12\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm13\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm14\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm15\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm16\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm17\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm18\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm19\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm20\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm21\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm22\n\t"
                         "vpdpbusd %%zmm25, %%zmm24, %%zmm23\n\t"
                         "dec %0\n\t"
                         "jnz 1b\n\t"
                         : "+r"(count)
                         :
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                           "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16",
                           "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24",
                           "xmm25", "cc");
        instructions += kPerBlock;
        elapsed = threadSeconds() - t0;
    } while (elapsed < seconds);
    return double(instructions) * 128.0 / elapsed * 1e-9;
}

// The largest convolution of mobilenet_v2 by multiply-adds is the last 1×1, 320 → 1280 at 7×7
// (20.1 M MACs; next: 16 → 96 at 112×112, 19.3 M). Timed through qs::int8::QGemm, the kernel
// QConv runs for a 1×1 convolution (weights packed once; B = the u8 activation plane, packed per
// call; int32 out), one thread; a few other 1×1 shapes of the network for comparison.
struct GemmShape {
    const char* what;
    int64_t m, k, n;
};

// fused: as QConv runs it, B packed once, then 64×256 tiles through the float output stage
// (u8 codes out, per-row multipliers below 1) instead of int32 C.
double gemmGops(const GemmShape& s, double seconds, qs::SimdPath path, bool fused = false) {
    std::mt19937 rng(5);
    std::vector<int8_t> a(size_t(s.m * s.k));
    std::vector<uint8_t> b(size_t(s.k * s.n));
    for (auto& v : a) v = int8_t(int(rng() % 255) - 127);
    for (auto& v : b) v = uint8_t(rng() % 256);
    qs::int8::QGemm gemm(path, s.m, s.k, a.data());
    std::vector<int32_t> c(size_t(s.m * s.n));
    std::vector<uint8_t> scratch;
    int64_t calls = 0;
    const double t0 = threadSeconds();
    double elapsed = 0;
    std::vector<int32_t> offsets(size_t(s.m));
    std::vector<float> multipliers(size_t(s.m));
    for (int64_t i = 0; i < s.m; ++i) {
        offsets[size_t(i)] = int32_t(rng() % 20001) - 10000;
        multipliers[size_t(i)] = 1e-4f * float(1 + rng() % 100);
    }
    std::vector<uint8_t> codes(size_t(s.m * s.n));
    qs::int8::FusedRequant rq;
    rq.offsets = offsets.data();
    rq.multipliers = multipliers.data();
    rq.zeroPoint = 3;
    rq.out = codes.data();
    rq.ldo = s.n;
    do {
        if (fused) {
            scratch.resize(size_t(gemm.packedBBytes(s.n)));
            gemm.packB(s.n, b.data(), s.n, 1, scratch.data(), 0, s.n);
            for (int64_t r0 = 0; r0 < s.m; r0 += 64)
                for (int64_t c0 = 0; c0 < s.n; c0 += 256)
                    gemm.multiplyRequant(scratch.data(), s.n, r0, std::min(s.m, r0 + 64), c0,
                                         std::min(s.n, c0 + 256), rq);
        } else {
            gemm.run(s.n, b.data(), s.n, 1, c.data(), s.n, scratch);
        }
        ++calls;
        elapsed = threadSeconds() - t0;
    } while (elapsed < seconds);
    return double(calls) * 2.0 * double(s.m * s.k * s.n) / elapsed * 1e-9;
}

void kernelReport() {
    const qs::CpuFeatures& f = qs::cpuFeatures();
    std::printf("kernel throughput (one thread, per second of this thread's CPU time)\n");
    if (!(f.avx512f && f.avx512bw && f.avx512vnni)) {
        std::printf("  this CPU has no AVX-512 VNNI; skipped\n\n");
        return;
    }
    const double peak = vnniPeakGops(0.5);
    std::printf("  VNNI peak (vpdpbusd zmm chains): %.1f GOP/s (1 MAC = 2 OP)\n", peak);
    const GemmShape shapes[] = {
        {"1x1 conv 160->960 @7x7 (block 15 expand)", 960, 160, 49},
        {"1x1 conv 960->320 @7x7 (block 16 project)", 320, 960, 49},
        {"1x1 conv 320->1280 @7x7 (last conv)", 1280, 320, 49},
        {"1x1 conv 32->16 @112x112 (block 0 project)", 16, 32, 12544},
        {"1x1 conv 16->96 @112x112 (block 1 expand)", 96, 16, 12544},
        {"1x1 conv 24->144 @56x56 (block 2 expand)", 144, 24, 3136},
        {"1x1 conv 96->576 @14x14 (block 11 expand)", 576, 96, 196},
    };
    for (const GemmShape& s : shapes) {
        const double g = gemmGops(s, 0.3, qs::SimdPath::Avx512);
        const double gf = gemmGops(s, 0.3, qs::SimdPath::Avx512, true);
        std::printf("  %-44s M=%-5lld K=%-4lld N=%-6lld %7.1f GOP/s  %5.1f%% of peak;"
                    " fused u8 out %7.1f GOP/s %5.1f%%\n",
                    s.what, (long long)s.m, (long long)s.k, (long long)s.n, g, 100.0 * g / peak, gf,
                    100.0 * gf / peak);
    }
    std::printf("\n");
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], kLauncherFlag) == 0) return runLauncher(argv + 2);
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--rounds" && hasValue) {
            if (!parseIntArg(argv[++i], 1, opt.rounds))
                return usage("--rounds expects an integer >= 1");
        } else if (a == "--runs" && hasValue) {
            if (!parseIntArg(argv[++i], 1, opt.runs))
                return usage("--runs expects an integer >= 1");
        } else if (a == "--warmup" && hasValue) {
            if (!parseIntArg(argv[++i], 0, opt.warmup))
                return usage("--warmup expects an integer >= 0");
        } else if (a == "--threads" && hasValue) {
            if (!parseThreadList(argv[++i], opt.threads))
                return usage("--threads expects a list like 1,2");
        } else if (a == "--model" && hasValue) {
            opt.models.push_back(argv[++i]);
        } else if (a == "--kernels") {
            opt.kernels = true;
        } else if (a == "--kernels-only") {
            opt.kernels = opt.kernelsOnly = true;
        } else if (a == "--strict") {
            opt.strict = true;
        } else if (a == "--help" || a == "-h") {
            usage(nullptr);
            return 0;
        } else {
            return usage(("unknown or incomplete option " + a).c_str());
        }
    }
    for (const std::string& m : opt.models)
        if (std::none_of(std::begin(kModels), std::end(kModels),
                         [&](const ModelSpec& s) { return m == s.name; }))
            return usage(("unknown model " + m).c_str());

    if (opt.kernels) kernelReport();
    if (opt.kernelsOnly) return 0;

    const std::string benchDir = QS_BENCH_DIR;
    const std::string node = nodeExecutable();
    const std::string cli = QS_CLI_PATH;
    if (!isExecutable(node)) {
        std::fprintf(stderr,
                     "qs_bench_int8: node not found ('%s'); install Node.js and re-run cmake, or "
                     "set QS_NODE=/path/to/node\n",
                     node.c_str());
        return 2;
    }
    if (!fs::exists(fs::path(benchDir) / "node_modules" / "onnxruntime-node" / "package.json")) {
        std::fprintf(stderr,
                     "qs_bench_int8: onnxruntime-node is not installed in %s. Run:\n"
                     "  cd %s && npm install --ignore-scripts\n",
                     benchDir.c_str(), benchDir.c_str());
        return 2;
    }
    if (!isExecutable(cli)) {
        std::fprintf(stderr, "qs_bench_int8: %s missing; build the quantscope-cli target\n",
                     cli.c_str());
        return 2;
    }
    char tmpTemplate[] = "/tmp/qs_bench_int8_XXXXXX";
    if (!mkdtemp(tmpTemplate)) {
        std::fprintf(stderr, "qs_bench_int8: mkdtemp: %s\n", std::strerror(errno));
        return 2;
    }
    const fs::path tmpDir = tmpTemplate;
    const std::string stderrPath = (tmpDir / "stderr.txt").string();
    const fs::path sharedDir = QS_SHARED_DIR;

    std::printf("int8 benchmark: ours fp32 / ours int8 (quantscope-cli bench) vs ONNX Runtime fp32 "
                "/ int8 (our QDQ export)\n%d rounds x %d timed runs (+%d warmup) per side, side "
                "order rotates per round\n\n",
                opt.rounds, opt.runs, opt.warmup);
    std::fflush(stdout);

    const bool progress = isatty(STDERR_FILENO);
    std::vector<Row> rows;
    bool setupFailed = false;
    auto setupError = [&](const std::string& what) {
        std::fprintf(stderr, "qs_bench_int8: %s\n", what.c_str());
        setupFailed = true;
    };
    for (const ModelSpec& spec : kModels) {
        if (!opt.models.empty() &&
            std::find(opt.models.begin(), opt.models.end(), spec.name) == opt.models.end())
            continue;
        const std::string modelPath =
            (sharedDir / "models" / (std::string(spec.name) + ".onnx")).string();
        auto graph = qs::importOnnxFile(modelPath);
        if (!graph) {
            setupError(graph.message());
            continue;
        }
        if (graph->inputs().empty()) {
            setupError(modelPath + " has no inputs");
            continue;
        }
        const std::string inputName = graph->value(graph->inputs()[0]).name;
        auto data = qs::readNpy((sharedDir / "data" / spec.dataFile).string());
        if (!data) {
            setupError(data.message());
            continue;
        }
        if (data->dtype() != qs::DataType::F32 || data->rank() < 1 || data->dim(0) < 1) {
            setupError(std::string(spec.dataFile) + " is not a non-empty float32 batch");
            continue;
        }
        auto firstSamples = [&](int64_t n) {
            qs::Shape s = data->shape();
            s[0] = std::min(n, s[0]);
            qs::Tensor t(qs::DataType::F32, s);
            std::memcpy(t.rawData(), data->rawData(), t.byteSize()); // batch is outermost
            return t;
        };
        const std::string inputPath = (tmpDir / (std::string(spec.name) + "_input.npy")).string();
        const std::string calibPath = (tmpDir / (std::string(spec.name) + "_calib.npy")).string();
        if (qs::Status st = qs::writeNpy(inputPath, firstSamples(1)); !st) {
            setupError(st.message());
            continue;
        }
        if (qs::Status st = qs::writeNpy(calibPath, firstSamples(spec.calibSamples)); !st) {
            setupError(st.message());
            continue;
        }
        // ORT's int8 model: our QDQ export of the plan `bench --executor int8` builds.
        const fs::path qdqDir = tmpDir / (std::string(spec.name) + "_qdq");
        const ProcessResult q = runProcess(
            {cli, "quantize", modelPath, "--calib", calibPath, "--out-dir", qdqDir.string()},
            stderrPath);
        const std::string qdqPath = (qdqDir / "quantized.onnx").string();
        if (q.exitCode != 0 || !fs::exists(qdqPath)) {
            setupError(std::string(spec.name) + ": quantscope-cli quantize failed: " +
                       lastLines(q.err.empty() ? q.out : q.err, 3));
            continue;
        }
        const std::string inputArg = inputName + "=" + inputPath;

        for (int threads : opt.threads) {
            Row row;
            row.model = spec.name;
            row.threads = threads;
            const std::vector<std::string> common{"--input",   inputArg,
                                                  "--threads", std::to_string(threads),
                                                  "--runs",    std::to_string(opt.runs),
                                                  "--warmup",  std::to_string(opt.warmup)};
            std::vector<std::string> cmd[kSides] = {
                {cli, "bench", modelPath},
                {cli, "bench", modelPath, "--executor", "int8", "--calib", calibPath},
                {node, benchDir + "/ort_bench.js", modelPath},
                {node, benchDir + "/ort_bench.js", qdqPath}};
            for (auto& c : cmd) c.insert(c.end(), common.begin(), common.end());
            std::vector<double> ms[kSides];
            for (int round = 0; round < opt.rounds; ++round) {
                std::optional<Measurement> m[kSides];
                for (int k = 0; k < kSides; ++k) {
                    const int side = (k + round) % kSides; // each side goes first once per 4
                    if (!row.error[side].empty()) continue;
                    const ProcessResult pr = runProcess(cmd[side], stderrPath);
                    m[side] = pr.exitCode == 0 ? parseMeasurement(pr.out) : std::nullopt;
                    if (!m[side]) {
                        std::string why = lastLines(pr.err.empty() ? pr.out : pr.err, 3);
                        if (why.empty())
                            why = "exit code " + std::to_string(pr.exitCode) + ", no output";
                        row.error[side] = why;
                        continue;
                    }
                    ms[side].push_back(m[side]->medianMs);
                    row.rss[side] = std::max(row.rss[side], m[side]->peakRssMb);
                    row.resident[side] = std::max(row.resident[side], m[side]->rssMb);
                }
                if (m[OursInt8] && m[OursFp32])
                    row.int8OverFp32.push_back(m[OursInt8]->medianMs / m[OursFp32]->medianMs);
                if (m[OursInt8] && m[OrtInt8])
                    row.int8OverOrt.push_back(m[OursInt8]->medianMs / m[OrtInt8]->medianMs);
                if (progress)
                    std::fprintf(stderr, "\r%s, %d thread(s): round %d/%d", spec.name, threads,
                                 round + 1, opt.rounds);
            }
            if (progress) std::fprintf(stderr, "\n");
            for (int s = 0; s < kSides; ++s)
                if (!ms[s].empty()) row.ms[s] = median(ms[s]);
            rows.push_back(row);
        }
    }

    std::printf("%-16s %3s %10s %10s %10s %10s %18s %18s\n", "model", "thr", "ours fp32",
                "ours int8", "ORT fp32", "ORT int8", "int8/fp32 (ours)", "ours/ORT (int8)");
    auto ratioText = [](const std::optional<double>& a, const std::optional<double>& b,
                        const std::vector<double>& rounds) {
        if (!a || !b) return std::string("-");
        std::string t = fmt("%.2f", *a / *b);
        if (!rounds.empty())
            t += " [" + fmt("%.2f", *std::min_element(rounds.begin(), rounds.end())) + "-" +
                 fmt("%.2f", *std::max_element(rounds.begin(), rounds.end())) + "]";
        return t;
    };
    bool failed = false, missed = false;
    for (const Row& r : rows) {
        std::string cells[kSides];
        for (int s = 0; s < kSides; ++s) {
            failed |= !r.ms[s];
            cells[s] = r.ms[s] ? fmt("%.2f", *r.ms[s]) : "failed";
        }
        std::printf("%-16s %3d %10s %10s %10s %10s %18s %18s\n", r.model.c_str(), r.threads,
                    cells[0].c_str(), cells[1].c_str(), cells[2].c_str(), cells[3].c_str(),
                    ratioText(r.ms[OursInt8], r.ms[OursFp32], r.int8OverFp32).c_str(),
                    ratioText(r.ms[OursInt8], r.ms[OrtInt8], r.int8OverOrt).c_str());
    }
    std::printf("(ms: median over rounds of each round's median; [range of the per-round "
                "ratios])\n");
    auto memoryTable = [&](const char* title, double(Row::*values)[kSides]) {
        std::printf("\n%s\n%-16s %3s %10s %10s %10s %10s\n", title, "model", "thr", "ours fp32",
                    "ours int8", "ORT fp32", "ORT int8");
        for (const Row& r : rows) {
            std::printf("%-16s %3d", r.model.c_str(), r.threads);
            for (int s = 0; s < kSides; ++s)
                std::printf(" %10s", r.ms[s] ? fmt("%.1f", (r.*values)[s]).c_str() : "-");
            std::printf("\n");
        }
    };
    memoryTable("peak RSS (MB, whole process: load, calibration and runs; ORT includes Node.js, "
                "~50 MB)",
                &Row::rss);
    memoryTable("resident after the runs (MB; ours: memory freed after calibration and lowering "
                "returned to the OS first, so this is the runner: weights, packed kernels, "
                "buffers, code; ORT includes Node.js)",
                &Row::resident);
    std::printf("\n");
    for (const Row& r : rows) {
        for (int s = 0; s < kSides; ++s)
            if (!r.error[s].empty())
                std::printf("%s, %d thread(s): %s failed: %s\n", r.model.c_str(), r.threads,
                            kSideNames[s], r.error[s].c_str());
        if (r.threads == 1) {
            const bool ok = r.ms[OursInt8] && r.ms[OursFp32] &&
                            *r.ms[OursInt8] <= kTargetInt8OverFp32 * *r.ms[OursFp32];
            missed |= !ok;
            std::printf("target %s, 1 thread: ours int8 <= ours fp32 / 2.5: %s\n", r.model.c_str(),
                        ok ? "met" : "MISSED");
        }
        const bool ok = r.ms[OursInt8] && r.ms[OrtInt8] &&
                        *r.ms[OursInt8] <= kTargetInt8OverOrt * *r.ms[OrtInt8];
        missed |= !ok;
        std::printf("target %s, %d thread(s): ours int8 <= ORT int8: %s\n", r.model.c_str(),
                    r.threads, ok ? "met" : "MISSED");
    }

    std::error_code ec;
    fs::remove_all(tmpDir, ec);
    if (setupFailed) return 2;
    return failed || (opt.strict && missed) ? 1 : 0;
}
