// bench_large_workspace: how the main window copes with many runs. It opens a workspace folder
// (--workspace DIR) or fills the window with N generated runs (--runs N, nothing on disk), shows
// it, then does what a user does with the runs table, one action per event-loop turn, 300 ms
// apart: sort by every column both ways, scroll, filter, "differences only", select all, hide and
// show runs. It prints the time of each action, the event loop's longest stall over the whole
// session, and the time to close the window.
//
// With --guard S it exits 1 when an action, the opening or the closing takes longer than S
// seconds: ctest runs it on 20,000 generated runs as a guard against quadratic steps (which take
// minutes there; every action takes well under a second).

#include "event_loop_monitor.h"
#include "main_window.h"
#include "run_entry.h"
#include "runs_model.h"
#include "runs_table.h"

#include "dropoutlab/train/allocator.h"
#include "dropoutlab/core/results.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QScrollBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

double secondsOf(const std::function<void()>& action)
{
    QElapsedTimer clock;
    clock.start();
    action();
    return static_cast<double>(clock.nsecsElapsed()) / 1e9;
}

/// `count` finished runs that differ the way a sweep's runs do: dropout rate, learning rate, seed,
/// model, epochs, status.
void addGeneratedRuns(RunsModel& model, int count)
{
    const RunState states[] = {RunState::Completed, RunState::Completed, RunState::Completed, RunState::Stopped,
                               RunState::Failed,    RunState::Diverged,  RunState::Interrupted};
    for (int i = 0; i < count; ++i) {
        ExperimentConfig config;
        const double rate = 0.1 * (i % 9);
        if (rate > 0.0)
            config.dropout["fc1"] = {rate};
        config.learningRate = 0.01 * (1 + i % 5);
        config.seeds.init = static_cast<std::uint64_t>(1 + i % 11);
        config.model = i % 4 == 0 ? ModelKind::Mlp : ModelKind::Cnn;
        config.epochs = 1 + i % 10;
        config.name = "run " + std::to_string(i);
        const RunState state = states[i % 7];
        const int id = model.addRun(config, state);
        model.update(id, [&](RunEntry& e) {
            e.dir = QStringLiteral("/nonexistent/run-%1").arg(i);
            for (int epoch = 1; epoch <= config.epochs; ++epoch) {
                const double t = epoch + 0.001 * (i % 997);
                addEpoch(e.result, {epoch, 0.5 / t, 1.0 - 0.05 / t, 0.4 / t, 1.0 - 0.04 / t, 9.0, 8.0, 1.0});
            }
            e.result.status = statusFromState(state);
            e.result.testAccuracy = 0.95 + 0.0001 * (i % 400);
            e.result.wallSeconds = 10.0 * config.epochs + i % 13;
            e.result.device = "cpu";
        });
    }
}

struct Step {
    QString name;
    std::function<void()> action;
    double seconds = 0.0;
    double stallMs = 0.0;  ///< the event loop's longest stall from this action to the next
};

} // namespace

