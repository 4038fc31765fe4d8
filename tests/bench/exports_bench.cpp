// Time to produce each export from a quant_table.json (and an analyze JSON): TensorRT
// calibration cache, ONNX Runtime TensorQuantOverrides, quant_table.json itself, and from the
// analysis the CSV and the Netron attachment; each written atomically into OUT_DIR. Prints one
// JSON object: median milliseconds of 11 runs and the bytes of each file.
//   qs_bench_exports quant_table.json analyze.json OUT_DIR
#include "export/analyze_result.h"
#include "export/layer_exports.h"
#include "export/ort_overrides.h"
#include "export/trt_calibration_cache.h"
#include "util/atomic_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

using namespace qs;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Median ms of 11 runs of make-the-text-and-write-it; returns the bytes of the last text.
double medianMs(const std::function<std::string()>& make, const std::string& path, size_t& bytes) {
    std::vector<double> ms;
    for (int i = 0; i < 11; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::string text = make();
        if (Status st = writeFileAtomically(path, text); !st) {
            std::fprintf(stderr, "%s\n", st.message().c_str());
            std::exit(1);
        }
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        bytes = text.size();
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: qs_bench_exports quant_table.json analyze.json OUT_DIR\n");
        return 2;
    }
    auto plan = quantPlanFromJson(readFile(argv[1]));
    if (!plan) return std::fprintf(stderr, "%s\n", plan.message().c_str()), 1;
    auto analysis = analyzeResultFromJson(readFile(argv[2]));
    if (!analysis) return std::fprintf(stderr, "%s\n", analysis.message().c_str()), 1;
    const std::string out = argv[3];
    struct Row {
        const char* name;
        std::function<std::string()> make;
    };
    const std::vector<Row> rows{
        {"calibration.cache", [&] { return tensorRtCalibrationCache(*plan)->text; }},
        {"ort_overrides.json", [&] { return ortTensorQuantOverrides(*plan).json; }},
        {"quant_table.json", [&] { return quantPlanToJson(*plan); }},
        {"layers.csv", [&] { return analyzeLayersCsv(*analysis); }},
        {"netron_attachment.json", [&] { return netronAttachmentJson(*analysis, &*plan); }}};
    std::printf("{");
    for (size_t i = 0; i < rows.size(); ++i) {
        size_t bytes = 0;
        const double ms = medianMs(rows[i].make, out + "/" + rows[i].name, bytes);
        std::printf("%s\"%s\": {\"median_ms\": %.3f, \"bytes\": %zu}", i ? ", " : "", rows[i].name,
                    ms, bytes);
    }
    std::printf("}\n");
    return 0;
}
