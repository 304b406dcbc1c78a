#include "fixture_runs.h"

#include "chart_export.h"
#include "curves_view.h"
#include "heat_map.h"
#include "main_window.h"
#include "run_queue.h"
#include "runs_model.h"
#include "sweep_dialog.h"
#include "sweep_plots.h"
#include "sweep_view.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

const QStringList kSweepFlags = {"--data", DROPOUTLAB_TEST_DATA_DIR "/mnist-small", "--epochs", "1", "--batch-size",
                                 "50", "--train-subset", "300", "--threads", "1", "--device", "cpu",
                                 "--axis", "fc1=0,0.5", "--repeats", "2", "--quiet"};

ExperimentConfig sweepBase()
{
    ExperimentConfig base;
    base.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    base.epochs = 1;
    base.batchSize = 50;
    base.trainSubset = 300;
    base.threads = 1;
    base.device = "cpu";
    return base;
}

/// The CLI's `report --json` of a sweep folder: point label -> (runs, mean test accuracy).
std::map<QString, std::pair<int, double>> cliReport(const QString& dir)
{
    QProcess report;
    report.start(QStringLiteral(DROPOUTLAB_CLI_PATH), {"report", dir, "--json"});
    report.waitForFinished(30000);
    std::map<QString, std::pair<int, double>> points;
    for (const auto& value : QJsonDocument::fromJson(report.readAllStandardOutput()).array()) {
        const QJsonObject p = value.toObject();
        points[p["point"].toString()] = {p["runs"].toInt(), p["test_accuracy_mean"].toDouble()};
    }
    return points;
}

} // namespace

class TestSweepView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void opensFolderOfConcurrentShards();
    void dialogSweepGivesTheSameTable();
    void twoAxesShowAHeatMap();
    void threeAxesShowAHeatMapPerSlice();

private:
    /// The reference: the sweep written by two concurrent CLI shards into m_cliSweep. Made on
    /// first use, so that each test also runs on its own.
    bool makeCliSweep();

    QTemporaryDir m_settings;
    QTemporaryDir m_cliSweep;
    bool m_cliSweepMade = false;
};

bool TestSweepView::makeCliSweep()
{
    if (m_cliSweepMade)
        return true;
    QProcess first;
    QProcess second;
    first.start(QStringLiteral(DROPOUTLAB_CLI_PATH), QStringList{"sweep", "--shard", "1/2", "--out", m_cliSweep.path()} + kSweepFlags);
    second.start(QStringLiteral(DROPOUTLAB_CLI_PATH), QStringList{"sweep", "--shard", "2/2", "--out", m_cliSweep.path()} + kSweepFlags);
    const bool ok = first.waitForFinished(120000) && second.waitForFinished(120000) && first.exitCode() == 0 &&
                    second.exitCode() == 0;
    if (!ok)
        qWarning("CLI shards failed: %s %s", first.readAllStandardError().constData(), second.readAllStandardError().constData());
    m_cliSweepMade = ok;
    return ok;
}

void TestSweepView::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", m_settings.path().toUtf8());
    QApplication::setOrganizationName(QStringLiteral("DropoutLabTest"));
}

void TestSweepView::opensFolderOfConcurrentShards()
{
    QVERIFY(makeCliSweep());

    QTemporaryDir workspace;
    QTemporaryDir exportDir;
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(window.openWorkspace(workspace.path()));
    QString error;
    QVERIFY2(window.openSweepFolder(m_cliSweep.path(), &error), qPrintable(error));
    QCOMPARE(window.runsModel()->rowCount(), 4);
    for (const auto& entry : window.runsModel()->entries())
        QCOMPARE(displayName(entry.state), displayName(RunState::Completed));

    SweepView* view = window.sweepView();
    view->refresh();
    const auto cli = cliReport(m_cliSweep.path());
    QCOMPARE(view->summaries().size(), std::size_t{2});
    for (const auto& p : view->summaries()) {
        const auto& [runs, mean] = cli.at(QString::fromStdString(p.point.label()));
        QCOMPARE(p.completedRuns, runs);
        QCOMPARE(p.testAccuracy.mean, mean);
    }
    QVERIFY(view->comparisonText().contains("Welch"));

    const auto pictures = view->exportables();
    QCOMPARE(pictures.size(), std::size_t{2});
    for (const auto& [widget, stem] : pictures) {
        for (const char* suffix : {".png", ".svg"}) {
            const QString path = exportDir.filePath(stem + suffix);
            QVERIFY(exportPicture(widget, view->title(), path).isEmpty());
            QVERIFY2(QFile(path).size() > 1000, qPrintable(path));
        }
    }

    CurvesView* curves = window.curvesView();
    curves->setGrouped(true);
    QCOMPARE(curves->groupCount(), 2);
    curves->setGrouped(false);
    QCOMPARE(curves->groupCount(), 0);
}

