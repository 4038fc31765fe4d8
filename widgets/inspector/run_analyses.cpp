#include "run_analyses.h"

#include <cstring>

namespace qs {

Status fillLayerAnalyses(RunAnalyses& out, const QuantizedModel& model,
                         const std::vector<QuantLayerRef>& layers,
                         const OutlierOptions& outlierOptions) {
    out.configuredWeightBits = model.config.weight.bits;
    out.layers.clear();
    for (const QuantLayerRef& l : layers) {
        LayerInfo info{l.name, l.op, l.weight, l.batchNorm, l.depthwise, 0};
        if (l.weightMerged.rank() > 0) info.channels = l.weightMerged.dim(l.channelAxis);
        out.layers.push_back(std::move(info));
    }
    for (const FoldedBatchNorm& f : model.folds) {
        out.bnFactor[f.targetNode] = f.factor;
        out.foldedInto[f.batchNormNode] = f.targetNode;
    }
    QS_ASSIGN(out.outliers, analyzeWeightOutliers(layers, outlierOptions));
    QS_ASSIGN(out.histograms, layerHistograms(model, layers));
    QS_ASSIGN(out.spread, channelSpread(model, layers));
    out.size = quantizedModelSize(model);
    return {};
}

Status measureReportRemedies(RunAnalyses& out, const QuantizedModel& model, const Tensor& data,
                             const Tensor* labels, const std::string& inputName, int threads,
                             int topLayers, int64_t maxSamples, const Progress* cancel) {
    std::vector<std::string> nodes;
    for (size_t l : out.mostSensitive(topLayers)) nodes.push_back(out.layers[l].node);
    if (nodes.empty()) return {};
    AnalysisSessionOptions options;
    options.threads = threads;
    options.batchSize = 4;   // every value of a batch is cached twice
    options.cancel = cancel; // with AdaRound, each remedy re-learns its layer: seconds
    QS_ASSIGN(auto session,
              AnalysisSession::create(model, data.firstRows(maxSamples), inputName, options));
    std::optional<Tensor> someLabels;
    if (labels) someLabels = labels->firstRows(maxSamples);
    QS_ASSIGN(out.remedies,
              measureLayerRemedies(*session, nodes, someLabels ? &*someLabels : nullptr, cancel));
    return {};
}

} // namespace qs
