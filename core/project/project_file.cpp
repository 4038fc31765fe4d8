#include "project/project_file.h"

#include "quant/quant_config.h"
#include "util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace qs {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Deeper nesting than any project has; checked on the text before parsing so that no
// recursive walk (dump, the quant-table reader) ever sees a hostile depth.
constexpr int kMaxNesting = 64;

bool nestingWithin(const std::string& text, int limit) {
    int depth = 0;
    bool inString = false, escaped = false;
    for (char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

// Qt resource paths (":/examples/...", the GUI's bundled example) are kept as they are.
bool isResourcePath(const std::string& path) {
    return path.rfind(":/", 0) == 0;
}

std::string toStored(const std::string& path, const std::string& projectDir) {
    if (path.empty() || isResourcePath(path)) return path;
    std::error_code ec;
    const fs::path p = fs::absolute(fs::path(path), ec);
    if (ec || projectDir.empty()) return fs::path(path).generic_string();
    const fs::path rel =
        p.lexically_normal().lexically_relative(fs::path(projectDir).lexically_normal());
    return rel.empty() ? p.generic_string() : rel.generic_string();
}

std::string fromStored(const std::string& stored, const std::string& projectDir) {
    if (stored.empty() || isResourcePath(stored)) return stored;
    const fs::path p(stored);
    if (p.is_absolute() || projectDir.empty()) return p.lexically_normal().string();
    return (fs::path(projectDir) / p).lexically_normal().string();
}

bool fileExists(const std::string& path) {
    std::error_code ec;
    return !path.empty() && fs::is_regular_file(path, ec);
}

// JSON has no infinity; an SQNR of an exact layer is +inf, written as the string "inf".
json optNumber(const std::optional<double>& v) {
    if (!v || std::isnan(*v)) return json(nullptr);
    if (std::isinf(*v)) return json(*v > 0 ? "inf" : "-inf");
    return json(*v);
}

// Reads fields of one object, collecting a warning for each field that is present but wrong.
class FieldReader {
public:
    FieldReader(const json& object, std::string where, std::vector<std::string>& warnings)
        : m_j(object)
        , m_where(std::move(where))
        , m_warnings(warnings) {}

    std::string name(const char* key) const {
        return m_where.empty() ? std::string(key) : m_where + "." + key;
    }
    void warn(const std::string& field, const std::string& what) const {
        m_warnings.push_back(field + ": " + what);
    }
    bool has(const char* key) const { return m_j.contains(key); }

    void string(const char* key, std::string& out) const {
        if (!has(key)) return;
        if (m_j[key].is_string())
            out = m_j[key].get<std::string>();
        else
            warn(name(key), "expected a string; ignored");
    }
    void boolean(const char* key, bool& out) const {
        if (!has(key)) return;
        if (m_j[key].is_boolean())
            out = m_j[key].get<bool>();
        else
            warn(name(key), "expected true or false; ignored");
    }
    void integer(const char* key, int& out, int lo, int hi) const {
        if (!has(key)) return;
        const json& v = m_j[key];
        if (!v.is_number_integer()) {
            warn(name(key), "expected an integer; ignored");
            return;
        }
        const int64_t x = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)
                              ? INT64_MAX
                              : v.get<int64_t>();
        if (x < lo || x > hi) {
            warn(name(key), "value " + std::to_string(x) + " outside " + std::to_string(lo) + ".." +
                                std::to_string(hi) + "; ignored");
            return;
        }
        out = int(x);
    }
    // A finite number or null (= not measured).
    void number(const char* key, std::optional<double>& out) const {
        if (!has(key) || m_j[key].is_null()) return;
        const json& v = m_j[key];
        if (v.is_number() && std::isfinite(v.get<double>()))
            out = v.get<double>();
        else if (v == "inf" || v == "-inf")
            out = v == "inf" ? HUGE_VAL : -HUGE_VAL;
        else
            warn(name(key), "expected a number, \"inf\" or null; ignored");
    }
    void number(const char* key, double& out) const {
        std::optional<double> v;
        number(key, v);
        if (v) out = *v;
    }
    void strings(const char* key, std::vector<std::string>& out) const {
        if (!has(key)) return;
        if (!m_j[key].is_array()) {
            warn(name(key), "expected an array of strings; ignored");
            return;
        }
        size_t i = 0;
        for (const json& s : m_j[key]) {
            if (s.is_string())
                out.push_back(s.get<std::string>());
            else
                warn(name(key) + "[" + std::to_string(i) + "]", "expected a string; ignored");
            ++i;
        }
    }
    // The sub-object, or nullptr (with a warning when present but not an object).
    const json* object(const char* key) const {
        if (!has(key)) return nullptr;
        if (m_j[key].is_object()) return &m_j[key];
        warn(name(key), "expected an object; ignored");
        return nullptr;
    }

private:
    const json& m_j;
    std::string m_where;
    std::vector<std::string>& m_warnings;
};

json runToJson(const ProjectRunResult& r) {
    json layers = json::object();
    for (const auto& [node, l] : r.layers)
        layers[node] = json{{"op", l.op},
                            {"in_plan", l.inPlan},
                            {"quantized", l.quantized},
                            {"bits", l.bits},
                            {"scheme", l.scheme},
                            {"granularity", l.granularity},
                            {"sqnr_db", optNumber(l.sqnrDb)}};
    return json{{"layers", layers},
                {"settings", r.settings},
                {"notes", r.notes},
                {"calibration_samples", r.calibrationSamples},
                {"data_free", r.dataFree},
                {"eval_samples", r.evalSamples},
                {"output_sqnr_db", optNumber(r.outputSqnrDb)},
                {"agreement", optNumber(r.agreement)},
                {"seconds", std::isfinite(r.seconds) ? r.seconds : 0.0},
                {"tensor_shapes", r.tensorShapes},
                {"stale", r.stale}};
}

ProjectRunResult runFromJson(const json& j, std::vector<std::string>& warnings) {
    ProjectRunResult r;
    const FieldReader f(j, "results.run", warnings);
    if (const json* layers = f.object("layers")) {
        for (const auto& [node, l] : layers->items()) {
            const std::string where = "results.run.layers." + node;
            if (!l.is_object()) {
                warnings.push_back(where + ": expected an object; ignored");
                continue;
            }
            const FieldReader lf(l, where, warnings);
            ProjectRunLayer layer;
            lf.string("op", layer.op);
            lf.boolean("in_plan", layer.inPlan);
            lf.boolean("quantized", layer.quantized);
            lf.integer("bits", layer.bits, 0, 32);
            lf.string("scheme", layer.scheme);
            lf.string("granularity", layer.granularity);
            lf.number("sqnr_db", layer.sqnrDb);
            r.layers[node] = std::move(layer);
        }
    }
    f.strings("settings", r.settings);
    f.strings("notes", r.notes);
    f.integer("calibration_samples", r.calibrationSamples, 0, 1 << 30);
    f.boolean("data_free", r.dataFree);
    f.integer("eval_samples", r.evalSamples, 0, 1 << 30);
    f.number("output_sqnr_db", r.outputSqnrDb);
    f.number("agreement", r.agreement);
    f.number("seconds", r.seconds);
    if (!std::isfinite(r.seconds) || r.seconds < 0) r.seconds = 0;
    f.boolean("stale", r.stale);
    if (const json* shapes = f.object("tensor_shapes"))
        for (const auto& [name, s] : shapes->items()) {
            if (s.is_string())
                r.tensorShapes[name] = s.get<std::string>();
            else
                warnings.push_back("results.run.tensor_shapes." + name +
                                   ": expected a string; ignored");
        }
    return r;
}

} // namespace

