// The instruction-set path of a fast kernel: chosen once from cpuFeatures() (which honours
// QUANTSCOPE_CPU=generic|avx2), or explicitly by tests that compare every path with a reference.
#pragma once

#include "kernels/cpu_features.h"

#include <cstdint>

namespace qs {

enum class SimdPath : uint8_t { Generic, Avx2, Avx512 };

// Whether this CPU can run the path (Generic always can). AVX2 includes FMA; the AVX-512
// kernels use AVX512F only.
inline bool simdPathSupported(SimdPath path) {
    const CpuFeatures& f = cpuFeatures();
    switch (path) {
    case SimdPath::Avx512:
        return f.avx512f;
    case SimdPath::Avx2:
        return f.avx2 && f.fma;
    case SimdPath::Generic:
        return true;
    }
    return false;
}

// The fastest supported path.
inline SimdPath bestSimdPath() {
    if (simdPathSupported(SimdPath::Avx512)) return SimdPath::Avx512;
    if (simdPathSupported(SimdPath::Avx2)) return SimdPath::Avx2;
    return SimdPath::Generic;
}

inline const char* simdPathName(SimdPath path) {
    switch (path) {
    case SimdPath::Avx512:
        return "avx512";
    case SimdPath::Avx2:
        return "avx2";
    case SimdPath::Generic:
        return "generic";
    }
    return "?";
}

} // namespace qs
