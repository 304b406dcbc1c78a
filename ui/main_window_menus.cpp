// MainWindow's menu bar: File, Run, View, Help with their shortcuts (the rest of the window is in
// main_window.cpp).
#include "main_window.h"

#include "about_box.h"
#include "experiment_panel.h"
#include "results_exporter.h"
#include "run_queue.h"
#include "theme.h"

#include <QAction>
#include <QActionGroup>
#include <QMenu>
#include <QMenuBar>

namespace dropoutlab::ui {
namespace {

/// A menu entry with several shortcuts (the first is shown) and an object name for tests.
template <typename Receiver, typename Slot>
void addRunAction(QMenu* menu, const QString& text, const QList<QKeySequence>& keys, const QString& name,
                  Receiver* receiver, Slot slot)
{
    QAction* action = menu->addAction(text, receiver, slot);
    action->setShortcuts(keys);
    action->setObjectName(name);
}

} // namespace

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Workspace…"), QKeySequence::Open, this, [this] {
        chooseFolder(tr("Open Workspace"), tr("Cannot open the workspace"), &MainWindow::openWorkspaceInBackground);
    })->setObjectName(QStringLiteral("openWorkspace"));
    file->addAction(tr("Open &Sweep Folder…"), this, [this] {
        chooseFolder(tr("Open Sweep Folder"), tr("Cannot open the sweep folder"), &MainWindow::openSweepFolder);
    });
    m_exporter->addChartActions(file->addMenu(tr("Export &Chart")));
    file->addAction(tr("Export &Dashboard…"), QKeySequence::SaveAs, this, &MainWindow::exportDashboardWithDialog);
    file->addAction(tr("Export &Results (CSV, JSON)…"), QKeySequence::Save, this, &MainWindow::exportResultsWithDialog)
        ->setObjectName(QStringLiteral("exportResults"));
    file->addSeparator();
    // Every binding of the standard keys (Close is Ctrl+W and Ctrl+F4 on Linux desktops).
    QAction* close = file->addAction(tr("&Close Window"), this, &QWidget::close);
    close->setShortcuts(QKeySequence::Close);
    close->setObjectName(QStringLiteral("closeWindow"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    addRunAction(run, tr("&Add Run"), {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)},
                 QStringLiteral("addRun"), this, &MainWindow::addCurrentRun);
    addRunAction(run, tr("&Compare With and Without Dropout"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return)},
                 QStringLiteral("addComparison"), this, &MainWindow::addComparisonPair);
    addRunAction(run, tr("Dropout S&weep…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D)},
                 QStringLiteral("sweepDialog"), this, &MainWindow::openSweepDialog);
    QAction* network = run->addAction(tr("&Network Editor…"), QKeySequence(Qt::CTRL | Qt::Key_E), m_panel,
                                      &ExperimentPanel::editNetwork);
    network->setObjectName(QStringLiteral("networkEditor"));
    run->addSeparator();
    addRunAction(run, tr("&Run Queue"), {QKeySequence(Qt::Key_F5), QKeySequence(Qt::CTRL | Qt::Key_R)},
                 QStringLiteral("runQueue"), m_queue, &RunQueue::start);
    addRunAction(run, tr("&Stop"), {QKeySequence(Qt::Key_Escape), QKeySequence(Qt::CTRL | Qt::Key_Period)},
                 QStringLiteral("stopQueue"), m_queue, &RunQueue::stop);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QMenu* themes = view->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    for (const auto& [theme, text] : {std::pair{Theme::System, tr("&System")}, std::pair{Theme::Light, tr("&Light")},
                                      std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction* action = themes->addAction(text, this, [this, theme = theme] { setTheme(theme, true); });
        action->setCheckable(true);
        action->setObjectName(QStringLiteral("theme-") + themeName(theme));
        group->addAction(action);
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DropoutLab"), this, [this] { showAbout(this); });
}

} // namespace dropoutlab::ui
