// quantscope-cli quantize and eval.
#include "analysis/accuracy.h"
#include "cli/commands.h"
#include "cli/model_runner.h"
#include "export/ort_overrides.h"
#include "export/trt_calibration_cache.h"
#include "util/atomic_file.h"
#include "io/npy.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "quant/quantizer.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

namespace qs::cli {

namespace {

std::vector<OptionSpec> withQuantOptions(std::vector<OptionSpec> specs) {
    const auto q = quantOptionSpecs();
    specs.insert(specs.end(), q.begin(), q.end());
    specs.push_back(kThreads);
    specs.push_back(kHelp);
    return specs;
}

nlohmann::json finiteOrNull(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

} // namespace

int runEval(const std::vector<std::string>& raw) {
    const auto specs =
        withQuantOptions({{"data", true, false, "X.npy  evaluation inputs (float32, N first)"},
                          {"labels", true, false, "Y.npy  integer labels, one per sample"},
                          kExecutor});
    Parsed p = parseCommand("eval", raw, specs,
                            "eval MODEL --data X.npy --labels Y.npy [--calib C.npy] [QUANT "
                            "OPTIONS] [--executor fp32|sim|int8]");
    if (p.exitCode >= 0) return p.exitCode;
    if (!p.args.has("data")) return fail("eval", "option '--data X.npy' is required", 2);
    if (auto cfg = quantConfigFromArgs(p.args); !cfg) return fail("eval", cfg.message(), 2);
    const std::string executor = p.args.value("executor", "sim");

    const std::string modelPath = p.args.positional[0];
    auto graph = importOnnxFile(modelPath);
    if (!graph) return fail("eval", graph.message());
    auto data = readNpy(p.args.value("data"));
    if (!data) return fail("eval", data.message());
    std::optional<Tensor> labels;
    if (p.args.has("labels")) {
        auto l = readNpy(p.args.value("labels"));
        if (!l) return fail("eval", l.message());
        if (l->dtype() != DataType::I64 && l->dtype() != DataType::I32)
            return fail("eval", "file " + p.args.value("labels") +
                                    ": labels must be int64 or int32, got " +
                                    dataTypeName(l->dtype()));
        labels = std::move(l).value();
    }
    const std::string inputName = p.args.value("input-name", graph->value(graph->inputs()[0]).name);

    auto fp32 = prepareRunner(*graph, p.args, "fp32");
    if (!fp32) return fail("eval", fp32.message());
    auto reference = runBatched(*fp32->runner, *graph, inputName, *data);
    if (!reference)
        return fail("eval", "file " + p.args.value("data") + ": " + reference.message());
    Tensor test = *reference;
    if (executor != "fp32") {
        auto runner = prepareRunner(*graph, p.args, executor);
        if (!runner)
            return fail("eval", runner.message(),
                        runner.error().code() == ErrorCode::InvalidArgument ? 2 : 1);
        auto out = runBatched(*runner->runner, *graph, inputName, *data);
        if (!out) return fail("eval", out.message());
        test = std::move(out).value();
    }
    auto acc = compareClassifiers(*reference, test, labels ? &*labels : nullptr);
    if (!acc) return fail("eval", acc.message());
    nlohmann::json j{
        {"executor", executor},
        {"top1", acc->top1 ? nlohmann::json(*acc->top1) : nlohmann::json(nullptr)},
        {"fp32_top1", acc->fp32Top1 ? nlohmann::json(*acc->fp32Top1) : nlohmann::json(nullptr)},
        {"agreement", acc->agreement},
        {"sqnr_db", finiteOrNull(acc->sqnrDb)},
        {"samples", acc->samples}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

int runQuantize(const std::vector<std::string>& raw) {
    const auto specs = withQuantOptions(
        {{"out-dir", true, false,
          "DIR  where quantized.onnx, quant_table.json, calibration.cache (TensorRT) and "
          "ort_overrides.json (ONNX Runtime TensorQuantOverrides) go"}});
    Parsed p = parseCommand("quantize", raw, specs,
                            "quantize MODEL --calib FILE.npy [QUANT OPTIONS] --out-dir DIR");
    if (p.exitCode >= 0) return p.exitCode;
    if (!p.args.has("out-dir")) return fail("quantize", "option '--out-dir DIR' is required", 2);
    if (auto cfg = quantConfigFromArgs(p.args); !cfg) return fail("quantize", cfg.message(), 2);
    const std::string modelPath = p.args.positional[0];
    auto graph = importOnnxFile(modelPath);
    if (!graph) return fail("quantize", graph.message());
    auto prepared = prepareRunner(*graph, p.args, "sim");
    if (!prepared) return fail("quantize", prepared.message());
    const std::filesystem::path outDir = p.args.value("out-dir");
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) return fail("quantize", "folder " + outDir.string() + ": " + ec.message());
    QuantPlan plan = prepared->quantized->plan;
    plan.model = std::filesystem::path(modelPath).filename().string();
    const std::string modelOut = (outDir / "quantized.onnx").string();
    if (Status st = exportQdqModel(prepared->quantized->graph, plan, modelOut); !st)
        return fail("quantize", st.message());
    const std::string tablePath = (outDir / "quant_table.json").string();
    if (Status st = writeFileAtomically(tablePath, quantPlanToJson(plan)); !st)
        return fail("quantize", st.message());
    // Interop: TensorRT's calibration cache and ONNX Runtime's TensorQuantOverrides.
    auto cache = tensorRtCalibrationCache(plan);
    if (!cache) return fail("quantize", cache.message());
    const std::string cachePath = (outDir / "calibration.cache").string();
    if (Status st = writeFileAtomically(cachePath, cache->text); !st)
        return fail("quantize", st.message());
    std::set<std::string> modelTensors; // ORT quantizes the model as given, not our folded one
    for (const Value& v : graph->values()) modelTensors.insert(v.name);
    const OrtOverridesExport ort = ortTensorQuantOverrides(plan, &modelTensors);
    const std::string ortPath = (outDir / "ort_overrides.json").string();
    if (Status st = writeFileAtomically(ortPath, ort.json); !st)
        return fail("quantize", st.message());
    // Sub-byte weights: opset 13 (our export's) has no int4 type, so their codes travel in int8 /
    // uint8 tensors; DequantizeLinear reads the same values. Say so rather than let a deployment
    // pipeline assume packed int4.
    int narrow = 0;
    std::string example;
    for (const auto& [name, entry] : plan.tensors)
        if (entry.params.state == TensorQuantState::Quantized && entry.params.spec.bits < 8) {
            if (narrow++ == 0) example = name;
        }
    if (narrow > 0)
        std::fprintf(stderr,
                     "quantize: note: %s: %d tensor(s) with fewer than 8 bits (e.g. '%s') are "
                     "stored as int8/uint8 codes within the narrower range: opset 13 has no int4 "
                     "type (ONNX int4 needs opset 21)\n",
                     modelOut.c_str(), narrow, example.c_str());
    for (const std::string& note : cache->notes)
        std::fprintf(stderr, "quantize: note: %s: %s\n", cachePath.c_str(), note.c_str());
    for (const std::string& note : ort.notes)
        std::fprintf(stderr, "quantize: note: %s: %s\n", ortPath.c_str(), note.c_str());
    std::printf("%s\n%s\n%s\n%s\n", modelOut.c_str(), tablePath.c_str(), cachePath.c_str(),
                ortPath.c_str());
    return 0;
}

} // namespace qs::cli
