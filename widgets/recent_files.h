// The File ▸ Recent files list, most recent first, kept in QSettings.
#pragma once

#include <QString>
#include <QStringList>

namespace qs {

class RecentFiles {
public:
    static constexpr int kMaxFiles = 8;

    QStringList files() const;
    void add(const QString& path); // moves it to the front
    void remove(const QString& path);
    void clear();

private:
    void store(const QStringList& files);
};

} // namespace qs
