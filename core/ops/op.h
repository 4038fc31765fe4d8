// The op interface. An op is one OpDef: its shape/type inference and its fp32 (and other)
// kernel, declared together in one file under core/ops and listed once in op_registry.cpp.
//
// The executor calls infer() before every run of a node (cheap), allocates nothing itself,
// and then calls the kernel; the kernel allocates its outputs from the inferred infos with
// KernelContext::allocateOutput(i), so shape logic lives in exactly one place.
#pragma once

#include "ir/graph.h"
#include "util/thread_pool.h"

#include <memory>
#include <string_view>

namespace qs {

// Read access to a node's attributes with defaults and typed errors.
class NodeAttributes {
public:
    explicit NodeAttributes(const Node& node)
        : m_node(&node) {}
    const Node& node() const { return *m_node; }
    bool has(const std::string& key) const { return m_node->attribute(key) != nullptr; }
    int64_t getInt(const std::string& key, int64_t fallback) const;
    float getFloat(const std::string& key, float fallback) const;
    std::string getString(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> getInts(const std::string& key,
                                 const std::vector<int64_t>& fallback = {}) const;
    std::vector<float> getFloats(const std::string& key,
                                 const std::vector<float>& fallback = {}) const;
    const Tensor* getTensor(const std::string& key) const;

private:
    const Node* m_node;
};

// What infer() sees: input infos, and input values where they are known (always at run
// time; at static shape-inference time only for constants and folded shape arithmetic).
class InferContext : public NodeAttributes {
public:
    InferContext(const Node& node, int64_t opset, std::vector<const TensorInfo*> inputInfos,
                 std::vector<const Tensor*> inputValues)
        : NodeAttributes(node)
        , m_opset(opset)
        , m_inputInfos(std::move(inputInfos))
        , m_inputValues(std::move(inputValues))
        , m_outputs(node.outputs.size()) {}

    int64_t opset() const { return m_opset; }
    int numInputs() const { return int(m_inputInfos.size()); }
    int numOutputs() const { return int(m_outputs.size()); }
    // False for an omitted optional input (empty name) or an index past the end.
    bool hasInput(int i) const { return i < numInputs() && m_inputInfos[size_t(i)] != nullptr; }
    const TensorInfo& inputInfo(int i) const { return *m_inputInfos[size_t(i)]; }
    DataType inputType(int i) const { return m_inputInfos[size_t(i)]->dtype; }
    const Shape& inputShape(int i) const { return m_inputInfos[size_t(i)]->shape; }
    // The input's value if known, else nullptr. Ops that need a value (Reshape's shape)
    // return ErrorCode::Unsupported-free "unknown" via unknownValue() when it is absent.
    const Tensor* inputValue(int i) const {
        return hasInput(i) ? m_inputValues[size_t(i)] : nullptr;
    }

    void setOutput(int i, DataType dtype, Shape shape) {
        m_outputs[size_t(i)] = TensorInfo{dtype, std::move(shape), true};
    }
    const TensorInfo& outputInfo(int i) const { return m_outputs[size_t(i)]; }
    std::vector<TensorInfo>& outputs() { return m_outputs; }

    // Errors carry no node context here: the caller adds "node X (Op)".
    Status fail(ErrorCode code, std::string message) const {
        return Error(code, std::move(message));
    }
    // The op needs an input's value to know its output shape, and it is not known statically.
    static Status valueNotKnown(int input) {
        return Error(ErrorCode::Unsupported, "output shape depends on the value of input " +
                                                 std::to_string(input) +
                                                 ", which is not known before running");
    }
    // Common checks.
    Status requireInputs(int minCount, int maxCount) const;
    Status requireType(int input, std::initializer_list<DataType> allowed) const;

private:
    int64_t m_opset;
    std::vector<const TensorInfo*> m_inputInfos;
    std::vector<const Tensor*> m_inputValues;
    std::vector<TensorInfo> m_outputs;
};

// What a kernel sees at run time.
class KernelContext : public NodeAttributes {
public:
    KernelContext(const Node& node, int64_t opset, std::vector<const Tensor*> inputs,
                  const std::vector<TensorInfo>& outputInfos, ThreadPool& pool)
        : NodeAttributes(node)
        , m_opset(opset)
        , m_inputs(std::move(inputs))
        , m_outputInfos(outputInfos)
        , m_outputs(outputInfos.size())
        , m_pool(pool) {}

    int64_t opset() const { return m_opset; }
    int numInputs() const { return int(m_inputs.size()); }
    int numOutputs() const { return int(m_outputs.size()); }
    bool hasInput(int i) const { return i < numInputs() && m_inputs[size_t(i)] != nullptr; }
    const Tensor& input(int i) const { return *m_inputs[size_t(i)]; }
    const Tensor* inputOrNull(int i) const { return hasInput(i) ? m_inputs[size_t(i)] : nullptr; }
    const TensorInfo& outputInfo(int i) const { return m_outputInfos[size_t(i)]; }

    // Allocates output i with the inferred dtype and shape.
    Tensor& allocateOutput(int i);
    // Sets output i to an existing tensor (aliasing ops: Reshape, Identity). Its dtype and
    // shape must equal the inferred ones.
    void setOutput(int i, Tensor tensor) { m_outputs[size_t(i)] = std::move(tensor); }
    Tensor& output(int i) { return m_outputs[size_t(i)]; }
    std::vector<Tensor>& outputs() { return m_outputs; }

    ThreadPool& pool() { return m_pool; }

private:
    int64_t m_opset;
    std::vector<const Tensor*> m_inputs;
    const std::vector<TensorInfo>& m_outputInfos;
    std::vector<Tensor> m_outputs;
    ThreadPool& m_pool;
};

// A prepared kernel for one node: validates attributes and precomputes (packs weights,
// picks a code path) once; run() does no allocation beyond its outputs and scratch.
class OpKernel {
public:
    virtual ~OpKernel() = default;
    virtual Status run(KernelContext& ctx) = 0;
};

// Data a kernel factory may use: the node, the opset, and the constant inputs (initializers).
struct KernelInit {
    const Node& node;
    int64_t opset;
    std::vector<const Tensor*> constInputs;    // nullptr where the input is not constant
    std::vector<const TensorInfo*> inputInfos; // declared/inferred, may be partially unknown
};

using InferFn = Status (*)(InferContext&);
using ComputeFn = Status (*)(KernelContext&);
using CreateKernelFn = Result<std::unique_ptr<OpKernel>> (*)(const KernelInit&);

struct OpDef {
    std::string_view type;   // ONNX op_type
    std::string_view domain; // "" = ai.onnx
    InferFn infer = nullptr;
    // Exactly one of these: a stateless compute function, or a factory for a prepared kernel.
    ComputeFn compute = nullptr;
    CreateKernelFn create = nullptr;
    // Cheap to run on constant inputs during static shape inference (shape arithmetic).
    bool foldable = false;
    // The shape inference reads only the inputs' types and shapes and the attributes, never
    // input values: the executor reuses its result while those stay the same.
    bool inferFromShapes = false;
};

// Shape helpers shared by ops.
Result<Shape> broadcastShapes(const Shape& a, const Shape& b); // numpy rules; -1 propagates
// Normalises a possibly negative axis for a tensor of the given rank.
Result<int> normalizeAxis(int64_t axis, int rank);

} // namespace qs
