// Calibration cost: quantizeModel with a calibration method on N inputs against N plain fp32
// forward passes of the same model (the quantization engine issue's target: KL on 32 inputs of
// mobilenet_v2_bn within 2x). Prints medians of R repetitions and the ratio.
//   qs_bench_calibration [MODEL] [N=32] [R=3] [method=kl]
#include "exec/executor.h"
#include "onnx/onnx_importer.h"
#include "quant/passes/inference_optimizer.h"
#include "quant/quantizer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

using namespace qs;

namespace {
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
double seconds(std::chrono::steady_clock::time_point a) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}
} // namespace

int main(int argc, char** argv) {
    const std::string model =
        argc > 1 ? argv[1] : std::string(QS_SHARED_DIR) + "/models/mobilenet_v2_bn.onnx";
    const int n = argc > 2 ? std::atoi(argv[2]) : 32;
    const int reps = argc > 3 ? std::atoi(argv[3]) : 3;
    const std::string method = argc > 4 ? argv[4] : "kl";
    auto g = importOnnxFile(model);
    if (!g) {
        std::fprintf(stderr, "%s\n", g.message().c_str());
        return 1;
    }
    const Value& in = g->value(g->inputs()[0]);
    Shape one = in.info.shape;
    for (auto& d : one) d = d < 0 ? 1 : d;
    Shape all = one;
    all[0] = n * one[0];
    Tensor data(DataType::F32, all);
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& x : data.span<float>()) x = normal(rng);
    QuantConfig config;
    auto calib = parseCalibrationMethod(method);
    if (!calib) {
        std::fprintf(stderr, "%s\n", calib.message().c_str());
        return 2;
    }
    config.calibration = *calib;
    CalibrationData c{data, in.name, int(one[0])};
    for (int threads : {1, 2}) {
        config.threads = threads;
        auto batches = splitIntoBatches(data, in, int(one[0]));
        auto ex = Executor::create(*g, ExecOptions{threads});
        auto optimized = optimizeForInference(*g);
        if (!batches || !ex || !optimized) return 1;
        auto exOpt = Executor::create(*optimized, ExecOptions{threads});
        if (!exOpt) return 1;
        std::vector<double> fwd, fwdOpt, cal;
        for (int r = 0; r < reps; ++r) { // interleaved so machine noise hits both
            auto t0 = std::chrono::steady_clock::now();
            for (const Tensor& b : *batches)
                if (!(*ex)->run({{in.name, b}})) return 1;
            fwd.push_back(seconds(t0));
            t0 = std::chrono::steady_clock::now();
            for (const Tensor& b : *batches)
                if (!(*exOpt)->run({{in.name, b}})) return 1;
            fwdOpt.push_back(seconds(t0));
            t0 = std::chrono::steady_clock::now();
            auto q = quantizeModel(*g, config, &c);
            if (!q) {
                std::fprintf(stderr, "%s\n", q.message().c_str());
                return 1;
            }
            cal.push_back(seconds(t0));
        }
        std::printf(
            "%s, %d inputs, %d thread(s): %d fp32 forwards %.3f s (BN-folded+fused graph %.3f s), "
            "calibrate (%s) %.3f s, ratio %.2f (%.2f against the optimised forwards; target <= 2: "
            "%s)\n",
            model.substr(model.rfind('/') + 1).c_str(), n, threads, n, median(fwd), median(fwdOpt),
            method.c_str(), median(cal), median(cal) / median(fwd), median(cal) / median(fwdOpt),
            median(cal) <= 2.0 * median(fwdOpt) ? "met" : "missed");
    }
    return 0;
}
