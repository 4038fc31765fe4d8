// The user-interface language: which translators are installed on the application. Switching
// installs new QTranslators, which makes Qt send QEvent::LanguageChange to every widget; each
// widget re-translates its own texts. An explicit choice is kept in QSettings; without one the
// system locale decides.
#pragma once

#include <QList>
#include <QObject>
#include <QString>

class QTranslator;

namespace qs {

class LanguageManager : public QObject {
    Q_OBJECT

public:
    struct Language {
        QString code; // "en", "zh_CN"
        QString
            nativeName; // "English", "简体中文": each language in its own words, never translated
    };

    // The one instance, owned by the application object.
    static LanguageManager* instance();
    static QList<Language> languages();

    QString currentLanguage() const { return m_current; }

    // The saved choice, else the system locale when we have a translation for it, else English.
    void applyStartupLanguage();
    // Installs the translation and remembers the choice. False (and nothing changes) when the
    // language has no translation.
    bool setLanguage(const QString& code);

signals:
    void languageChanged(const QString& code);

private:
    explicit LanguageManager(QObject* parent);
    bool install(const QString& code);

    QString m_current = QStringLiteral("en");
    QList<QTranslator*> m_translators;
};

} // namespace qs
