// Run comparison: two runs of the same model (analyze --json files, quant_table.json files or
// .qsproj projects) diffed layer by layer — the settings that differ, each layer's weight bits
// and state from the plan, SQNR with the layer alone quantized, sensitivity rank and suggested
// bits — and tensor by tensor where both sides have a quantization table (bits, scheme,
// granularity, how far the scales moved). The GUI and the report read this struct; the CLI
// prints it as JSON (`quantscope-cli diff A B`).
#pragma once

#include "export/analyze_result.h"
#include "project/project_file.h"
#include "quant/quant_plan.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

// What one side of the comparison holds: any of an analysis, a plan and (from a project saved
// by the GUI) the last run's per-layer results.
struct RunSnapshot {
    std::string source; // file it came from
    std::string model;
    std::vector<std::pair<std::string, std::string>> settings;
    std::optional<AnalyzeResult> analyze;
    std::optional<QuantPlan> plan;
    std::optional<ProjectRunResult> run;
};

// Reads an analyze JSON, a quant_table.json or a .qsproj (told apart by their keys: layers,
// tensors, format_version). Errors name the file.
Result<RunSnapshot> readRunSnapshot(const std::string& path);

struct SettingDiff {
    std::string key;
    std::string a, b; // "" when absent on that side
};

struct LayerDiff {
    std::string node;
    std::string op;
    bool inA = false, inB = false;
    std::optional<int> bitsA, bitsB;            // the plan's (else the run's) bits (0 = float)
    std::optional<bool> quantizedA, quantizedB; // from the plan, else the run
    // The run's SQNR of this node's output with the whole model quantized (GUI projects).
    std::optional<double> runSqnrDbA, runSqnrDbB;
    std::optional<double> sqnrDbA, sqnrDbB; // analysis: this layer alone quantized
    std::optional<int> sensitivityRankA, sensitivityRankB;
    std::optional<int> suggestedBitsA, suggestedBitsB;
    std::optional<double> sqnrDbDelta() const {
        if (sqnrDbA && sqnrDbB) return *sqnrDbB - *sqnrDbA;
        return std::nullopt;
    }
    std::optional<double> runSqnrDbDelta() const {
        if (runSqnrDbA && runSqnrDbB) return *runSqnrDbB - *runSqnrDbA;
        return std::nullopt;
    }
};

struct TensorDiff {
    std::string tensor;
    std::string stateA, stateB;
    int bitsA = 0, bitsB = 0;
    std::string schemeA, schemeB, granularityA, granularityB;
    // max over channels of max(sA/sB, sB/sA); nullopt when the scale counts differ or a side
    // has no scales.
    std::optional<double> maxScaleRatio;
};

struct RunDiff {
    std::string sourceA, sourceB;
    std::string modelA, modelB;
    bool sameModel = false;
    std::vector<SettingDiff> settings; // only the keys whose values differ
    std::vector<LayerDiff> layers;     // A's order, then B's extra layers
    std::vector<TensorDiff> tensors;   // only tensors that differ (beyond ratio 1 + 1e-6)
    std::optional<double> top1A, top1B, sqnrDbA, sqnrDbB;
    std::optional<double> runOutputSqnrDbA, runOutputSqnrDbB; // GUI runs: first graph output
    std::optional<double> runAgreementA, runAgreementB;
};

RunDiff diffRuns(const RunSnapshot& a, const RunSnapshot& b);
std::string runDiffToJson(const RunDiff& diff);

} // namespace qs
