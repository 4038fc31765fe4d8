#include "ops/op.h"

#include <algorithm>

namespace qs {

int64_t NodeAttributes::getInt(const std::string& key, int64_t fallback) const {
    const Attribute* a = m_node->attribute(key);
    return a && a->kind == Attribute::Kind::Int ? a->i : fallback;
}

float NodeAttributes::getFloat(const std::string& key, float fallback) const {
    const Attribute* a = m_node->attribute(key);
    if (!a) return fallback;
    if (a->kind == Attribute::Kind::Float) return a->f;
    if (a->kind == Attribute::Kind::Int) return float(a->i);
    return fallback;
}

std::string NodeAttributes::getString(const std::string& key, const std::string& fallback) const {
    const Attribute* a = m_node->attribute(key);
    return a && a->kind == Attribute::Kind::String ? a->s : fallback;
}

std::vector<int64_t> NodeAttributes::getInts(const std::string& key,
                                             const std::vector<int64_t>& fallback) const {
    const Attribute* a = m_node->attribute(key);
    return a && a->kind == Attribute::Kind::Ints ? a->ints : fallback;
}

std::vector<float> NodeAttributes::getFloats(const std::string& key,
                                             const std::vector<float>& fallback) const {
    const Attribute* a = m_node->attribute(key);
    return a && a->kind == Attribute::Kind::Floats ? a->floats : fallback;
}

const Tensor* NodeAttributes::getTensor(const std::string& key) const {
    const Attribute* a = m_node->attribute(key);
    return a && a->kind == Attribute::Kind::Tensor ? &a->t : nullptr;
}

Status InferContext::requireInputs(int minCount, int maxCount) const {
    int present = numInputs();
    if (present < minCount || present > maxCount) {
        return Error(ErrorCode::InvalidModel,
                     "expects " + std::to_string(minCount) +
                         (minCount == maxCount ? "" : " to " + std::to_string(maxCount)) +
                         " inputs, has " + std::to_string(present));
    }
    for (int i = 0; i < minCount; ++i)
        if (!hasInput(i))
            return Error(ErrorCode::InvalidModel,
                         "required input " + std::to_string(i) + " is missing");
    return {};
}

Status InferContext::requireType(int input, std::initializer_list<DataType> allowed) const {
    const DataType t = inputType(input);
    if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) return {};
    std::string list;
    for (DataType a : allowed) list += std::string(list.empty() ? "" : "/") + dataTypeName(a);
    return Error(ErrorCode::Unsupported, "input " + std::to_string(input) + " has type " +
                                             dataTypeName(t) + ", supported: " + list);
}

Tensor& KernelContext::allocateOutput(int i) {
    const TensorInfo& info = m_outputInfos[size_t(i)];
    m_outputs[size_t(i)] = Tensor(info.dtype, info.shape);
    return m_outputs[size_t(i)];
}

Result<Shape> broadcastShapes(const Shape& a, const Shape& b) {
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da == db)
            out[i] = da;
        else if (da == 1)
            out[i] = db;
        else if (db == 1)
            out[i] = da;
        else if (da < 0 || db < 0)
            out[i] = -1;
        else
            return makeError(ErrorCode::ShapeMismatch, "shapes ", shapeToString(a), " and ",
                             shapeToString(b), " cannot be broadcast");
    }
    return out;
}

Result<int> normalizeAxis(int64_t axis, int rank) {
    if (axis < -rank || axis >= rank)
        return makeError(ErrorCode::InvalidModel, "axis ", axis, " is out of range for rank ",
                         rank);
    return int(axis < 0 ? axis + rank : axis);
}

} // namespace qs
