#include "util/error.h"

namespace qs {

const char* errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::Ok:
        return "ok";
    case ErrorCode::InvalidArgument:
        return "invalid argument";
    case ErrorCode::InvalidModel:
        return "invalid model";
    case ErrorCode::ParseError:
        return "parse error";
    case ErrorCode::IoError:
        return "i/o error";
    case ErrorCode::NotFound:
        return "not found";
    case ErrorCode::Unsupported:
        return "unsupported";
    case ErrorCode::ShapeMismatch:
        return "shape mismatch";
    case ErrorCode::TypeMismatch:
        return "type mismatch";
    case ErrorCode::ResourceLimit:
        return "resource limit";
    case ErrorCode::NumericError:
        return "numeric error";
    case ErrorCode::Cancelled:
        return "cancelled";
    case ErrorCode::Internal:
        return "internal error";
    }
    return "unknown error";
}

std::string Error::toString() const {
    std::string out;
    for (const auto& frame : m_context) {
        out += frame;
        out += ": ";
    }
    out += m_message;
    // Keep it one line: a message never spans lines in the CLI or the GUI status bar.
    for (char& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    return out;
}

} // namespace qs
