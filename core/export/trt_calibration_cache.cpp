#include "export/trt_calibration_cache.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace qs {

std::string float32BitsHex(float value) {
    uint32_t bits = 0;
    static_assert(sizeof bits == sizeof value);
    std::memcpy(&bits, &value, sizeof bits);
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", unsigned(bits));
    return buf;
}

Result<TrtCalibrationCache> tensorRtCalibrationCache(const QuantPlan& plan,
                                                     const std::string& trtVersion) {
    if (trtVersion.empty() || !std::all_of(trtVersion.begin(), trtVersion.end(),
                                           [](char c) { return c >= '0' && c <= '9'; }))
        return makeError(ErrorCode::InvalidArgument, "TensorRT version '", trtVersion,
                         "' is not a number like 8601");
    TrtCalibrationCache out;
    out.text = "TRT-" + trtVersion + "-EntropyCalibration2\n";
    int converted = 0;
    for (const auto& [name, entry] : plan.tensors) {
        if (entry.isWeight || entry.isBias || entry.dynamic) continue;
        const QuantParams* p = plan.effectiveParams(name);
        if (!p || p->scale.empty()) continue;
        if (name.find('\n') != std::string::npos || name.find(": ") != std::string::npos) {
            out.notes.push_back("tensor '" + name +
                                "' skipped: its name cannot be written in the cache's line format");
            continue;
        }
        const QuantSpec& s = p->spec;
        float scale = 0;
        if (s.scheme == QuantScheme::Symmetric && s.isSigned && s.bits == 8 &&
            s.granularity == Granularity::PerTensor && p->scale.size() == 1) {
            scale = p->scale[0]; // already amax / 127
        } else {
            // amax over every channel's clip range; without a range, from scale and codes.
            double amax = 0;
            for (size_t i = 0; i < p->scale.size(); ++i) {
                if (i < p->min.size() && i < p->max.size()) {
                    amax = std::max(
                        {amax, std::fabs(double(p->min[i])), std::fabs(double(p->max[i]))});
                } else {
                    const double z = i < p->zeroPoint.size() ? p->zeroPoint[i] : 0;
                    amax = std::max({amax, std::fabs(p->scale[i] * (s.qmin() - z)),
                                     std::fabs(p->scale[i] * (s.qmax() - z))});
                }
            }
            scale = amax > 0 ? float(amax / 127.0) : 1.0f;
            ++converted;
        }
        if (!(scale > 0) || !std::isfinite(scale)) {
            out.notes.push_back("tensor '" + name + "' skipped: no finite positive scale");
            continue;
        }
        out.text += name + ": " + float32BitsHex(scale) + "\n";
        ++out.tensors;
    }
    if (converted > 0)
        out.notes.push_back(std::to_string(converted) +
                            " activation tensor(s) are not symmetric signed 8-bit in the plan; "
                            "their TensorRT scale is max(|min|, |max|) / 127 of the clip range");
    return out;
}

} // namespace qs
