// TensorRT calibration cache, so a TensorRT user can build an int8 engine from QuantScope's
// calibration without calibrating again. TensorRT's text format (what IInt8EntropyCalibrator2
// writes from writeCalibrationCache and reads back in readCalibrationCache):
//   TRT-<version>-EntropyCalibration2
//   <tensor name>: <8 hex digits>
// one line per activation tensor, the hex digits being the big-endian bit pattern of the
// float32 scale, where TensorRT's int8 is symmetric: scale = amax / 127.
#pragma once

#include "quant/quant_plan.h"

#include <string>
#include <vector>

namespace qs {

struct TrtCalibrationCache {
    std::string text;
    int tensors = 0;
    std::vector<std::string> notes; // conversions made (asymmetric ranges symmetrised, ...)
};

// The 8 lowercase hex digits of a float32's bits: 1.0f -> "3f800000".
std::string float32BitsHex(float value);

// TensorRT 8.6.1 writes "TRT-8601-EntropyCalibration2"; the version only labels the file.
constexpr const char* kDefaultTrtVersion = "8601";

// Every non-weight, non-bias tensor the plan quantizes (own parameters, or a passive tensor's
// source's). A signed symmetric 8-bit per-tensor scale is written as it is; any other
// activation (asymmetric, other bit widths, unsigned) becomes amax / 127 with amax =
// max(|min|, |max|) of its clip range, and says so in notes. Errors: version not a number.
Result<TrtCalibrationCache>
tensorRtCalibrationCache(const QuantPlan& plan, const std::string& trtVersion = kDefaultTrtVersion);

} // namespace qs
