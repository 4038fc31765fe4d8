// What a remedy for one layer would recover, measured: for each named layer, the output of the
// model with only that layer changed — its weights per channel (when they are not already) and
// its weights at 16 bits — against fp32, next to the current plan's. Run on a what-if session
// (only the layer's downstream cone is re-run from cached activations), so a handful of layers
// costs a fraction of a model run each. What the report's findings quote as "per-channel weights
// recover Y points".
#pragma once

#include "analysis/analysis_session.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

struct OutputScore {
    double sqnrDb = 0.0;    // first output against fp32; +inf when exact
    double agreement = 0.0; // fraction of samples whose arg-max equals fp32's
    std::optional<double> top1;
};

struct RemedyOutcome {
    std::string remedy; // "per_channel" | "weights_16_bit"
    OutputScore score;
};

struct LayerRemedies {
    std::string node;
    std::vector<RemedyOutcome> outcomes;
};

struct RemedyReport {
    int64_t samples = 0;
    OutputScore current; // the session's plan as it is
    std::vector<LayerRemedies> layers;
};

// nodes: weighted nodes of the session's model; labels: the session's samples' labels or null.
// A node the plan does not quantize is an error naming it. cancel (optional): polled before each
// remedy and per node of its cone run (else the session's own cancel is): Cancelled.
Result<RemedyReport> measureLayerRemedies(const AnalysisSession& session,
                                          const std::vector<std::string>& nodes,
                                          const Tensor* labels, const Progress* cancel = nullptr);

} // namespace qs
