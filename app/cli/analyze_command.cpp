// quantscope-cli analyze: quantize, then run the analyses of core/analysis and write the
// DESIGN.md `analyze --json` contract (plus the detail rows the GUI and report also read).
#include "analysis/analysis_session.h"
#include "analysis/calibration_extremes.h"
#include "analysis/calibrator_comparison.h"
#include "analysis/error_propagation.h"
#include "analysis/mixed_bits.h"
#include "analysis/quant_layers.h"
#include "analysis/sensitivity.h"
#include "analysis/weight_outliers.h"
#include "cli/commands.h"
#include "cli/model_runner.h"
#include "cli/report_option.h"
#include "export/analyze_result.h"
#include "export/layer_exports.h"
#include "export/run_diff.h"
#include "io/npy.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "quant/simulator.h"
#include "util/atomic_file.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace qs::cli {

namespace {

using nlohmann::json;

json number(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}

json agreementJson(const OutputAgreement& a) {
    return json{{"sqnr_db", number(a.sqnrDb)},
                {"cosine", number(a.cosine)},
                {"agreement", a.agreement},
                {"top1", a.top1 ? json(*a.top1) : json(nullptr)}};
}

// The first graph output over all of `data` from the simulator with the model's plan.
Result<Tensor> simulateFirstOutput(const QuantizedModel& q, const Tensor& data,
                                   const std::string& inputName, int threads, int batchSize) {
    auto inputId = q.graph.findValue(inputName);
    if (!inputId)
        return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(data, q.graph.value(*inputId), batchSize));
    QS_ASSIGN(auto sim, Simulator::create(q.graph, q.plan, ExecOptions{threads}));
    const std::string out = q.graph.value(q.graph.outputs()[0]).name;
    std::vector<Tensor> parts;
    int64_t rows = 0;
    for (const Tensor& b : batches) {
        QS_ASSIGN(RunResult r, sim->run({{inputName, b}}));
        Tensor t = r.outputs.at(out);
        if (t.dtype() != DataType::F32) t = t.castTo(DataType::F32);
        rows += t.dim(0);
        parts.push_back(std::move(t));
    }
    if (parts.empty()) return makeError(ErrorCode::InvalidArgument, "no evaluation samples");
    Shape shape = parts[0].shape();
    shape[0] = rows;
    Tensor all(DataType::F32, shape);
    size_t offset = 0;
    for (const Tensor& t : parts) {
        std::memcpy(all.data<float>() + offset, t.data<float>(), t.byteSize());
        offset += size_t(t.numel());
    }
    return all;
}

// Suggested weight bits per layer (stated rule, not a search): the configured bits when the
// layer quantized alone keeps the output above kSuggestSqnrDb, else 16.
constexpr double kSuggestSqnrDb = 30.0;

double sqnrFromNoise(double signal, double noise) {
    return noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
}

} // namespace