void TestSweepView::dialogSweepGivesTheSameTable()
{
    SweepDialog dialog(sweepBase(), RunTimeEstimator());
    dialog.setAxis(QStringLiteral("fc1"), QStringLiteral("0, 0.5"));
    dialog.setRepeats(2);
    QVERIFY2(dialog.preview().contains("4 runs"), qPrintable(dialog.preview()));
    SweepSpec spec = dialog.spec();
    spec.name = "sweep";

    QTemporaryDir workspace;
    MainWindow window;
    QVERIFY(window.openWorkspace(workspace.path()));
    QString error;
    QVERIFY2(window.enqueueSweep(spec, workspace.filePath("gui-sweep"), &error), qPrintable(error));
    QCOMPARE(window.runQueue()->queuedCount(), 4);
    QSignalSpy finished(window.runQueue(), &RunQueue::queueFinished);
    window.runQueue()->start();
    QVERIFY(finished.wait(120000));
    window.sweepView()->refresh();

    QVERIFY(makeCliSweep());
    const auto cli = cliReport(m_cliSweep.path());
    const auto gui = cliReport(workspace.filePath("gui-sweep"));
    QCOMPARE(gui.size(), std::size_t{2});
    for (const auto& p : window.sweepView()->summaries()) {
        const QString label = QString::fromStdString(p.point.label());
        QCOMPARE(p.completedRuns, 2);
        // Same spec, same seeds, one thread: the same numbers as the CLI shards.
        QCOMPARE(p.testAccuracy.mean, cli.at(label).second);
        QCOMPARE(gui.at(label).second, cli.at(label).second);
    }
}

void TestSweepView::threeAxesShowAHeatMapPerSlice()
{
    // fc1 x weight_decay x max_norm: the heat map shows fc1 x weight_decay at one max_norm value.
    SweepSpec spec;
    spec.base = sweepBase();
    spec.axes = {parseSweepAxis("fc1=0,0.5"), parseSweepAxis("weight_decay=0,0.001,0.01"), parseSweepAxis("max_norm=0,3")};
    RunsModel model;
    SweepView view(&model);
    for (const auto& run : expandSweep(spec)) {
        const int id = model.addRun(run.config, RunState::Completed);
        model.update(id, [&](RunEntry& e) {
            e.sweepFolder = QStringLiteral("/sweeps/three");
            e.runKey = QString::fromStdString(run.id);
            e.point = run.point;
            // The accuracy encodes the point: 90 % + fc1 x 4 + weight decay x 100 + max-norm / 10.
            const double accuracy = 0.90 + (run.config.dropout.count("fc1") ? 0.02 : 0.0) + run.config.weightDecay +
                                    run.config.maxNorm / 1000.0;
            e.result.testAccuracy = accuracy;
            e.result.bestValAccuracy = accuracy;
            e.result.epochs.push_back({1, 0.1, accuracy, 0.1, accuracy, 1.0, 1.0, 0.0});
        });
    }
    view.showSweep(QStringLiteral("/sweeps/three"), spec);
    QCOMPARE(view.summaries().size(), std::size_t{12});
    auto* heatMap = qobject_cast<HeatMap*>(view.exportables().front().first);
    QVERIFY(heatMap);
    auto* slice = view.findChild<QComboBox*>(QStringLiteral("heatMapSlice"));
    QVERIFY(slice);
    QCOMPARE(slice->count(), 2);
    QCOMPARE(slice->itemText(1), QString("max_norm=3"));
    const auto check = [&](double maxNorm) {
        const auto& cells = heatMap->cells();
        QCOMPARE(cells.size(), std::size_t{2});
        QCOMPARE(cells[0].size(), std::size_t{3});
        const double decays[] = {0.0, 0.001, 0.01};
        for (int r = 0; r < 2; ++r) {
            for (int c = 0; c < 3; ++c) {
                const double expected = 100.0 * (0.90 + 0.02 * r + decays[c] + maxNorm / 1000.0);
                QVERIFY2(std::abs(cells[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].value - expected) < 1e-9,
                         qPrintable(QString("cell %1,%2: %3 vs %4").arg(r).arg(c).arg(cells[r][c].value).arg(expected)));
            }
        }
    };
    check(0.0);
    slice->setCurrentIndex(1);
    Q_EMIT slice->activated(1);
    check(3.0);
    QVERIFY(heatMap->title().contains("max_norm=3"));

    // Beside the heat map: parallel coordinates (a line per point) and marginal plots (per axis,
    // the mean over the other axes: fc1 0.5 is 2 points above fc1 0 whatever the other axes).
    const auto pictures = view.exportables();
    QCOMPARE(pictures.size(), std::size_t{3});
    auto* parallel = qobject_cast<ParallelCoordinates*>(pictures[1].first);
    auto* marginals = qobject_cast<MarginalPlots*>(pictures[2].first);
    QVERIFY(parallel && marginals);
    QCOMPARE(parallel->lineCount(), 12);
    QCOMPARE(marginals->marginals().size(), std::size_t{3});
    const auto& fc1 = marginals->marginals()[0];
    QVERIFY(std::abs((fc1[1].mean - fc1[0].mean) - 0.02) < 1e-9);
    QCOMPARE(fc1[0].count, 6);
}