std::vector<std::pair<std::string, std::string>> projectQuantOptions(const Project& project) {
    auto out = project.quantOptions;
    for (const auto& [node, o] : project.nodeOverrides) {
        if (o.keepFloat) out.emplace_back("float", node);
        if (o.bits > 0) out.emplace_back("layer-bits", node + "=" + std::to_string(o.bits));
    }
    return out;
}

std::string projectToJson(const Project& p, const std::string& projectDir) {
    json options = json::array();
    for (const auto& [name, value] : p.quantOptions) options.push_back(json::array({name, value}));
    json overrides = json::object();
    for (const auto& [node, o] : p.nodeOverrides) {
        json e = json::object();
        if (o.keepFloat) e["float"] = true;
        if (o.bits > 0) e["bits"] = o.bits;
        overrides[node] = e;
    }
    json model{{"path", toStored(p.modelPath, projectDir)}};
    if (fs::path(p.modelPath).is_absolute())
        model["absolute_path"] = fs::path(p.modelPath).lexically_normal().generic_string();
    json results = json::object();
    if (p.run) results["run"] = runToJson(*p.run);
    if (p.analyzeJson) {
        json a = json::parse(*p.analyzeJson, nullptr, false);
        if (!a.is_discarded() && a.is_object()) results["analyze"] = std::move(a);
    }
    if (p.quantTable) results["quant_table"] = json::parse(quantPlanToJson(*p.quantTable));
    json preprocessing{{"input_name", p.inputName},
                       {"max_eval_samples", p.maxEvalSamples},
                       {"eval_batch", p.evalBatch}};
    if (!p.imageOptions.empty()) {
        json image = json::object();
        for (const auto& [key, value] : p.imageOptions) image[key] = value;
        preprocessing["image"] = std::move(image);
    }
    const json root{{"signature", kProjectSignature},
                    {"format_version", kProjectFormatVersion},
                    {"model", model},
                    {"data",
                     {{"calibration", toStored(p.calibrationPath, projectDir)},
                      {"evaluation", toStored(p.evaluationPath, projectDir)},
                      {"labels", toStored(p.labelsPath, projectDir)}}},
                    {"preprocessing", preprocessing},
                    {"quant_options", options},
                    {"node_overrides", overrides},
                    {"gui", {{"selected_node", p.selectedNode}}},
                    {"results", results}};
    return root.dump(1) + "\n";
}

