#include "marionette/ui/settings.h"

#include "marionette/edit/photo_adaptation.h"
#include "marionette/edit/repose_session.h"

#include <QSettings>

#include <utility>
#include <vector>

namespace marionette::ui {
namespace {

struct KeyInfo {
    Settings::Key key;
    const char* name;
    QVariant defaultValue;
};

// One table of names and defaults.
const KeyInfo* keyTable(std::size_t& count) {
    static const KeyInfo table[] = {
        {Settings::Key::WindowGeometry, "window/geometry", QVariant()},
        {Settings::Key::WindowState, "window/state", QVariant()},
        {Settings::Key::RecentFiles, "files/recent", QStringList()},
        {Settings::Key::WeightsPath, "model/weights", QString()},
        {Settings::Key::Device, "model/device", QString::fromLatin1(edit::toString(edit::Device::Auto))},
        {Settings::Key::MapOpacity, "maps/opacity", 0.7},
        {Settings::Key::SymmetryLock, "pose/symmetry_lock", false},
        {Settings::Key::KeepBoneLengths, "pose/keep_bone_lengths", false},
        {Settings::Key::PasteBack, "result/paste_back", QStringLiteral("moved")},
        {Settings::Key::AdaptationSteps, "model/adaptation_steps", edit::AdaptationOptions{}.steps},
        {Settings::Key::ReposeMethod, "model/repose_method", QStringLiteral("hybrid")},
    };
    count = std::size(table);
    return table;
}

const KeyInfo& infoOf(Settings::Key key) {
    std::size_t count = 0;
    const KeyInfo* table = keyTable(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (table[i].key == key) return table[i];
    }
    return table[0];
}

// Keys renamed between versions, old name -> new name: none yet; a rename is one line here.
const std::vector<std::pair<const char*, const char*>> kRenamed{};

std::unique_ptr<Settings>& current() {
    static std::unique_ptr<Settings> instance;
    return instance;
}

std::unique_ptr<QSettings>& nextBackend() {
    static std::unique_ptr<QSettings> backend;
    return backend;
}

}  // namespace

Settings::Settings(std::unique_ptr<QSettings> backend) : m_settings(std::move(backend)) { migrate(); }

Settings& Settings::instance() {
    if (!current()) {
        auto backend = nextBackend() ? std::move(nextBackend()) : std::make_unique<QSettings>();
        current().reset(new Settings(std::move(backend)));
    }
    return *current();
}

void Settings::useFile(const QString& path) {
    current().reset();
    if (!path.isEmpty()) nextBackend() = std::make_unique<QSettings>(path, QSettings::IniFormat);
}

QVariant Settings::get(Key key) const {
    const KeyInfo& info = infoOf(key);
    return m_settings->value(QString::fromLatin1(info.name), info.defaultValue);
}

void Settings::set(Key key, const QVariant& value) {
    m_settings->setValue(QString::fromLatin1(infoOf(key).name), value);
}

void Settings::sync() { m_settings->sync(); }

void Settings::migrate() {
    const int version = m_settings->value(QStringLiteral("version"), 0).toInt();
    if (version >= kVersion) return;
    for (const auto& [from, to] : kRenamed) {
        const QString oldName = QString::fromLatin1(from);
        if (m_settings->contains(oldName)) {
            if (!m_settings->contains(QString::fromLatin1(to)))
                m_settings->setValue(QString::fromLatin1(to), m_settings->value(oldName));
            m_settings->remove(oldName);
        }
    }
    // Version 2: the Paste Whole Crop switch became a choice of three (moved parts, the person, the crop).
    const QString wholeCrop = QStringLiteral("result/paste_whole_crop");
    if (version < 2 && m_settings->contains(wholeCrop)) {
        const QString pasteBack = QString::fromLatin1(infoOf(Key::PasteBack).name);
        if (m_settings->value(wholeCrop).toBool() && !m_settings->contains(pasteBack))
            m_settings->setValue(pasteBack, QStringLiteral("crop"));
        m_settings->remove(wholeCrop);
    }
    m_settings->setValue(QStringLiteral("version"), kVersion);
}

}  // namespace marionette::ui