void TestSweepView::twoAxesShowAHeatMap()
{
    SweepSpec spec;
    spec.base = sweepBase();
    spec.axes = {parseSweepAxis("input=0,0.2"), parseSweepAxis("fc1=0,0.25,0.5")};
    spec.repeats = 2;
    RunsModel model;
    SweepView view(&model);
    view.resize(900, 600);
    const auto runs = expandSweep(spec);
    for (const auto& run : runs) {
        const int id = model.addRun(run.config, RunState::Completed);
        model.update(id, [&](RunEntry& e) {
            e.sweepFolder = QStringLiteral("/sweeps/grid");
            e.runKey = QString::fromStdString(run.id);
            e.point = run.point;
            // Accuracy grows with the point's index: with fc1 and with input dropout (input is the
            // outer axis, so input=0.2, fc1=0.5 is the last and best point); seeds add 0.1 points.
            const double accuracy = 0.98 + 0.002 * run.point + 0.001 * run.repeat;
            e.result.testAccuracy = accuracy;
            e.result.bestValAccuracy = accuracy;
            e.result.epochs.push_back({1, 0.1, accuracy + 0.005, 0.1, accuracy, 1.0, 1.0, 0.0});
        });
    }
    view.showSweep(QStringLiteral("/sweeps/grid"), spec);
    QCOMPARE(view.summaries().size(), std::size_t{6});
    const auto pictures = view.exportables();
    QCOMPARE(pictures.size(), std::size_t{3});  // heat map, parallel coordinates, marginals
    QCOMPARE(pictures[1].second, QString("sweep-parallel-coordinates"));
    auto* heatMap = qobject_cast<HeatMap*>(pictures.front().first);
    QVERIFY(heatMap);
    QTemporaryDir dir;
    for (const char* suffix : {".png", ".svg", ".pdf"}) {
        const QString path = dir.filePath(QStringLiteral("heat") + suffix);
        QVERIFY(exportPicture(heatMap, heatMap->title(), path).isEmpty());
        QVERIFY2(QFile(path).size() > 500, qPrintable(path));
    }
    // The best point (the last one) is preselected against the point without dropout.
    QVERIFY2(view.comparisonText().contains("input=0.2, fc1=0.5</b> minus <b>input=0, fc1=0"), qPrintable(view.comparisonText()));
}

QTEST_MAIN(TestSweepView)
#include "test_sweep_view.moc"
