// Which instruction sets this CPU has, detected once at run time. Fast kernels are compiled
// per function with target attributes and chosen from these flags, so the binary runs on
// any x86-64.
#pragma once

namespace qs {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
    bool avx512bw = false;
    bool avx512vl = false;
    bool avx512vnni = false;
    bool avx512vbmi = false; // vpermb (the int8 depthwise kernel)
    bool avxvnni = false;
};

const CpuFeatures& cpuFeatures();
const char* cpuPathName(); // "avx512", "avx2" or "generic": the best path in use

} // namespace qs
