// Small text helpers the report's HTML writers share.
#pragma once

#include <QString>
#include <string>

namespace qs::report_html {

inline QString esc(const QString& s) {
    return s.toHtmlEscaped();
}
inline QString esc(const std::string& s) {
    return QString::fromStdString(s).toHtmlEscaped();
}
inline QString L(const char* s) {
    return QString::fromLatin1(s);
}

} // namespace qs::report_html
