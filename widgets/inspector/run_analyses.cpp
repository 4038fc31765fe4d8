#include "run_analyses.h"

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

} // namespace qs
