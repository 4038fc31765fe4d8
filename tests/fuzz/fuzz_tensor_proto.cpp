// ONNX TensorProto reader (.pb inputs and outputs, the same code reads initializers).
#include "io/npy.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto t = qs::readTensorProtoBytes(data, size);
    if (t) {
        auto numel = qs::checkedNumel(t->shape());
        if (!numel || size_t(*numel) * qs::dataTypeSize(t->dtype()) != t->byteSize()) std::abort();
    } else if (t.message().empty()) {
        std::abort();
    }
    return 0;
}
