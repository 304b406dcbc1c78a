// FinishActions (ui/finish_actions.h): what the app does by itself when its queue is done.
#include "accuracy_chart.h"
#include "analysis_view.h"
#include "curves_view.h"
#include "finish_actions.h"
#include "model_fixture.h"
#include "results_exporter.h"
#include "run_queue.h"
#include "runs_model.h"
#include "sweep_view.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>

#include <memory>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

/// A window's worth of views over one completed run, and the finish actions over them.
struct Fixture {
    RunsModel model;
    RunQueue queue{&model};
    QWidget dashboard;
    CurvesView* curves = new CurvesView(&model);
    AccuracyChart* accuracy = new AccuracyChart(&model);
    SweepView* sweep = new SweepView(&model);
    AnalysisView* analysis = new AnalysisView(&model);
    std::unique_ptr<ResultsExporter> exporter;
    std::unique_ptr<FinishActions> finish;

    Fixture()
    {
        test::addCompletedRun(model, QStringLiteral("/runs/20261128-fc1-0.5"));
        auto* layout = new QVBoxLayout(&dashboard);
        for (QWidget* w : {static_cast<QWidget*>(curves), static_cast<QWidget*>(accuracy),
                           static_cast<QWidget*>(sweep), static_cast<QWidget*>(analysis)})
            layout->addWidget(w);
        dashboard.resize(1000, 900);
        exporter = std::make_unique<ResultsExporter>(&model, curves, accuracy, sweep, analysis, &dashboard);
        finish = std::make_unique<FinishActions>(&model, &queue, analysis, exporter.get(), nullptr,
                                                 [this](int code) { exitCodes << code; });
    }

    /// Runs the finish actions; returns the exit code they quit with (-1: they did not quit).
    int runAndWait()
    {
        finish->run();
        QTest::qWaitFor([this] { return !exitCodes.isEmpty(); }, 5000);
        return exitCodes.isEmpty() ? -1 : exitCodes.takeFirst();
    }

    QList<int> exitCodes;  ///< what the finish actions quit with, in order
};

} // namespace

class TestFinishActions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void exportsThenQuitsWithZero();
    void aFailedRunQuitsWithOne();
    void aFailedExportQuitsWithOne();
    void withoutQuitTheAppStays();
    void analysisComesFirstAndOnce();
};

void TestFinishActions::exportsThenQuitsWithZero()
{
    Fixture f;
    QTemporaryDir dir;
    const QString out = dir.filePath("export");
    f.finish->setOptions({out, true, false});
    QVERIFY(f.finish->unattended());
    QCOMPARE(f.runAndWait(), 0);
    QVERIFY(QFile::exists(QDir(out).filePath("summary.csv")));
    QVERIFY(QFile::exists(QDir(out).filePath("results.json")));
    QVERIFY(!QDir(out).entryList({"*.png"}, QDir::Files).isEmpty());
}

void TestFinishActions::aFailedRunQuitsWithOne()
{
    Fixture f;
    f.finish->setOptions({{}, true, false});
    f.finish->noteFailure();
    QCOMPARE(f.finish->exitCode(), 1);
    QCOMPARE(f.runAndWait(), 1);
}

void TestFinishActions::aFailedExportQuitsWithOne()
{
    Fixture f;
    QTemporaryDir dir;
    QFile blocker(dir.filePath("not-a-folder"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    f.finish->setOptions({blocker.fileName(), true, false});
    QCOMPARE(f.runAndWait(), 1);
}

void TestFinishActions::withoutQuitTheAppStays()
{
    Fixture f;
    QTemporaryDir dir;
    f.finish->setOptions({dir.filePath("export"), false, false});
    QVERIFY(!f.finish->unattended());
    f.finish->run();
    QVERIFY(QFile::exists(QDir(dir.filePath("export")).filePath("summary.csv")));
    QTest::qWait(50);
    QVERIFY(f.exitCodes.isEmpty());
}

void TestFinishActions::analysisComesFirstAndOnce()
{
    Fixture f;
    QTemporaryDir dir;
    const QString out = dir.filePath("export");
    QSignalSpy starting(f.finish.get(), &FinishActions::analysisStarting);
    QSignalSpy analysed(f.analysis, &AnalysisView::analysisFinished);
    // The export is written after the analysis has finished: check the order when the analysis ends.
    bool exportedBeforeAnalysis = false;
    connect(f.analysis, &AnalysisView::analysisFinished, this,
            [&] { exportedBeforeAnalysis = QFile::exists(QDir(out).filePath("summary.csv")); });
    f.finish->setOptions({out, true, true});
    // The one completed run has no folder on disk: the analysis reports that and finishes.
    QCOMPARE(f.runAndWait(), 0);
    QCOMPARE(starting.count(), 1);
    QCOMPARE(analysed.count(), 1);
    QVERIFY(!exportedBeforeAnalysis);
    QVERIFY(QFile::exists(QDir(out).filePath("summary.csv")));
    f.finish->run();  // a second queue end: no second analysis
    QCOMPARE(starting.count(), 1);
}

QTEST_MAIN(TestFinishActions)
#include "test_finish_actions.moc"
