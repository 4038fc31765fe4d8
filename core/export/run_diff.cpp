#include "export/run_diff.h"

#include "project/project_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace qs {

using nlohmann::json;

Result<RunSnapshot> readRunSnapshot(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::IoError, "file ", path, ": cannot open");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return makeError(ErrorCode::ParseError, "file ", path, ": not a JSON object");
    RunSnapshot s;
    s.source = path;
    if (j.contains("format_version")) {
        QS_ASSIGN(ProjectLoad load, readProjectFile(path));
        s.analyze = load.project.analyze;
        s.plan = load.project.quantTable;
        s.run = load.project.run;
        if (!s.analyze && !s.plan && !s.run)
            return makeError(ErrorCode::NotFound, "file ", path,
                             ": the project holds no results (no run, analysis or table)");
        // The project's own settings, in command-line form.
        s.settings = projectQuantOptions(load.project);
        s.model = std::filesystem::path(load.project.modelPath).filename().string();
        if (s.analyze && s.analyze->model.empty()) s.analyze->model = s.model;
    } else if (j.contains("layers")) {
        auto a = analyzeResultFromJson(text);
        if (!a) return std::move(a.addContext("file " + path)).takeError();
        s.analyze = std::move(a).value();
    } else if (j.contains("tensors")) {
        auto p = quantPlanFromJson(text);
        if (!p) return std::move(p.addContext("file " + path)).takeError();
        s.plan = std::move(p).value();
    } else {
        return makeError(ErrorCode::ParseError, "file ", path,
                         ": neither an analyze JSON (layers), a quant_table.json (tensors) nor a "
                         "project (format_version)");
    }
    if (s.model.empty()) s.model = s.analyze ? s.analyze->model : s.plan->model;
    if (s.model.empty() && s.plan) s.model = s.plan->model;
    if (s.settings.empty())
        s.settings = s.analyze && !s.analyze->settings.empty() ? s.analyze->settings
                     : s.plan                                  ? s.plan->settings
                                                               : s.settings;
    return s;
}

namespace {

std::optional<double> maxScaleRatio(const QuantParams& a, const QuantParams& b) {
    if (a.scale.empty() || a.scale.size() != b.scale.size()) return std::nullopt;
    double worst = 1.0;
    for (size_t i = 0; i < a.scale.size(); ++i) {
        const double x = a.scale[i], y = b.scale[i];
        if (!(x > 0) || !(y > 0)) return std::nullopt;
        worst = std::max(worst, std::max(x / y, y / x));
    }
    return worst;
}

std::string granularityText(const QuantSpec& s) {
    return s.granularity == Granularity::PerGroup ? "group:" + std::to_string(s.groupSize)
                                                  : std::string(granularityName(s.granularity));
}

json opt(const std::optional<double>& v) {
    return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}
json opt(const std::optional<int>& v) {
    return v ? json(*v) : json(nullptr);
}
json opt(const std::optional<bool>& v) {
    return v ? json(*v) : json(nullptr);
}

} // namespace

