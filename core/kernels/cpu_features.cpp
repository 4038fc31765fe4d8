#include "kernels/cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace qs {

const CpuFeatures& cpuFeatures() {
    static const CpuFeatures features = [] {
        CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_cpu_init();
        f.avx2 = __builtin_cpu_supports("avx2");
        f.fma = __builtin_cpu_supports("fma");
        f.avx512f = __builtin_cpu_supports("avx512f");
        f.avx512bw = __builtin_cpu_supports("avx512bw");
        f.avx512vl = __builtin_cpu_supports("avx512vl");
        f.avx512vnni = __builtin_cpu_supports("avx512vnni");
        f.avx512vbmi = __builtin_cpu_supports("avx512vbmi");
#endif
        // QUANTSCOPE_CPU=generic|avx2 caps the paths (for testing the fallbacks).
        if (const char* cap = std::getenv("QUANTSCOPE_CPU")) {
            if (!std::strcmp(cap, "generic"))
                f = CpuFeatures{};
            else if (!std::strcmp(cap, "avx2"))
                f.avx512f = f.avx512bw = f.avx512vl = f.avx512vnni = f.avx512vbmi = false;
        }
        return f;
    }();
    return features;
}

const char* cpuPathName() {
    const CpuFeatures& f = cpuFeatures();
    if (f.avx512f && f.avx512bw && f.avx512vl) return "avx512";
    if (f.avx2 && f.fma) return "avx2";
    return "generic";
}

} // namespace qs
