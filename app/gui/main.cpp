// dropoutlab: the desktop workbench.

#include "about_box.h"
#include "command_line.h"
#include "event_loop_monitor.h"
#include "main_window.h"
#include "run_queue.h"
#include "runs_model.h"
#include "workspace_loader.h"

#include "dropoutlab_build.h"

#include "dropoutlab/train/allocator.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/sweep.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace dropoutlab;
using namespace dropoutlab::ui;

int main(int argc, char** argv)
{
    tuneAllocator();  // before Qt or LibTorch start a thread: training runs on a worker thread
    // --help and --version need no display: answer them without connecting to one.
    const std::unique_ptr<QCoreApplication> app =
        wantsTextOnly(argc, argv) ? std::make_unique<QCoreApplication>(argc, argv) : std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("DropoutLab"));
    QCoreApplication::setApplicationName(QStringLiteral("DropoutLab"));
    QCoreApplication::setApplicationVersion(QString::fromStdString(thisBuild().version));

    GuiOptions options;
    QString error;
    if (!parseGuiCommandLine(QCoreApplication::arguments(), options, error)) {
        std::fprintf(stderr, "dropoutlab: %s (see --help)\n", qPrintable(error));
        return 2;
    }
    if (options.version) {
        std::fputs(qPrintable(appVersionReport()), stdout);
        return 0;
    }
    std::vector<ExperimentConfig> plan;
    try {
        plan = planRuns(options.preset.toStdString(), options.configFile.toStdString(), options.overrides);
    } catch (const Error& e) {
        std::fprintf(stderr, "dropoutlab: %s\n", e.what());
        return 2;
    }

    QElapsedTimer clock;
    clock.start();
    auto windowOwner = std::make_unique<MainWindow>();
    MainWindow& window = *windowOwner;
    if (!options.theme.isEmpty())
        window.setTheme(*parseTheme(options.theme), false);
    const QString workspace = options.workspace.isEmpty() ? window.runQueue()->workspace() : options.workspace;
    double loadedAt = 0.0;
    QObject::connect(window.workspaceLoader(), &WorkspaceLoader::loaded, &window,
                     [&] { loadedAt = static_cast<double>(clock.nsecsElapsed()) / 1e9; });
    if (!window.openWorkspaceInBackground(workspace, &error)) {
        std::fprintf(stderr, "dropoutlab: workspace %s: %s\n", qPrintable(workspace), qPrintable(error));
        return 1;
    }
    const double windowSeconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    if (!options.openSweep.isEmpty() && !window.openSweepFolder(options.openSweep, &error)) {
        std::fprintf(stderr, "dropoutlab: sweep folder %s: %s\n", qPrintable(options.openSweep), qPrintable(error));
        return 1;
    }
    if (!options.sweepSpec.isEmpty()) {
        try {
            SweepSpec spec = loadSweepFile(options.sweepSpec.toStdString());
            applyOverrides(spec.base, options.overrides);
            if (!window.enqueueSweep(spec, {}, &error)) {
                std::fprintf(stderr, "dropoutlab: sweep %s: %s\n", qPrintable(options.sweepSpec), qPrintable(error));
                return 1;
            }
        } catch (const Error& e) {
            std::fprintf(stderr, "dropoutlab: %s\n", e.what());
            return 2;
        }
    } else if (options.openSweep.isEmpty() || options.hasOverrides || !options.preset.isEmpty() ||
               !options.configFile.isEmpty()) {
        window.enqueuePlan(plan, options.preset);
    }
    window.setFinishActions(options.exportDir, options.quitWhenDone, options.analysis);
    if (options.quitWhenDone && window.runQueue()->queuedCount() == 0)
        std::fprintf(stderr, "dropoutlab: nothing queued to train; --quit-when-done quits once the finish actions "
                             "(if any) are done\n");
    window.show();
    EventLoopMonitor monitor;
    if (options.reportStalls)
        QTimer::singleShot(0, &monitor, &EventLoopMonitor::start);  // from the first turn of the event loop
    if (options.autostart)
        QTimer::singleShot(0, window.runQueue(), &RunQueue::start);
    else if (options.analysis || !options.exportDir.isEmpty() || options.quitWhenDone)
        QTimer::singleShot(0, &window, &MainWindow::runFinishActions);  // nothing to train: the runs already there
    const int status = QApplication::exec();
    if (options.reportStalls) {
        std::fprintf(stderr, "dropoutlab: %s\n", qPrintable(monitor.summary()));
        const int runs = window.runsModel()->rowCount();
        clock.restart();
        windowOwner.reset();
        std::fprintf(stderr, "dropoutlab: workspace of %d runs: window ready in %.2f s, runs read and shown %.2f s "
                             "after start, window closed in %.2f s\n",
                     runs, windowSeconds, loadedAt, static_cast<double>(clock.nsecsElapsed()) / 1e9);
    }
    return status;
}