RunDiff diffRuns(const RunSnapshot& a, const RunSnapshot& b) {
    RunDiff d;
    d.sourceA = a.source;
    d.sourceB = b.source;
    d.modelA = a.model;
    d.modelB = b.model;
    d.sameModel = a.model == b.model;
    // Settings: a key may repeat (--float); compare the joined values.
    auto joined = [](const std::vector<std::pair<std::string, std::string>>& s) {
        std::map<std::string, std::string> m;
        for (const auto& [k, v] : s) m[k] += (m.count(k) ? "," : "") + v;
        return m;
    };
    const auto sa = joined(a.settings), sb = joined(b.settings);
    std::set<std::string> keys;
    for (const auto& [k, v] : sa) keys.insert(k);
    for (const auto& [k, v] : sb) keys.insert(k);
    for (const std::string& k : keys) {
        const std::string va = sa.count(k) ? sa.at(k) : "", vb = sb.count(k) ? sb.at(k) : "";
        if (va != vb) d.settings.push_back({k, va, vb});
    }
    // Layers: the analysis rows, else the plan's weighted nodes; A's order first.
    std::vector<std::string> order;
    std::set<std::string> seen;
    auto collect = [&](const RunSnapshot& s) {
        if (s.analyze)
            for (const AnalyzeLayerRow& r : s.analyze->layers)
                if (seen.insert(r.node).second) order.push_back(r.node);
        if (s.plan)
            for (const auto& [name, n] : s.plan->nodes)
                if (n.rule == OpQuantRule::Weighted && seen.insert(name).second)
                    order.push_back(name);
        if (s.run)
            for (const auto& [name, l] : s.run->layers)
                if (l.inPlan && seen.insert(name).second) order.push_back(name);
    };
    collect(a);
    collect(b);
    for (const std::string& node : order) {
        LayerDiff l;
        l.node = node;
        auto fill = [&](const RunSnapshot& s, bool& in, std::optional<int>& bits,
                        std::optional<bool>& quantized, std::optional<double>& sqnr,
                        std::optional<int>& rank, std::optional<int>& suggested,
                        std::optional<double>& runSqnr) {
            if (s.run)
                if (auto it = s.run->layers.find(node); it != s.run->layers.end()) {
                    in = true;
                    l.op = it->second.op;
                    bits = it->second.bits;
                    quantized = it->second.quantized;
                    runSqnr = it->second.sqnrDb;
                }
            if (s.analyze)
                if (const AnalyzeLayerRow* r = s.analyze->layer(node)) {
                    in = true;
                    l.op = r->op;
                    sqnr = r->sqnrDb;
                    rank = r->sensitivityRank;
                    suggested = r->suggestedBits;
                }
            if (s.plan)
                if (auto it = s.plan->nodes.find(node); it != s.plan->nodes.end()) {
                    in = true;
                    if (l.op.empty()) l.op = it->second.op;
                    bits = it->second.bits;
                    quantized = it->second.quantized;
                }
        };
        fill(a, l.inA, l.bitsA, l.quantizedA, l.sqnrDbA, l.sensitivityRankA, l.suggestedBitsA,
             l.runSqnrDbA);
        fill(b, l.inB, l.bitsB, l.quantizedB, l.sqnrDbB, l.sensitivityRankB, l.suggestedBitsB,
             l.runSqnrDbB);
        d.layers.push_back(std::move(l));
    }
    if (a.plan && b.plan) {
        std::set<std::string> names;
        for (const auto& [n, e] : a.plan->tensors) names.insert(n);
        for (const auto& [n, e] : b.plan->tensors) names.insert(n);
        for (const std::string& n : names) {
            const TensorQuantEntry* ea = a.plan->tensor(n);
            const TensorQuantEntry* eb = b.plan->tensor(n);
            TensorDiff t;
            t.tensor = n;
            auto describe = [](const TensorQuantEntry* e, std::string& state, int& bits,
                               std::string& scheme, std::string& gran) {
                if (!e) {
                    state = "absent";
                    return;
                }
                state = tensorQuantStateName(e->params.state);
                if (e->params.state == TensorQuantState::Float) return;
                bits = e->params.spec.bits;
                scheme = quantSchemeName(e->params.spec.scheme);
                gran = granularityText(e->params.spec);
            };
            describe(ea, t.stateA, t.bitsA, t.schemeA, t.granularityA);
            describe(eb, t.stateB, t.bitsB, t.schemeB, t.granularityB);
            if (ea && eb) t.maxScaleRatio = maxScaleRatio(ea->params, eb->params);
            const bool same = t.stateA == t.stateB && t.bitsA == t.bitsB &&
                              t.schemeA == t.schemeB && t.granularityA == t.granularityB &&
                              (!t.maxScaleRatio || *t.maxScaleRatio <= 1.0 + 1e-6) &&
                              (t.maxScaleRatio || !ea || !eb ||
                               ea->params.scale.size() == eb->params.scale.size());
            if (!same) d.tensors.push_back(std::move(t));
        }
    }
    if (a.analyze) {
        d.top1A = a.analyze->accuracyTop1;
        d.sqnrDbA = a.analyze->accuracySqnrDb;
    }
    if (b.analyze) {
        d.top1B = b.analyze->accuracyTop1;
        d.sqnrDbB = b.analyze->accuracySqnrDb;
    }
    if (a.run) {
        d.runOutputSqnrDbA = a.run->outputSqnrDb;
        d.runAgreementA = a.run->agreement;
    }
    if (b.run) {
        d.runOutputSqnrDbB = b.run->outputSqnrDb;
        d.runAgreementB = b.run->agreement;
    }
    return d;
}

std::string runDiffToJson(const RunDiff& d) {
    json settings = json::array();
    for (const SettingDiff& s : d.settings)
        settings.push_back(json{{"key", s.key}, {"a", s.a}, {"b", s.b}});
    json layers = json::array();
    for (const LayerDiff& l : d.layers)
        layers.push_back(json{{"node", l.node},
                              {"op", l.op},
                              {"in_a", l.inA},
                              {"in_b", l.inB},
                              {"bits_a", opt(l.bitsA)},
                              {"bits_b", opt(l.bitsB)},
                              {"quantized_a", opt(l.quantizedA)},
                              {"quantized_b", opt(l.quantizedB)},
                              {"sqnr_db_a", opt(l.sqnrDbA)},
                              {"sqnr_db_b", opt(l.sqnrDbB)},
                              {"sqnr_db_delta", opt(l.sqnrDbDelta())},
                              {"sensitivity_rank_a", opt(l.sensitivityRankA)},
                              {"sensitivity_rank_b", opt(l.sensitivityRankB)},
                              {"suggested_bits_a", opt(l.suggestedBitsA)},
                              {"suggested_bits_b", opt(l.suggestedBitsB)},
                              {"run_sqnr_db_a", opt(l.runSqnrDbA)},
                              {"run_sqnr_db_b", opt(l.runSqnrDbB)}});
    json tensors = json::array();
    for (const TensorDiff& t : d.tensors)
        tensors.push_back(json{{"tensor", t.tensor},
                               {"state_a", t.stateA},
                               {"state_b", t.stateB},
                               {"bits_a", t.bitsA},
                               {"bits_b", t.bitsB},
                               {"scheme_a", t.schemeA},
                               {"scheme_b", t.schemeB},
                               {"granularity_a", t.granularityA},
                               {"granularity_b", t.granularityB},
                               {"max_scale_ratio", opt(t.maxScaleRatio)}});
    const json out{{"a", {{"source", d.sourceA}, {"model", d.modelA}}},
                   {"b", {{"source", d.sourceB}, {"model", d.modelB}}},
                   {"same_model", d.sameModel},
                   {"settings", settings},
                   {"layers", layers},
                   {"tensors", tensors},
                   {"accuracy",
                    {{"top1_a", opt(d.top1A)},
                     {"top1_b", opt(d.top1B)},
                     {"sqnr_db_a", opt(d.sqnrDbA)},
                     {"sqnr_db_b", opt(d.sqnrDbB)},
                     {"run_output_sqnr_db_a", opt(d.runOutputSqnrDbA)},
                     {"run_output_sqnr_db_b", opt(d.runOutputSqnrDbB)},
                     {"run_agreement_a", opt(d.runAgreementA)},
                     {"run_agreement_b", opt(d.runAgreementB)}}}};
    return out.dump(1) + "\n";
}

} // namespace qs
