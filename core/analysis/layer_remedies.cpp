#include "analysis/layer_remedies.h"

#include "analysis/accuracy.h"

namespace qs {

namespace {

Result<OutputScore> scoreOf(const AnalysisSession& session, const Tensor& output,
                            const Tensor* labels) {
    QS_ASSIGN(AccuracyResult a, compareClassifiers(session.reference(), output, labels));
    OutputScore s;
    s.sqnrDb = a.sqnrDb;
    s.agreement = a.agreement;
    s.top1 = a.top1;
    return s;
}

} // namespace

Result<RemedyReport> measureLayerRemedies(const AnalysisSession& session,
                                          const std::vector<std::string>& nodes,
                                          const Tensor* labels, const Progress* cancel) {
    RemedyReport out;
    out.samples = session.samples();
    QS_ASSIGN(out.current, scoreOf(session, session.output(), labels));
    const Graph& graph = session.model().graph;
    for (const std::string& name : nodes) {
        const auto id = graph.findNode(name);
        if (!id) return makeError(ErrorCode::NotFound, "node '", name, "' not found");
        const Node& node = graph.node(*id);
        const TensorQuantEntry* weight =
            node.inputs.size() > 1 && node.inputs[1] != kNoValue
                ? session.plan().tensor(graph.value(node.inputs[1]).name)
                : nullptr;
        if (!weight || !weight->isWeight || weight->params.state != TensorQuantState::Quantized)
            return makeError(ErrorCode::InvalidArgument, "node '", name,
                             "': its weight is not quantized");
        LayerRemedies layer;
        layer.node = name;
        std::vector<std::pair<std::string, LayerChange>> changes;
        if (weight->params.spec.granularity != Granularity::PerChannel) {
            LayerChange c;
            c.node = name;
            c.granularity = Granularity::PerChannel;
            changes.emplace_back("per_channel", c);
        }
        if (weight->params.spec.bits < 16) {
            LayerChange c;
            c.node = name;
            c.weightBits = 16;
            changes.emplace_back("weights_16_bit", c);
        }
        for (const auto& [remedy, change] : changes) {
            if (cancel && cancel->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            QS_ASSIGN(WhatIfResult r, session.whatIf(change, false, cancel));
            QS_ASSIGN(OutputScore score, scoreOf(session, r.output, labels));
            layer.outcomes.push_back(RemedyOutcome{remedy, score});
        }
        out.layers.push_back(std::move(layer));
    }
    return out;
}

} // namespace qs
