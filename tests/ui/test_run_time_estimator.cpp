// RunTimeEstimator (ui/run_time_estimator.h): speed and dataset size from a finished epoch.
#include "run_time_estimator.h"
#include "runs_model.h"

#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestRunTimeEstimator : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void noMeasurementWithoutAnEpoch();
    void speedAndSizesFromTheLatestEpoch();
    void subsetsAndOtherDatasets();
};

void TestRunTimeEstimator::noMeasurementWithoutAnEpoch()
{
    RunsModel model;
    model.addRun(ExperimentConfig{}, RunState::Queued);
    const RunTimeEstimator estimator(model);
    QVERIFY(!estimator.hasMeasurement());
    QCOMPARE(estimator.runSeconds(ExperimentConfig{}), 0.0);
}

void TestRunTimeEstimator::speedAndSizesFromTheLatestEpoch()
{
    RunsModel model;
    // MNIST: 48,000 training and 12,000 validation images; an epoch took 52 s.
    const int id = model.addRun(ExperimentConfig{}, RunState::Completed);
    model.update(id, [](RunEntry& e) {
        e.info.trainImages = 48000;
        e.info.validationImages = 12000;
        e.result.epochs.push_back({1, 0.1, 0.9, 0.1, 0.9, 52.0, 48.0, 4.0});
    });
    const RunTimeEstimator estimator(model);
    QVERIFY(estimator.hasMeasurement());
    QCOMPARE(estimator.trainFileImages(), 60000.0);
    // 52 s / (48,000 + 12,000 / 3) = 1 ms per image.
    QCOMPARE(estimator.secondsPerImage(), 0.001);
    ExperimentConfig tenEpochs;
    tenEpochs.epochs = 10;
    QCOMPARE(estimator.runSeconds(tenEpochs), 520.0);
}

void TestRunTimeEstimator::subsetsAndOtherDatasets()
{
    RunsModel model;
    // A subset run on a dataset of 10,000 training-file images (validation 2,000): 4,000 + 2,000 / 3
    // images took 14 s, i.e. 3 ms an image.
    ExperimentConfig measured;
    measured.trainSubset = 4000;
    const int id = model.addRun(measured, RunState::Completed);
    model.update(id, [](RunEntry& e) {
        e.info.trainImages = 4000;
        e.info.validationImages = 2000;
        e.result.epochs.push_back({1, 0.1, 0.9, 0.1, 0.9, 14.0, 12.0, 2.0});
    });
    const RunTimeEstimator estimator(model);
    QCOMPARE(estimator.trainFileImages(), 10000.0);
    QVERIFY(qFuzzyCompare(estimator.secondsPerImage(), 0.003));
    ExperimentConfig full;  // the whole training part: 8,000 images, 2 epochs
    full.epochs = 2;
    QVERIFY(qFuzzyCompare(estimator.runSeconds(full), 2 * (8000 + 2000 / 3.0) * 0.003));
    ExperimentConfig bigSubset = full;  // a subset larger than the data is the data
    bigSubset.trainSubset = 50000;
    QVERIFY(qFuzzyCompare(estimator.runSeconds(bigSubset), estimator.runSeconds(full)));
}

QTEST_GUILESS_MAIN(TestRunTimeEstimator)
#include "test_run_time_estimator.moc"