Result<ProjectLoad> projectFromJson(const std::string& text, const std::string& projectDir) {
    if (!nestingWithin(text, kMaxNesting))
        return makeError(ErrorCode::ParseError, "nested deeper than ", kMaxNesting,
                         " levels; not a QuantScope project");
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded())
        return makeError(ErrorCode::ParseError, "not valid JSON (truncated or corrupt)");
    if (!j.is_object()) return makeError(ErrorCode::ParseError, "not a JSON object");
    ProjectLoad load;
    std::vector<std::string>& w = load.warnings;
    if (!j.contains("format_version"))
        return makeError(ErrorCode::ParseError,
                         "format_version: missing; not a QuantScope project");
    if (!j["format_version"].is_number_integer() || j["format_version"].get<int64_t>() < 1)
        return makeError(ErrorCode::ParseError, "format_version: expected a positive integer");
    const int64_t version = j["format_version"].get<int64_t>();
    if (version > kProjectFormatVersion)
        w.push_back("format_version: " + std::to_string(version) +
                    " is newer than this QuantScope reads (" +
                    std::to_string(kProjectFormatVersion) + "); unknown fields are ignored");
    if (!j.contains("signature") || !j["signature"].is_string() ||
        j["signature"].get<std::string>() != kProjectSignature)
        w.push_back(std::string("signature: expected \"") + kProjectSignature + "\"");

    const FieldReader root(j, "", w);
    Project& p = load.project;
    if (const json* model = root.object("model")) {
        const FieldReader m(*model, "model", w);
        std::string stored, absolute;
        m.string("path", stored);
        m.string("absolute_path", absolute);
        p.modelPath = fromStored(stored, projectDir);
        // The project was moved without its model: the absolute path may still be right.
        if (!fileExists(p.modelPath) && fileExists(absolute)) {
            w.push_back("model.path: '" + stored + "' not found next to the project; using " +
                        absolute);
            p.modelPath = fs::path(absolute).lexically_normal().string();
        }
    } else if (!root.has("model")) {
        w.push_back("model: missing");
    }
    if (const json* data = root.object("data")) {
        const FieldReader d(*data, "data", w);
        std::string calib, eval, labels;
        d.string("calibration", calib);
        d.string("evaluation", eval);
        d.string("labels", labels);
        p.calibrationPath = fromStored(calib, projectDir);
        p.evaluationPath = fromStored(eval, projectDir);
        p.labelsPath = fromStored(labels, projectDir);
    }
    if (const json* pre = root.object("preprocessing")) {
        const FieldReader f(*pre, "preprocessing", w);
        f.string("input_name", p.inputName);
        f.integer("max_eval_samples", p.maxEvalSamples, 0, 1 << 30);
        f.integer("eval_batch", p.evalBatch, 1, 1 << 20);
        if (const json* image = f.object("image"))
            for (const auto& [key, value] : image->items()) {
                if (value.is_string())
                    p.imageOptions[key] = value.get<std::string>();
                else
                    f.warn(f.name("image") + "." + key, "expected a string; ignored");
            }
    }
    // Options are checked by core's own parser: what it refuses is dropped, by name.
    if (root.has("quant_options")) {
        if (!j["quant_options"].is_array()) {
            w.push_back("quant_options: expected an array of [name, value] pairs; ignored");
        } else {
            QuantConfig scratch;
            size_t i = 0;
            for (const json& o : j["quant_options"]) {
                const std::string where = "quant_options[" + std::to_string(i++) + "]";
                if (!o.is_array() || o.size() != 2 || !o[0].is_string() || !o[1].is_string()) {
                    w.push_back(where + ": expected [name, value] strings; ignored");
                    continue;
                }
                const std::string name = o[0].get<std::string>(), value = o[1].get<std::string>();
                if (Status st = applyQuantOption(scratch, name, value); !st) {
                    w.push_back(where + ": " +
                                (st.code() == ErrorCode::NotFound ? "unknown option '" + name + "'"
                                                                  : st.message()) +
                                "; ignored");
                    continue;
                }
                p.quantOptions.emplace_back(name, value);
            }
        }
    }
    if (const json* overrides = root.object("node_overrides")) {
        for (const auto& [node, o] : overrides->items()) {
            const std::string where = "node_overrides." + node;
            if (!o.is_object()) {
                w.push_back(where + ": expected an object; ignored");
                continue;
            }
            const FieldReader f(o, where, w);
            ProjectNodeOverride ov;
            f.boolean("float", ov.keepFloat);
            int bits = 0;
            f.integer("bits", bits, 0, 64);
            if (bits > 0) {
                QuantConfig scratch;
                if (Status st =
                        applyQuantOption(scratch, "layer-bits", node + "=" + std::to_string(bits));
                    !st)
                    w.push_back(where + ".bits: " + st.message() + "; ignored");
                else
                    ov.bits = bits;
            }
            if (ov.keepFloat || ov.bits > 0) p.nodeOverrides[node] = ov;
        }
    }
    if (const json* gui = root.object("gui"))
        FieldReader(*gui, "gui", w).string("selected_node", p.selectedNode);
    if (const json* results = root.object("results")) {
        const FieldReader r(*results, "results", w);
        if (const json* run = r.object("run")) p.run = runFromJson(*run, w);
        if (const json* analyze = r.object("analyze")) {
            std::string textOf = analyze->dump();
            auto parsed = analyzeResultFromJson(textOf);
            if (parsed) {
                p.analyze = std::move(parsed).value();
                p.analyzeJson = std::move(textOf);
            } else {
                w.push_back("results.analyze: " + parsed.message() + "; ignored");
            }
        }
        if (const json* table = r.object("quant_table")) {
            auto parsed = quantPlanFromJson(table->dump());
            if (parsed)
                p.quantTable = std::move(parsed).value();
            else
                w.push_back("results.quant_table: " + parsed.message() + "; ignored");
        }
    }
    load.modelFound = fileExists(p.modelPath);
    return load;
}

Result<ProjectLoad> readProjectFile(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return makeError(ErrorCode::IoError, "file ", path, ": cannot read: ", ec.message());
    if (size > kMaxProjectFileBytes)
        return makeError(ErrorCode::ResourceLimit, "file ", path, ": ", size,
                         " bytes; a project is at most ", kMaxProjectFileBytes);
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::IoError, "file ", path, ": cannot open");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return makeError(ErrorCode::IoError, "file ", path, ": read failed");
    const std::string dir = fs::absolute(fs::path(path), ec).parent_path().string();
    auto load = projectFromJson(text, dir);
    load.addContext("file " + path);
    return load;
}

Status writeProjectFile(const std::string& path, const Project& project, bool keepBackup) {
    std::error_code ec;
    const std::string dir = fs::absolute(fs::path(path), ec).parent_path().string();
    const std::string text = projectToJson(project, dir);
    if (keepBackup && fs::is_regular_file(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        const std::string old((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
        if (!in.bad()) QS_TRY(writeFileAtomically(path + ".bak", old));
    }
    return writeFileAtomically(path, text);
}

} // namespace qs
