// quant_table.json reader: any text gives a plan that serialises again, or a clean error.
#include "quant/quant_plan.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto plan = qs::quantPlanFromJson(text);
    if (plan) {
        // What was accepted must round-trip.
        auto again = qs::quantPlanFromJson(qs::quantPlanToJson(*plan));
        if (!again) std::abort();
    } else if (plan.message().empty()) {
        std::abort();
    }
    return 0;
}
