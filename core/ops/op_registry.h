// The one registry of ops: an explicit list in op_registry.cpp (no static self-registration,
// which the linker drops from a static library).
#pragma once

#include "ops/op.h"

#include <span>

namespace qs {

// nullptr when the op is not implemented.
const OpDef* findOp(std::string_view domain, std::string_view type);
std::span<const OpDef* const> allOps();

} // namespace qs