int runAnalyze(const std::vector<std::string>& raw) {
    std::vector<OptionSpec> specs{
        {"json", true, false, "OUT.json  where the analysis goes"},
        {"csv", true, false, "OUT.csv  also the per-layer table as CSV (the JSON's numbers)"},
        {"netron", true, false,
         "OUT.json  also a Netron attachment (netron:attachment, metrics per node)"},
        {"report", true, true,
         "OUT.html|OUT.pdf  also the report: summary, settings, accuracy, per-layer table, "
         "charts of the most sensitive layers, findings (needs a build with Qt widgets); "
         "repeatable (one analysis, several formats)"},
        {"compare", true, false,
         "B.json  add a run comparison to the report: this run (A) against B (an analyze JSON, "
         "quant_table.json or .qsproj of the same model); needs --report"},
        {"data", true, false, "X.npy  evaluation inputs (default: the calibration data)"},
        {"labels", true, false, "Y.npy  integer labels of --data"},
        {"eval-samples", true, false, "N  use the first N evaluation samples (default all)"},
        {"outlier-k", true, false, "K  outlier threshold in sigmas (default 4)"},
        {"no-reverse", false, false, "skip the all-but-one sensitivity runs"},
        {"calibrator-samples", true, false,
         "N  evaluation samples for the calibrator comparison's output SQNRs (default 4; 0 = "
         "ranges and MSE only)"},
        {"mixed-bits-budget", true, false,
         "B  average weight bits for the mixed-bit suggestion (default 6; 0 = skip)"}};
    const auto q = quantOptionSpecs();
    specs.insert(specs.end(), q.begin(), q.end());
    specs.push_back(kThreads);
    specs.push_back(kHelp);
    Parsed p =
        parseCommand("analyze", raw, specs,
                     "analyze MODEL --calib C.npy [--data X.npy --labels Y.npy] [QUANT "
                     "OPTIONS] --json OUT.json [--csv OUT.csv] [--netron OUT.json] [--report "
                     "OUT.html|OUT.pdf [--compare B.json]]");
    if (p.exitCode >= 0) return p.exitCode;
    if (!p.args.has("json")) return fail("analyze", "option '--json OUT.json' is required", 2);
    if (!p.args.has("calib")) return fail("analyze", "option '--calib C.npy' is required", 2);
    for (const std::string& report : p.args.values("report"))
        if (Status st = checkReportOption(report); !st) return fail("analyze", st.message(), 2);
    if (p.args.has("compare") && !p.args.has("report"))
        return fail("analyze", "option '--compare' needs '--report OUT.html|OUT.pdf'", 2);
    // Read B before the analysis runs: a bad file fails at once.
    std::optional<RunSnapshot> compareWith;
    if (p.args.has("compare")) {
        auto b = readRunSnapshot(p.args.value("compare"));
        if (!b) return fail("analyze", "option '--compare': " + b.message());
        compareWith = std::move(b).value();
    }
    if (p.args.has("labels") && !p.args.has("data"))
        return fail("analyze", "option '--labels' needs '--data'", 2);
    auto config = quantConfigFromArgs(p.args);
    if (!config) return fail("analyze", config.message(), 2);
    auto threads = threadsOption(p.args);
    if (!threads) return fail("analyze", threads.message(), 2);
    int64_t evalSamples = 0;
    if (p.args.has("eval-samples")) {
        auto n = parseIntOption("eval-samples", p.args.value("eval-samples"), 1, 1 << 30);
        if (!n) return fail("analyze", n.message(), 2);
        evalSamples = *n;
    }
    OutlierOptions outlierOptions;
    if (p.args.has("outlier-k")) {
        char* end = nullptr;
        const std::string text = p.args.value("outlier-k");
        const double k = std::strtod(text.c_str(), &end);
        if (text.empty() || *end || !(k > 0) || !std::isfinite(k))
            return fail("analyze", "option '--outlier-k': '" + text + "' is not a positive number",
                        2);
        outlierOptions.k = k;
    }
    double budget = 6.0;
    if (p.args.has("mixed-bits-budget")) {
        char* end = nullptr;
        const std::string text = p.args.value("mixed-bits-budget");
        budget = std::strtod(text.c_str(), &end);
        if (text.empty() || *end || !(budget >= 0) || budget > 16)
            return fail(
                "analyze",
                "option '--mixed-bits-budget': '" + text + "' is not a number of bits in 0..16", 2);
    }
    int64_t calibratorSamples = 4;
    if (p.args.has("calibrator-samples")) {
        auto n =
            parseIntOption("calibrator-samples", p.args.value("calibrator-samples"), 0, 1 << 30);
        if (!n) return fail("analyze", n.message(), 2);
        calibratorSamples = *n;
    }
    // The analyses allocate and free the same large activation buffers thousands of times
    // (one cone run per layer and setting): keep freed memory in the heap instead of returning
    // it to the kernel, so it is reused without page faults (15% of the run's time otherwise).
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
    const auto started = std::chrono::steady_clock::now();

    const std::string modelPath = p.args.positional[0];
    auto graph = importOnnxFile(modelPath);
    if (!graph) return fail("analyze", graph.message());
    if (graph->inputs().empty())
        return fail("analyze", "file " + modelPath + ": the model has no inputs");
    json timings = json::object();
    auto lap = [&, last = std::chrono::steady_clock::now()](const char* phase) mutable {
        const auto now = std::chrono::steady_clock::now();
        timings[phase] = std::chrono::duration<double>(now - last).count();
        last = now;
    };
    auto prepared = prepareRunner(*graph, p.args, "sim");
    lap("quantize");
    if (!prepared) return fail("analyze", prepared.message());
    const QuantizedModel& qm = *prepared->quantized;
    const std::string inputName =
        p.args.value("input-name", qm.graph.value(qm.graph.inputs()[0]).name);

    auto calib = readNpy(p.args.value("calib"));
    if (!calib) return fail("analyze", calib.message());
    Tensor data = *calib;
    std::optional<Tensor> labels;
    if (p.args.has("data")) {
        auto d = readNpy(p.args.value("data"));
        if (!d) return fail("analyze", d.message());
        data = std::move(d).value();
    }
    if (p.args.has("labels")) {
        auto l = readNpy(p.args.value("labels"));
        if (!l) return fail("analyze", l.message());
        if (l->dtype() != DataType::I64 && l->dtype() != DataType::I32)
            return fail("analyze",
                        "file " + p.args.value("labels") + ": labels must be int64 or int32");
        labels = l->firstRows(evalSamples);
    }
    data = data.firstRows(evalSamples);
    if (data.rank() < 1 || data.dtype() != DataType::F32)
        return fail("analyze", "file " + p.args.value(p.args.has("data") ? "data" : "calib") +
                                   ": expected float32 data, N first");

    const std::vector<QuantLayerRef> layers = quantLayers(qm);
    outlierOptions.weightSpec.bits = config->weight.bits;
    outlierOptions.weightSpec.scheme = config->weight.scheme;
    auto outliers = analyzeWeightOutliers(layers, outlierOptions);
    if (!outliers) return fail("analyze", outliers.message());
    lap("outliers");
    SensitivityOptions so;
    so.threads = *threads;
    so.reverse = !p.args.has("no-reverse");
    const bool mixed = budget > 0;
    auto runner = LayerConeRunner::create(qm, layers, data, inputName, so.threads, so.batchSize,
                                          so.reverse || mixed);
    if (!runner) return fail("analyze", runner.message());
    lap("activation_cache");
    auto sens = analyzeSensitivity(qm, layers, **runner, labels ? &*labels : nullptr, so);
    if (!sens) return fail("analyze", sens.message());
    lap("sensitivity");
    std::optional<MixedBitsResult> mixedBits;
    double measuredMixed = std::numeric_limits<double>::quiet_NaN();
    if (mixed) {
        MixedBitsOptions mo;
        mo.budgetBits = budget;
        auto mb = suggestMixedBits(qm, layers, **runner, mo);
        if (!mb) return fail("analyze", mb.message());
        mixedBits = std::move(mb).value();
        // Verify the suggestion: quantize with it (as --layer-bits would) and run it. Weight bits
        // change neither the float graph nor the activation ranges, so unless bias correction or
        // AdaRound (which depend on the weights' quantization) is on, only the plan is built
        // again, from the model's ranges: the plan quantizing from scratch would give, without
        // calibrating a second time.
        QuantConfig withBits = qm.config;
        for (const auto& [node, bits] : mixedBits->chosen.assignment)
            withBits.layerBits[node] = bits;
        Result<QuantizedModel> q2 = Error(ErrorCode::Internal, "not quantized");
        if (!withBits.biasCorrection && !withBits.adaroundEnabled()) {
            auto plan = buildQuantPlan(qm.graph, withBits, qm.activationRanges);
            if (!plan) return fail("analyze", plan.message());
            QuantizedModel m = qm;
            m.config = withBits;
            m.plan = std::move(plan).value();
            q2 = std::move(m);
        } else {
            CalibrationData calibData;
            calibData.samples = *calib;
            calibData.inputName = p.args.value("input-name");
            q2 = quantizeModel(*graph, withBits, &calibData);
        }
        if (!q2) return fail("analyze", q2.message());
        // Only the simulator: the fp32 reference is the runner's.
        auto measured = simulateFirstOutput(*q2, data, inputName, so.threads, so.batchSize);
        if (!measured) return fail("analyze", measured.message());
        measuredMixed = sqnrDb((*runner)->reference(), *measured);
        lap("mixed_bits");
    }
    ErrorPropagationOptions eo;
    eo.threads = *threads;
    eo.batchSize = 4; // every value of a batch is kept twice (float and quantized): small batches
                      // bound the memory
    auto errors = analyzeErrorPropagation(qm, data, inputName, eo);
    if (!errors) return fail("analyze", errors.message());
    lap("error_propagation");
    // Calibrator comparison: every calibrated activation; output SQNRs from a what-if session on
    // the first --calibrator-samples evaluation samples.
    std::unique_ptr<AnalysisSession> session;
    if (calibratorSamples > 0 && !qm.collectors.empty()) {
        AnalysisSessionOptions ao;
        ao.threads = *threads;
        ao.batchSize = 4;
        auto sess = AnalysisSession::create(qm, data.firstRows(calibratorSamples), inputName, ao);
        if (!sess) return fail("analyze", sess.message());
        session = std::move(sess).value();
    }
    auto calibrators = compareCalibratorsAll(qm, session.get());
    if (!calibrators) return fail("analyze", calibrators.message());
    lap("calibrator_comparison");
    CalibrationExtremesOptions xo;
    xo.threads = *threads;
    auto extremes = analyzeCalibrationExtremes(qm, *calib, inputName, xo);
    if (!extremes) return fail("analyze", extremes.message());
    lap("calibration");

    json rows = json::array();
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerOutliers& o = outliers->layers[i];
        const LayerSensitivity& s = sens->layers[i];
        json row{{"node", layers[i].name},
                 {"op", layers[i].op},
                 {"sqnr_db", number(s.alone.sqnrDb)},
                 {"cosine", number(s.alone.cosine)},
                 {"sensitivity_rank", s.rank},
                 {"weight_range_ratio", number(o.channelRangeRatio)},
                 {"outlier_channels", o.outlierChannels},
                 {"suggested_bits", mixedBits ? mixedBits->chosen.assignment.at(layers[i].name)
                                    : s.alone.sqnrDb >= kSuggestSqnrDb ? config->weight.bits
                                                                       : 16},
                 {"depthwise", layers[i].depthwise},
                 {"agreement", s.alone.agreement},
                 {"top1", s.alone.top1 ? json(*s.alone.top1) : json(nullptr)},
                 {"outlier_weights", o.outlierWeightCount},
                 {"per_tensor_noise_db", number(o.perTensorNoiseDb)},
                 {"per_channel_noise_db", number(o.perChannelNoiseDb)},
                 {"outlier_rank", o.rank}};
        if (so.reverse) row["all_but_this"] = agreementJson(s.reverse);
        rows.push_back(row);
    }
    json errorRows = json::array();
    for (const TensorError& e : errors->tensors)
        errorRows.push_back(json{{"tensor", e.tensor},
                                 {"node", e.node},
                                 {"op", e.op},
                                 {"total_sqnr_db", number(e.totalSqnrDb)},
                                 {"injected_sqnr_db", number(e.injectedSqnrDb)},
                                 {"inherited_sqnr_db", number(e.inheritedSqnrDb)},
                                 {"injected_share", number(e.injectedShare)}});
    json settings = json::object();
    for (const auto& [k, v] : qm.plan.settings) settings[k] = v;
    json out{
        {"model", std::filesystem::path(modelPath).filename().string()},
        {"settings", settings},
        {"layers", rows},
        {"mixed_bits", json{{"budget", nullptr},
                            {"assignment", json::object()},
                            {"predicted", nullptr},
                            {"measured", nullptr},
                            {"status", "skipped (--mixed-bits-budget 0)"}}},
        {"accuracy", json{{"top1", sens->full.top1 ? json(*sens->full.top1) : json(nullptr)},
                          {"fp32_top1", sens->fp32Top1 ? json(*sens->fp32Top1) : json(nullptr)},
                          {"agreement", sens->full.agreement},
                          {"sqnr_db", number(sens->full.sqnrDb)},
                          {"cosine", number(sens->full.cosine)},
                          {"samples", sens->samples},
                          {"data", p.args.has("data") ? "data" : "calibration"}}},
        {"suggested_bits_rule",
         mixedBits ? std::string("the mixed-bit suggestion under the budget")
                   : "configured weight bits when the layer quantized alone keeps output SQNR >= " +
                         std::to_string(int(kSuggestSqnrDb)) + " dB, else 16"},
        {"error_propagation", errorRows}};
    if (!so.reverse)
        out["accuracy"] =
            json{{"samples", sens->samples}, {"note", "--no-reverse: full-model run skipped"}};
    if (qm.cle) {
        json pairs = json::array(), ratios = json::array();
        for (const ClePair& c : qm.cle->pairs)
            pairs.push_back(json{{"first", c.first}, {"second", c.second}, {"between", c.between}});
        for (const CleLayerRanges& r : qm.cle->layers)
            ratios.push_back(json{{"node", r.node},
                                  {"range_ratio_before", number(r.rangeRatioBefore)},
                                  {"range_ratio_after", number(r.rangeRatioAfter)}});
        out["cle"] = json{{"pairs", pairs},
                          {"layers", ratios},
                          {"sweeps", qm.cle->sweeps},
                          {"converged", qm.cle->converged},
                          {"skipped", qm.cle->skipped}};
    }
    if (qm.biasCorrection) {
        json bl = json::array();
        for (const BiasCorrectionLayer& l : qm.biasCorrection->layers)
            bl.push_back(json{{"node", l.node},
                              {"mean_abs_shift", l.meanAbsShift},
                              {"input_mean_from", l.inputMeanFrom}});
        out["bias_correction"] = json{{"mode", biasCorrectionModeName(qm.biasCorrection->mode)},
                                      {"layers", bl},
                                      {"skipped", qm.biasCorrection->skipped}};
    }
    if (mixedBits) {
        json table = json::array(), pareto = json::array();
        for (const LayerBitNoise& r : mixedBits->table) {
            json noise = json::object();
            for (size_t c = 0; c < mixedBits->candidates.size(); ++c)
                noise[std::to_string(mixedBits->candidates[c])] =
                    number(sqnrFromNoise(mixedBits->signal, r.noise[c]));
            table.push_back(
                json{{"node", r.node}, {"params", r.params}, {"sqnr_db_alone_by_bits", noise}});
        }
        for (const MixedBitsPoint& pt : mixedBits->pareto)
            pareto.push_back(json{{"average_bits", pt.averageBits},
                                  {"predicted_sqnr_db", number(pt.predictedSqnrDb)}});
        out["mixed_bits"] =
            json{{"budget", json{{"average_weight_bits", mixedBits->budgetBits}}},
                 {"assignment", mixedBits->chosen.assignment},
                 {"average_bits", mixedBits->chosen.averageBits},
                 {"within_budget", mixedBits->withinBudget},
                 {"predicted", json{{"sqnr_db", number(mixedBits->chosen.predictedSqnrDb)}}},
                 {"measured", json{{"sqnr_db", number(measuredMixed)}}},
                 {"table", table},
                 {"pareto", pareto}};
    }
    if (qm.adaround) {
        json al = json::array();
        for (const AdaRoundLayer& l : qm.adaround->layers)
            al.push_back(json{{"node", l.node},
                              {"nearest_error", number(l.nearestError)},
                              {"adaround_error", number(l.adaroundError)},
                              {"changed", l.changed},
                              {"weights", l.weights},
                              {"seconds", l.seconds}});
        out["adaround"] = json{{"layers", al}, {"skipped", qm.adaround->skipped}};
    }
    {
        json tensors = json::array();
        for (const TensorCalibratorComparison& t : *calibrators) {
            json choices = json::array();
            for (const CalibratorChoice& c : t.choices) {
                json row{{"method", c.method}, {"current", c.current}};
                if (!c.error.empty()) {
                    row["error"] = c.error;
                } else {
                    row["lo"] = c.range.lo;
                    row["hi"] = c.range.hi;
                    row["quant_mse"] = number(c.quantMse);
                    row["clipped_fraction"] = c.clippedFraction;
                    row["output_sqnr_db"] =
                        c.outputSqnrDb ? number(*c.outputSqnrDb) : json(nullptr);
                }
                choices.push_back(row);
            }
            auto methodAt = [&](int i) {
                return i < 0 ? json(nullptr) : json(t.choices[size_t(i)].method);
            };
            tensors.push_back(json{{"tensor", t.tensor},
                                   {"best_by_mse", methodAt(t.bestByMse)},
                                   {"best_by_sqnr", methodAt(t.bestBySqnr)},
                                   {"choices", choices}});
        }
        out["calibrator_comparison"] =
            json{{"samples", session ? json(session->samples()) : json(0)},
                 {"output_sqnr_db", session ? number(session->outputSqnrDb()) : json(nullptr)},
                 {"tensors", tensors}};
    }
    {
        json tensors = json::array();
        for (const TensorCalibrationExtremes& e : extremes->tensors) {
            json conv = json::array();
            for (const RangeCheckpoint& c : e.convergence)
                conv.push_back(
                    json{{"samples", c.samples}, {"lo", c.range.lo}, {"hi", c.range.hi}});
            tensors.push_back(json{{"tensor", e.tensor},
                                   {"min", e.min},
                                   {"max", e.max},
                                   {"min_sample", e.minSample},
                                   {"max_sample", e.maxSample},
                                   {"min_without_sample", e.minWithoutSample},
                                   {"max_without_sample", e.maxWithoutSample},
                                   {"min_dominated", e.minDominated},
                                   {"max_dominated", e.maxDominated},
                                   {"last_doubling_change", number(e.lastDoublingChange)},
                                   {"convergence", conv}});
        }
        out["calibration"] = json{{"method", extremes->method},
                                  {"samples", extremes->samples},
                                  {"dominance_ratio", xo.dominanceRatio},
                                  {"dominated", extremes->dominated},
                                  {"tensors", tensors}};
    }
    out["timings_s"] = timings;
    out["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string jsonPath = p.args.value("json");
    const std::string jsonText = out.dump(1) + "\n";
    if (Status st = writeFileAtomically(jsonPath, jsonText); !st)
        return fail("analyze", st.message());
    std::printf("%s\n", jsonPath.c_str());
    if (p.args.has("csv") || p.args.has("netron")) {
        // Read back from the JSON text: the CSV and the attachment show what the JSON holds.
        auto result = analyzeResultFromJson(jsonText);
        if (!result) return fail("analyze", "file " + jsonPath + ": " + result.message());
        if (p.args.has("csv")) {
            const std::string csvPath = p.args.value("csv");
            if (Status st = writeFileAtomically(csvPath, analyzeLayersCsv(*result)); !st)
                return fail("analyze", st.message());
            std::printf("%s\n", csvPath.c_str());
        }
        if (p.args.has("netron")) {
            const std::string netronPath = p.args.value("netron");
            if (Status st =
                    writeFileAtomically(netronPath, netronAttachmentJson(*result, &qm.plan));
                !st)
                return fail("analyze", st.message());
            std::printf("%s\n", netronPath.c_str());
        }
    }
    if (p.args.has("report")) {
        AnalyzeReportInputs r;
        r.paths = p.args.values("report");
        r.modelPath = modelPath;
        r.original = &*graph;
        r.model = &qm;
        r.layers = &layers;
        r.outlierOptions = outlierOptions;
        r.sensitivity = &*sens;
        r.reverseMeasured = so.reverse;
        r.mixedBits = mixedBits ? &*mixedBits : nullptr;
        r.mixedBitsMeasuredSqnrDb = measuredMixed;
        r.errors = &*errors;
        r.data = &data;
        r.labels = labels ? &*labels : nullptr;
        r.inputName = inputName;
        r.evaluationData = p.args.has("data") ? p.args.value("data") : "calibration data";
        r.threads = *threads;
        r.analysisSeconds = out["seconds"].get<double>();
        std::optional<RunDiff> comparison;
        if (compareWith) {
            // A is this run as its JSON file holds it, plus the plan (scales) it ran with.
            auto result = analyzeResultFromJson(jsonText);
            if (!result) return fail("analyze", "file " + jsonPath + ": " + result.message());
            RunSnapshot a;
            a.source = jsonPath;
            a.model = result->model;
            a.settings = result->settings;
            a.analyze = std::move(result).value();
            a.plan = qm.plan;
            comparison = diffRuns(a, *compareWith);
            if (!comparison->sameModel)
                std::fprintf(stderr,
                             "quantscope-cli analyze: warning: --compare %s is of another model "
                             "(%s, %s)\n",
                             compareWith->source.c_str(), comparison->modelA.c_str(),
                             comparison->modelB.c_str());
            r.comparison = &*comparison;
        }
        return writeAnalyzeReport(r);
    }
    return 0;
}

} // namespace qs::cli
