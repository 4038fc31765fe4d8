#include "language_manager.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QPointer>
#include <QSettings>
#include <QTranslator>

namespace qs {

namespace {
const QString kSettingsKey = QStringLiteral("ui/language");
const QString kEnglish = QStringLiteral("en");
// qt_add_translations embeds the compiled .qm files under this resource prefix.
const QString kTranslationsDir = QStringLiteral(":/i18n");
} // namespace

LanguageManager::LanguageManager(QObject* parent)
    : QObject(parent) {}

LanguageManager* LanguageManager::instance() {
    static QPointer<LanguageManager> manager;
    if (!manager) manager = new LanguageManager(QCoreApplication::instance());
    return manager;
}

QList<LanguageManager::Language> LanguageManager::languages() {
    return {{kEnglish, QStringLiteral("English")},
            {QStringLiteral("zh_CN"), QStringLiteral("简体中文")}};
}

void LanguageManager::applyStartupLanguage() {
    const QString saved = QSettings().value(kSettingsKey).toString();
    if (!saved.isEmpty() && install(saved)) return;
    // Let QTranslator match the system's UI languages ("zh-Hans-CN", "zh-CN", ...) to our files.
    auto* probe = new QTranslator(this);
    if (probe->load(QLocale::system(), QStringLiteral("quantscope"), QStringLiteral("_"),
                    kTranslationsDir)) {
        const QString file = probe->filePath();
        delete probe;
        for (const Language& language : languages())
            if (file.endsWith(QStringLiteral("quantscope_%1.qm").arg(language.code)))
                install(language.code);
        return;
    }
    delete probe;
    install(kEnglish);
}

bool LanguageManager::setLanguage(const QString& code) {
    if (!install(code)) return false;
    QSettings().setValue(kSettingsKey, code);
    return true;
}

bool LanguageManager::install(const QString& code) {
    QList<QTranslator*> translators;
    if (code != kEnglish) {
        auto* app = new QTranslator(this);
        if (!app->load(QStringLiteral("quantscope_%1").arg(code), kTranslationsDir)) {
            delete app;
            return false;
        }
        translators << app;
        // Qt's own strings (standard buttons, dialogs) when the system has Qt's translations.
        auto* qt = new QTranslator(this);
        if (qt->load(QStringLiteral("qtbase_%1").arg(code),
                     QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            translators << qt;
        else
            delete qt;
    } else if (m_translators.isEmpty()) {
        m_current = kEnglish; // already untranslated: nothing to remove, no LanguageChange
        return true;
    }
    for (QTranslator* old : std::as_const(m_translators)) {
        QCoreApplication::removeTranslator(old);
        old->deleteLater();
    }
    m_translators = translators;
    for (QTranslator* t : std::as_const(m_translators)) QCoreApplication::installTranslator(t);
    const bool changed = m_current != code;
    m_current = code;
    if (changed) emit languageChanged(code);
    return true;
}

} // namespace qs
