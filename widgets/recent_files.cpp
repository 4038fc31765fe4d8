#include "recent_files.h"

#include <QFileInfo>
#include <QSettings>

namespace qs {

namespace {
const QString kKey = QStringLiteral("recentFiles");
}

QStringList RecentFiles::files() const {
    QStringList files = QSettings().value(kKey).toStringList();
    files.removeAll(QString());
    if (files.size() > kMaxFiles) files.resize(kMaxFiles);
    return files;
}

void RecentFiles::add(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = files();
    list.removeAll(absolute);
    list.prepend(absolute);
    store(list);
}

void RecentFiles::remove(const QString& path) {
    QStringList list = files();
    list.removeAll(QFileInfo(path).absoluteFilePath());
    store(list);
}

void RecentFiles::clear() {
    store({});
}

void RecentFiles::store(const QStringList& files) {
    QSettings().setValue(kKey, files.mid(0, kMaxFiles));
}

} // namespace qs
