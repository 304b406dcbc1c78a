// ResultsExporter (ui/results_exporter.h): every chart, the dashboard and the results into a folder.
#include "accuracy_chart.h"
#include "curves_view.h"
#include "model_fixture.h"
#include "results_exporter.h"
#include "runs_model.h"
#include "sweep_view.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestResultsExporter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void writesChartsDashboardAndResults();
};

void TestResultsExporter::writesChartsDashboardAndResults()
{
    RunsModel model;
    test::addCompletedRun(model, QStringLiteral("/runs/20261127-fc1-0.5"));
    ExperimentConfig config;
    config.name = "fc1 0.5";
    const int planned = model.addRun(config, RunState::Planned);  // has a folder name, nothing in it
    model.update(planned, [](RunEntry& e) { e.dir = QStringLiteral("/sweeps/s/runs/p00"); });
    model.addRun(config, RunState::Queued);  // no folder: not exported

    QWidget dashboard;
    auto* layout = new QVBoxLayout(&dashboard);
    auto* curves = new CurvesView(&model);
    auto* accuracy = new AccuracyChart(&model);
    auto* sweep = new SweepView(&model);
    layout->addWidget(curves);
    layout->addWidget(accuracy);
    layout->addWidget(sweep);
    dashboard.resize(1200, 900);
    dashboard.show();
    ResultsExporter exporter(&model, curves, accuracy, sweep, nullptr, &dashboard);

    QTemporaryDir dir;
    const QString out = dir.filePath("export");
    QCOMPARE(exporter.exportAll(out), QString());
    const QStringList files = QDir(out).entryList(QDir::Files);
    // Four curve charts and the accuracy chart in two formats, the dashboard, three result files.
    QCOMPARE(files.filter(".png").size(), 6);
    QCOMPARE(files.filter(".svg").size(), 5);
    for (const char* name : {"dashboard.png", "summary.csv", "long.csv", "results.json"})
        QVERIFY2(files.contains(name), name);
    QFile json(QDir(out).filePath("results.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonArray runs = QJsonDocument::fromJson(json.readAll()).array();
    QCOMPARE(runs.size(), 1);  // the planned and the queued run are not results
    QCOMPARE(runs[0]["run"].toString(), QString("20261127-fc1-0.5"));
    QCOMPARE(runs[0]["test_accuracy"].toDouble(), 0.9908);
    QCOMPARE(runs[0]["config"]["name"].toString(), QString("fc1 0.5"));

    // An unwritable target is reported, not ignored.
    QFile blocker(dir.filePath("file"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    QVERIFY(!exporter.exportResults(dir.filePath("file")).isEmpty());
}

QTEST_MAIN(TestResultsExporter)
#include "test_results_exporter.moc"
