// QuantScope project (.qsproj): everything needed to come back tomorrow to the same state
// without recomputing — the model (path relative to the project file), the data files and how
// they feed the model, every quantization setting and per-node override, and the last results.
// Plain C++ (no Qt) so the CLI, the GUI and the fuzzer share one reader.
//
// Format (JSON, format_version 1):
// {"signature": "quantscope-project", "format_version": 1,
//  "model": {"path": "models/m.onnx", "absolute_path": "/home/u/models/m.onnx"},
//  "data": {"calibration": "data/c.npy", "evaluation": "", "labels": ""},
//  "preprocessing": {"input_name": "", "max_eval_samples": 32, "eval_batch": 4,
//                    "image": {"scale": "1/255", "layout": "nchw", ...}},   (image folders)
//  "quant_options": [["bits", "8"], ["granularity", "channel"], ...],   command-line form
//  "node_overrides": {"conv_3": {"float": true}, "conv_7": {"bits": 4}},
//  "gui": {"selected_node": "conv_3"},
//  "results": {"run": {...}, "analyze": {analyze --json}, "quant_table": {quant_table.json}}}
// The reader is strict and total: a field with the wrong type or value is dropped with a
// warning naming it ("quant_options[2]: unknown option 'bitz'"), the rest still opens. Only a
// file with no project in it (not JSON, not an object, no or a bad format_version) is an error.
#pragma once

#include "export/analyze_result.h"
#include "quant/quant_plan.h"
#include "util/error.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qs {

constexpr int kProjectFormatVersion = 1;
constexpr const char* kProjectSignature = "quantscope-project";

struct ProjectNodeOverride {
    bool keepFloat = false; // --float NODE
    int bits = 0;           // --layer-bits NODE=N; 0 = the global setting
};

// One layer of the GUI's last quantization run (simulator vs fp32).
struct ProjectRunLayer {
    std::string op;
    bool inPlan = false;
    bool quantized = false;
    int bits = 0;
    std::string scheme;
    std::string granularity;
    std::optional<double> sqnrDb; // nullopt: not measured; +inf: identical to fp32
};

struct ProjectRunResult {
    std::map<std::string, ProjectRunLayer> layers; // by node name
    std::vector<std::string> settings;             // human-readable lines
    std::vector<std::string> notes;
    int calibrationSamples = 0;
    bool dataFree = false;
    int evalSamples = 0;
    std::optional<double> outputSqnrDb;
    std::optional<double> agreement;
    double seconds = 0;
    std::map<std::string, std::string> tensorShapes;
    bool stale = false; // the settings changed after this run
};

struct Project {
    // Paths are absolute in memory (resolved against the project's folder when read) and
    // written relative to the project's folder.
    std::string modelPath;
    std::string calibrationPath;
    std::string evaluationPath;
    std::string labelsPath;
    std::string inputName; // empty: the model's first input
    int maxEvalSamples = 32;
    int evalBatch = 4;
    // How a calibration folder of images becomes input, as the GUI's text form by key
    // (height, width, channel_order, scale, mean, std, layout, max_images); the GUI checks the
    // values. Empty: not saved (the GUI keeps its own).
    std::map<std::string, std::string> imageOptions;
    std::vector<std::pair<std::string, std::string>> quantOptions; // ("bits", "8"), ("cle", "")
    std::map<std::string, ProjectNodeOverride> nodeOverrides;
    std::string selectedNode;
    std::optional<ProjectRunResult> run;
    std::optional<std::string> analyzeJson; // the analyze --json object, as text
    std::optional<AnalyzeResult> analyze;   // parsed from analyzeJson
    std::optional<QuantPlan> quantTable;
};

struct ProjectLoad {
    Project project;
    std::vector<std::string> warnings; // one line each, naming the field
    bool modelFound = false;           // project.modelPath exists
};

// projectDir: the folder of the .qsproj (relative paths resolve against it).
std::string projectToJson(const Project& project, const std::string& projectDir);
Result<ProjectLoad> projectFromJson(const std::string& text, const std::string& projectDir);

// Files larger than this are refused before reading (a project is kilobytes to a few MB).
constexpr size_t kMaxProjectFileBytes = size_t(256) << 20;

Result<ProjectLoad> readProjectFile(const std::string& path);
// Atomic write (temporary file + fsync + rename). With keepBackup, an existing file is first
// copied to path + ".bak" (itself written atomically), so the previous version survives.
Status writeProjectFile(const std::string& path, const Project& project, bool keepBackup = true);

// The options with the per-node overrides appended (--float NODE, --layer-bits NODE=N), in the
// form applyQuantOption takes.
std::vector<std::pair<std::string, std::string>> projectQuantOptions(const Project& project);

} // namespace qs
