#pragma once
// The editor's settings: keys are an enum with one table of names and defaults, a version, and a rename
// map for keys that moved (keepassxc's Config). Tests point it at a temporary file.
#include <QString>
#include <QVariant>

#include <memory>

class QSettings;

namespace marionette::ui {

class Settings {
public:
    enum class Key {
        WindowGeometry,
        WindowState,
        RecentFiles,
        WeightsPath,
        Device,
        MapOpacity,
        SymmetryLock,
        KeepBoneLengths,
        PasteBack,        // "moved", "person" or "crop" (edit::toString(PasteExtent))
        AdaptationSteps,  // Model > Adaptation Length
        ReposeMethod,  // "hybrid" or "network" (edit::toString(ReposeMethod)): Model > Sharp Re-posing / Network Only
    };

    static Settings& instance();
    // Use an INI file at `path` from now on (tests); an empty path returns to the user's settings.
    static void useFile(const QString& path);

    QVariant get(Key key) const;
    void set(Key key, const QVariant& value);
    void sync();

    static constexpr int kVersion = 2;

private:
    explicit Settings(std::unique_ptr<QSettings> backend);
    void migrate();

    std::unique_ptr<QSettings> m_settings;
};

}  // namespace marionette::ui
