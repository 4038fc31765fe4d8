// Atomic file replacement for everything QuantScope writes (tables, models, exports, projects).
// The bytes go to a temporary file in the destination's folder (same file system, so rename is
// atomic), are flushed to the disk (fsync), and only then renamed over the destination. Any
// failure removes the temporary file and leaves the previous destination file as it was.
// Errors name the destination path.
#pragma once

#include "util/error.h"

#include <functional>
#include <string>
#include <string_view>

namespace qs {

// Sink handed to a streaming writer: write() appends bytes to the temporary file.
class AtomicFileSink {
public:
    virtual ~AtomicFileSink() = default;
    virtual Status write(std::string_view bytes) = 0;
};

// Writes bytes to path atomically.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

// Streams into path atomically: writer appends through the sink; if writer (or any write)
// fails, the destination is untouched and the temporary file removed.
Status writeFileAtomically(const std::string& path,
                           const std::function<Status(AtomicFileSink&)>& writer);

} // namespace qs
