// .npy reader: any bytes give a tensor whose size matches its shape, or a clean error.
#include "io/npy.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto t = qs::readNpyBytes(data, size);
    if (t) {
        auto numel = qs::checkedNumel(t->shape());
        if (!numel || size_t(*numel) * qs::dataTypeSize(t->dtype()) != t->byteSize()) std::abort();
    } else if (t.message().empty()) {
        std::abort(); // every error says what is wrong
    }
    return 0;
}
