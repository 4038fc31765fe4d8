// One error channel for all of core: a [[nodiscard]] Status / Result<T> carrying an ErrorCode,
// a message, and context frames appended while the error bubbles up ("file x.onnx",
// "node conv_3 (Conv)"). Data errors are returned; programmer errors are asserted.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace qs {

enum class ErrorCode {
    Ok = 0,
    InvalidArgument, // a bad option or parameter
    InvalidModel,    // the model violates the ONNX spec (dangling input, cycle, bad attribute)
    ParseError,      // bytes that cannot be decoded (not ONNX, truncated, bad .npy header)
    IoError,         // a file that cannot be opened, read or written
    NotFound,        // a named thing that does not exist (input, node, tensor)
    Unsupported,     // valid input we do not implement (an op, an attribute value, a dtype)
    ShapeMismatch,   // shapes that do not fit together
    TypeMismatch,    // dtypes that do not fit together
    ResourceLimit,   // a size beyond the configured limits
    NumericError,    // NaN/Inf or a degenerate range where a number is needed
    Cancelled,       // the user asked to stop
    Internal,        // a broken invariant
};

const char* errorCodeName(ErrorCode code);

class Error {
public:
    Error(ErrorCode code, std::string message)
        : m_code(code)
        , m_message(std::move(message)) {}

    ErrorCode code() const { return m_code; }
    const std::string& message() const { return m_message; }
    // Outermost context first, e.g. {"file a.onnx", "node conv_3 (Conv)"}.
    const std::vector<std::string>& context() const { return m_context; }

    // Adds an enclosing context frame (called while unwinding, so it goes to the front).
    Error& addContext(std::string frame) {
        m_context.insert(m_context.begin(), std::move(frame));
        return *this;
    }

    // One line: "file a.onnx: node conv_3 (Conv): input 'w' has 3 dims, expected 4".
    std::string toString() const;

private:
    ErrorCode m_code;
    std::string m_message;
    std::vector<std::string> m_context;
};

class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error)
        : m_error(std::make_unique<Error>(std::move(error))) {}
    Status(const Status& other)
        : m_error(other.m_error ? std::make_unique<Error>(*other.m_error) : nullptr) {}
    Status(Status&&) noexcept = default;
    Status& operator=(const Status& other) {
        m_error = other.m_error ? std::make_unique<Error>(*other.m_error) : nullptr;
        return *this;
    }
    Status& operator=(Status&&) noexcept = default;

    static Status ok() { return {}; }

    bool isOk() const { return !m_error; }
    explicit operator bool() const { return isOk(); }
    const Error& error() const {
        assert(m_error);
        return *m_error;
    }
    Error takeError() {
        assert(m_error);
        return std::move(*m_error);
    }
    ErrorCode code() const { return m_error ? m_error->code() : ErrorCode::Ok; }
    std::string message() const { return m_error ? m_error->toString() : std::string(); }

    Status& addContext(std::string frame) {
        if (m_error) m_error->addContext(std::move(frame));
        return *this;
    }

private:
    std::unique_ptr<Error> m_error;
};

template <class T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_state(std::move(value)) {}
    Result(Error error)
        : m_state(std::move(error)) {}
    Result(Status status)
        : m_state(status.takeError()) {} // only from a failed Status

    bool isOk() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return isOk(); }

    T& value() & {
        assert(isOk());
        return std::get<T>(m_state);
    }
    const T& value() const& {
        assert(isOk());
        return std::get<T>(m_state);
    }
    T&& value() && {
        assert(isOk());
        return std::get<T>(std::move(m_state));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        assert(!isOk());
        return std::get<Error>(m_state);
    }
    Status status() const { return isOk() ? Status() : Status(error()); }
    Error takeError() {
        assert(!isOk());
        return std::get<Error>(std::move(m_state));
    }
    std::string message() const { return isOk() ? std::string() : error().toString(); }

    Result& addContext(std::string frame) {
        if (!isOk()) std::get<Error>(m_state).addContext(std::move(frame));
        return *this;
    }

private:
    std::variant<T, Error> m_state;
};

// Builds an Error from stream-like pieces: makeError(ErrorCode::InvalidModel, "input '", n, "'
// ...").
template <class... Args> Error makeError(ErrorCode code, const Args&... args);

} // namespace qs

#include <sstream>

namespace qs {
template <class... Args> Error makeError(ErrorCode code, const Args&... args) {
    std::ostringstream os;
    (os << ... << args);
    return Error(code, os.str());
}
} // namespace qs

// Early return on failure: QS_TRY(status_expr); QS_ASSIGN(var, result_expr).
#define QS_TRY(expr)                                                                               \
    do {                                                                                           \
        ::qs::Status qs_try_status_ = (expr);                                                      \
        if (!qs_try_status_.isOk()) return qs_try_status_.takeError();                             \
    } while (0)

#define QS_CONCAT_INNER(a, b) a##b
#define QS_CONCAT(a, b) QS_CONCAT_INNER(a, b)
#define QS_ASSIGN_IMPL(tmp, decl, expr)                                                            \
    auto tmp = (expr);                                                                             \
    if (!tmp.isOk()) return tmp.takeError();                                                       \
    decl = std::move(tmp).value()
#define QS_ASSIGN(decl, expr) QS_ASSIGN_IMPL(QS_CONCAT(qs_assign_tmp_, __LINE__), decl, expr)
