// NumPy .npy (format 1.0/2.0/3.0, little-endian, C order) and ONNX TensorProto .pb files.
#pragma once

#include "ir/tensor.h"
#include "util/atomic_file.h" // writeFileAtomically, used by every writer of io/

#include <string>

namespace qs {

Result<Tensor> readNpy(const std::string& path);
Result<Tensor> readNpyBytes(const void* data, size_t size);
// Written atomically (temporary file + rename).
Status writeNpy(const std::string& path, const Tensor& tensor);

// A serialised onnx.TensorProto (the ONNX backend test data's input_0.pb, output_0.pb).
Result<Tensor> readTensorProtoFile(const std::string& path);
// From bytes in memory; external data is refused (there is no folder to resolve it against).
Result<Tensor> readTensorProtoBytes(const void* data, size_t size);
// .npy or .pb by extension.
Result<Tensor> readTensorFile(const std::string& path);

} // namespace qs
