#include "window_layout.h"

#include "main_window_text.h"

#include <QCoreApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QStatusBar>
#include <QUndoView>
#include <QVBoxLayout>

namespace marionette::ui {
namespace {

QDockWidget* dock(QMainWindow* window, const QString& title, const char* name, QWidget* content,
                  Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, window);
    d->setObjectName(QString::fromLatin1(name));
    d->setWidget(content);
    window->addDockWidget(area, d);
    return d;
}

}  // namespace

QWidget* resultArea(QLabel* banner, QLabel* hint, QWidget* resultCanvas) {
    banner->setObjectName(QStringLiteral("modelBanner"));
    banner->setWordWrap(true);
    banner->setVisible(false);
    hint->setObjectName(QStringLiteral("hintLabel"));
    hint->setWordWrap(true);
    hint->setStyleSheet(QStringLiteral("background: #2d3e50; color: #e8eef4; padding: 4px 10px;"));
    auto* area = new QWidget;
    auto* layout = new QVBoxLayout(area);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(banner);
    layout->addWidget(hint);
    layout->addWidget(resultCanvas, 1);
    return area;
}

QDockWidget* addDocks(QMainWindow* window, QWidget* referenceCanvas, QWidget* mapsPanel, QWidget* portraitPanel,
                      QUndoStack* history, QMenu* viewMenu) {
    referenceCanvas->setMinimumWidth(220);
    QDockWidget* reference = dock(window, tr("Reference"), "referenceDock", referenceCanvas, Qt::LeftDockWidgetArea);
    QDockWidget* maps = dock(window, tr("Maps"), "mapsDock", mapsPanel, Qt::RightDockWidgetArea);
    auto* historyView = new QUndoView(history);
    historyView->setObjectName(QStringLiteral("historyView"));
    historyView->setEmptyLabel(tr("Opened"));
    QDockWidget* historyDock = dock(window, tr("History"), "historyDock", historyView, Qt::RightDockWidgetArea);
    QDockWidget* portrait = dock(window, tr("Portrait"), "portraitDock", portraitPanel, Qt::RightDockWidgetArea);
    window->tabifyDockWidget(maps, portrait);
    portrait->setVisible(false);
    window->resizeDocks({reference, maps}, {320, 300}, Qt::Horizontal);
    for (QDockWidget* d : {reference, maps, portrait, historyDock}) viewMenu->addAction(d->toggleViewAction());
    return portrait;
}

StatusLabels addStatusLabels(QStatusBar* statusBar) {
    const auto label = [statusBar](const char* name, const QString& tip) {
        auto* l = new QLabel;
        l->setObjectName(QString::fromLatin1(name));
        l->setToolTip(tip);
        l->setStyleSheet(QStringLiteral("QLabel { padding: 0 8px; border-left: 1px solid palette(mid); }"));
        statusBar->addPermanentWidget(l);
        return l;
    };
    StatusLabels labels{};
    labels.device = label("deviceLabel", tr("Where the network runs"));
    labels.weights = label("weightsLabel", tr("The weights in use"));
    labels.mode =
        label("modeLabel", tr("Preview: the reference moved by the flow alone, shown while dragging on a slow device. "
                              "Full synthesis: the network's output."));
    labels.latency = label("latencyLabel", tr("Time to synthesise the last edit"));
    labels.device->setText(tr("Loading model\u2026"));
    return labels;
}

}  // namespace marionette::ui
