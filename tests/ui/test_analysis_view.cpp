// The Analysis tab on real fixture runs: MC dropout on the analysis thread, the charts, the
// confusion matrix and gallery, the digit pad, the cache, and the export behind --analysis.
#include "fixture_runs.h"

#include "analysis_view.h"
#include "analysis_worker.h"
#include "engine/core/idx_writer.h"
#include "digit_pad.h"
#include "main_window.h"
#include "probability_bars.h"
#include "runs_model.h"

#include "dropoutlab/train/recorded_run.h"
#include "dropoutlab/core/uncertainty_report.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

class NullObserver final : public ExperimentObserver {};

/// Saves a picture of `widget` when DROPOUTLAB_SCREENSHOT_DIR is set (for looking at it).
void keepScreenshot(QWidget* widget, const QString& name)
{
    const QString dir = qEnvironmentVariable("DROPOUTLAB_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget->grab().save(QDir(dir).filePath(name + ".png"));
}

} // namespace

class TestAnalysisView final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void analysesExportsAndCaches();
    void oodSetOfAnotherShapeIsLeftOut();

private:
    QTemporaryDir m_workspace;
};

void TestAnalysisView::initTestCase()
{
    QVERIFY(m_workspace.isValid());
    NullObserver observer;
    for (const auto& [name, rate] : {std::pair{"plain", 0.0}, std::pair{"fc1 0.5", 0.5}}) {
        ExperimentConfig config = test::shortFixtureRun(name, rate, 1);
        config.trainEvalImages = 0;
        const auto result = runExperimentRecorded(config, m_workspace.filePath(QString::fromStdString(name)).toStdString(),
                                                  observer, CancelToken());
        QVERIFY(result.status == RunStatus::Completed);
    }
}

void TestAnalysisView::analysesExportsAndCaches()
{
    MainWindow window;
    QString error;
    QVERIFY2(window.openWorkspace(m_workspace.path(), &error), qPrintable(error));
    window.resize(1500, 950);
    window.show();
    AnalysisView* view = window.analysisView();
    QVERIFY(view);
    QVERIFY(!view->hasResults());

    // The automation path (--analysis --export DIR): analyse the recent runs, then export.
    QTemporaryDir out;
    window.setFinishActions(out.path(), false, true);
    QSignalSpy done(view, &AnalysisView::analysisFinished);
    window.runFinishActions();
    QVERIFY(done.wait(120000));
    QVERIFY(view->hasResults());
    QVERIFY(!view->isBusy());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(out.filePath("analysis-reliability.png")), 10000);
    for (const char* stem : {"analysis-reliability", "analysis-accuracy-rejection", "analysis-entropy",
                             "analysis-confusion-matrix", "analysis-class-probabilities"}) {
        for (const char* suffix : {".png", ".svg"}) {
            QFile file(out.filePath(QString(stem) + suffix));
            QVERIFY2(file.exists() && file.size() > 1000, qPrintable(file.fileName()));
        }
    }
    for (const auto& dir : QDir(m_workspace.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        QVERIFY2(QFile::exists(m_workspace.filePath(dir) + "/analysis.json"), qPrintable(dir));

    // One epoch on 1,600 images makes mistakes: the gallery shows them, most confident first.
    view->setCurrentRun(0);
    QVERIFY(view->galleryCount() > 0);
    QVERIFY(view->galleryCount() <= 300);

    // Draw a "1": the pad's image goes through the run's saved model.
    auto* tabs = view->findChild<QTabWidget*>();
    QVERIFY(tabs);
    tabs->setCurrentIndex(2);
    view->digitPad()->drawStroke({{140, 30}, {142, 120}, {145, 250}});
    QVERIFY2(view->padBars()->title().contains("Your digit"), qPrintable(view->padBars()->title()));
    keepScreenshot(view, "analysis-pad");
    tabs->setCurrentIndex(1);
    keepScreenshot(view, "analysis-errors");
    tabs->setCurrentIndex(0);
    keepScreenshot(&window, "analysis-window");

    // Reopening is instant: the cache answers.
    QSignalSpy again(view, &AnalysisView::analysisFinished);
    QList<int> ids;
    for (const auto& e : window.runsModel()->entries())
        ids << e.id;
    view->analyseRuns(ids);
    QVERIFY(again.wait(20000));
    QVERIFY(view->hasResults());
}

void TestAnalysisView::oodSetOfAnotherShapeIsLeftOut()
{
    // An RGB 32x32 OOD set cannot be scored by a 1x28x28 model: the run is analysed without it,
    // and the worker says so (it used to refuse the whole analysis).
    QTemporaryDir cifar;
    QVERIFY(test::writeCifarFromIdx(DROPOUTLAB_TEST_DATA_DIR "/mnist-small", cifar.path().toStdString()) > 0);
    CancelToken cancel;
    AnalysisWorker worker(cancel);
    QSignalSpy analysed(&worker, &AnalysisWorker::analysed);
    QSignalSpy noted(&worker, &AnalysisWorker::noted);
    QSignalSpy failed(&worker, &AnalysisWorker::failed);
    worker.analyse({m_workspace.filePath("fc1 0.5")}, 5, 1, cifar.path());
    QCOMPARE(failed.count(), 0);
    QCOMPARE(analysed.count(), 1);
    QCOMPARE(noted.count(), 1);
    const QString note = noted.front().at(1).toString();
    QVERIFY2(note.contains("3x32x32") && note.contains("1x28x28"), qPrintable(note));
    const auto report = analysed.front().at(1).value<UncertaintyReportPtr>();
    QCOMPARE(report->oodImages, std::int64_t{0});
}

QTEST_MAIN(TestAnalysisView)
#include "test_analysis_view.moc"
