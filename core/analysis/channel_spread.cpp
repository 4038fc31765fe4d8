#include "analysis/channel_spread.h"

namespace qs {

Result<std::vector<LayerChannelSpread>> channelSpread(const QuantizedModel& m,
                                                      const std::vector<QuantLayerRef>& layers) {
    std::vector<LayerChannelSpread> out;
    for (const QuantLayerRef& l : layers) {
        LayerChannelSpread s;
        s.node = l.name;
        s.op = l.op;
        const Node& node = m.graph.node(l.node);
        auto ranges = [&](const Tensor& w) -> Result<ChannelRanges> {
            auto r = outputChannelRanges(node, w);
            if (!r) return std::move(r.addContext("node " + node.label())).takeError();
            return r;
        };
        QS_ASSIGN(s.weightBeforeBn, ranges(l.weightOriginal));
        QS_ASSIGN(s.weightAfterBn, ranges(l.weightMerged));
        if (m.cle) {
            QS_ASSIGN(ChannelRanges after, ranges(l.weightQuantized));
            s.weightAfterCle = std::move(after);
        }
        s.input = l.input;
        s.output = l.output;
        for (auto [name, slot] :
             {std::pair{l.input, &s.inputRanges}, std::pair{l.output, &s.outputRanges}}) {
            auto c = m.collectors.find(name);
            if (c == m.collectors.end() || !c->second || c->second->channels() == 0) continue;
            *slot = ChannelRanges{c->second->channelMin(), c->second->channelMax()};
        }
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace qs