int main(int argc, char** argv)
{
    tuneAllocator();
    QApplication app(argc, argv);
    QTemporaryDir settingsDir;  // fresh settings: no kept window state or theme
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DropoutLabBench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Times the main window's table actions on a large workspace."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("workspace"), QStringLiteral("Workspace folder to open."), QStringLiteral("dir")});
    parser.addOption({QStringLiteral("runs"), QStringLiteral("Generated runs (without --workspace)."),
                      QStringLiteral("n"), QStringLiteral("20000")});
    parser.addOption({QStringLiteral("guard"), QStringLiteral("Fail when one action takes longer (seconds)."),
                      QStringLiteral("s")});
    parser.process(app);
    const double guard = parser.isSet(QStringLiteral("guard")) ? parser.value(QStringLiteral("guard")).toDouble() : 0.0;

    QTemporaryDir emptyWorkspace;
    auto window = std::make_unique<MainWindow>();
    RunsModel* model = window->runsModel();
    QString error;
    double openSeconds = 0.0;
    EventLoopMonitor monitor;
    if (parser.isSet(QStringLiteral("workspace"))) {
        monitor.start();
        // As the app opens one: in the background, the window shown and answering meanwhile.
        window->resize(1500, 950);
        openSeconds = secondsOf([&] {
            if (!window->openWorkspaceInBackground(parser.value(QStringLiteral("workspace")), &error)) {
                std::fprintf(stderr, "bench_large_workspace: %s\n", qPrintable(error));
                std::exit(2);
            }
            window->show();
            while (window->isLoadingWorkspace())
                QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        });
        std::printf("read in the background with the window shown; longest stall meanwhile %.1f ms\n",
                    monitor.takeRecentStallMs());
    } else {
        const int runs = parser.value(QStringLiteral("runs")).toInt();
        openSeconds = secondsOf([&] {
            if (!window->openWorkspace(emptyWorkspace.path(), &error))
                std::exit(2);
            addGeneratedRuns(*model, runs);
        });
        monitor.start();  // generating the runs is the benchmark's own work, not the window's
    }
    // Queued runs from a preset are not part of the question: only the workspace's runs.
    std::printf("%d runs: opened (read and added to the window) in %.2f s\n", model->rowCount(), openSeconds);

    RunsTable* table = window->findChild<RunsTable*>();
    window->resize(1500, 950);
    std::vector<Step> steps;
    steps.push_back({QStringLiteral("show the window"), [&] { window->show(); }});
    for (int column = 0; column < RunsModel::ColumnCount; ++column) {
        if (table->isColumnHidden(column))
            continue;
        const QString name = model->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
        steps.push_back({QStringLiteral("sort by %1, descending").arg(name), [=] { table->sortByColumn(column, Qt::DescendingOrder); }});
        steps.push_back({QStringLiteral("sort by %1, ascending").arg(name), [=] { table->sortByColumn(column, Qt::AscendingOrder); }});
    }
    QScrollBar* scroll = table->verticalScrollBar();
    steps.push_back({QStringLiteral("scroll to the end"), [=] { scroll->setValue(scroll->maximum()); }});
    steps.push_back({QStringLiteral("scroll to the middle"), [=] { scroll->setValue(scroll->maximum() / 2); }});
    steps.push_back({QStringLiteral("page down"), [=] { scroll->triggerAction(QAbstractSlider::SliderPageStepAdd); }});
    steps.push_back({QStringLiteral("scroll to the top"), [=] { scroll->setValue(0); }});
    steps.push_back({QStringLiteral("filter 'fc1 0.5'"), [=] { table->setFilterText(QStringLiteral("fc1 0.5")); }});
    steps.push_back({QStringLiteral("clear the filter"), [=] { table->setFilterText({}); }});
    steps.push_back({QStringLiteral("filter 'fc1 0.3' (row texts kept)"), [=] { table->setFilterText(QStringLiteral("fc1 0.3")); }});
    steps.push_back({QStringLiteral("clear the filter again"), [=] { table->setFilterText({}); }});
    steps.push_back({QStringLiteral("sort by Dropout again (texts kept)"), [=] { table->sortByColumn(RunsModel::Dropout, Qt::DescendingOrder); }});
    steps.push_back({QStringLiteral("differences only on"), [=] { table->setDifferencesOnly(true); }});
    steps.push_back({QStringLiteral("differences only off"), [=] { table->setDifferencesOnly(false); }});
    steps.push_back({QStringLiteral("select all"), [=] { table->selectAll(); }});
    steps.push_back({QStringLiteral("clear the selection"), [=] { table->clearSelection(); }});
    const auto firstVisible = [=] { return table->model()->index(0, RunsModel::Show); };
    steps.push_back({QStringLiteral("hide the top run"), [=] { table->model()->setData(firstVisible(), Qt::Unchecked, Qt::CheckStateRole); }});
    steps.push_back({QStringLiteral("show it again"), [=] { table->model()->setData(firstVisible(), Qt::Checked, Qt::CheckStateRole); }});

    // Each action in its own event-loop turn, with time between them for the timers it starts
    // (chart redraws, coalesced refreshes); the monitor sees every stall, theirs included.
    // The model makes every row's texts (for sorting and filtering) in slices once rows arrive;
    // the first action waits for that, as a user looks at the window for a moment first.
    const double textsSeconds = secondsOf([&] {
        while (model->rowsWithoutTexts() > 0)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    });
    std::printf("row texts made %.2f s after opening, in slices (longest stall meanwhile %.1f ms)\n", textsSeconds,
                monitor.takeRecentStallMs());
    std::size_t next = 0;
    QTimer pace;
    pace.setInterval(300);
    QObject::connect(&pace, &QTimer::timeout, [&] {
        if (next > 0)
            steps[next - 1].stallMs = monitor.takeRecentStallMs();
        if (next == steps.size()) {
            pace.stop();
            QApplication::quit();
            return;
        }
        Step& step = steps[next++];
        step.seconds = secondsOf([&] {
            step.action();
            table->viewport()->repaint();  // what the user waits for: the table drawn again
        });
    });
    pace.start();
    QApplication::exec();

    double worst = openSeconds;
    for (const Step& step : steps) {
        std::printf("  %-50s %8.1f ms  (longest stall until the next action %6.1f ms)\n", qPrintable(step.name),
                    step.seconds * 1e3, step.stallMs);
        worst = std::max(worst, step.seconds);
    }
    std::printf("event loop over the session: %s\n", qPrintable(monitor.summary()));
    const double closeSeconds = secondsOf([&] { window.reset(); });
    std::printf("closed in %.2f s\n", closeSeconds);
    worst = std::max(worst, closeSeconds);
    if (guard > 0.0 && worst > guard) {
        std::printf("FAIL: an action took %.1f s, over the %.1f s guard\n", worst, guard);
        return 1;
    }
    return 0;
}
