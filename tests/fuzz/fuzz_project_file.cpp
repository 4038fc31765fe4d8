// .qsproj reader: any bytes give a project (with warnings) or a clean error, never a crash;
// what was accepted writes and reads back without a warning, and writing that again gives the
// same text (the writer only writes what the reader accepts).
#include "project/project_file.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string dir = "/nonexistent/project";
    auto load = qs::projectFromJson(text, dir);
    if (!load) {
        if (load.message().empty()) std::abort();
        return 0;
    }
    for (const std::string& w : load->warnings)
        if (w.empty()) std::abort();
    const std::string once = qs::projectToJson(load->project, dir);
    auto again = qs::projectFromJson(once, dir);
    if (!again || !again->warnings.empty()) std::abort();
    if (qs::projectToJson(again->project, dir) != once) std::abort();
    return 0;
}
