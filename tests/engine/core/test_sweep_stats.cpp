// Sweep statistics (engine/core/include/dropoutlab/core/sweep_stats.h): per point, Welch, Student t.
#include "dropoutlab/core/errors.h"
#include "engine/core/sweep_fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <set>

using namespace dropoutlab;
using namespace dropoutlab::test;

class TestSweepStats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void statsByHand();
    void welchAgainstHandValues();
    void studentDistribution();
    void aggregatesPerPoint();
    void marginalsAverageOverTheOtherAxes();
};

void TestSweepStats::statsByHand()
{
    const Stats s = computeStats({0.9907, 0.9912, 0.9890, 0.9921});
    QVERIFY(std::abs(s.mean - 0.99075) < 1e-12);
    // Deviations from the mean (in 1e-3): -0.05, 0.45, -1.75, 1.35; sample variance divides by 3.
    QVERIFY(std::abs(s.std - std::sqrt((0.0025 + 0.2025 + 3.0625 + 1.8225) * 1e-6 / 3.0)) < 1e-12);
    QCOMPARE(s.min, 0.9890);
    QCOMPARE(s.max, 0.9921);
    QCOMPARE(computeStats({0.5}).std, 0.0);
}

void TestSweepStats::welchAgainstHandValues()
{
    // Worked by hand: means 2.5 and 6, variances 5/3 and 10, so se^2 = 5/12 + 2 = 29/12,
    // t = -3.5 / sqrt(29/12) = -2.251436, df = (29/12)^2 / ((5/12)^2/3 + 1) = 5.520788.
    // p and the 97.5 % quantile by numerical integration of Student's density.
    const WelchResult w = welchTest({1, 2, 3, 4}, {2, 4, 6, 8, 10});
    QVERIFY(std::abs(w.difference + 3.5) < 1e-12);
    QVERIFY(std::abs(w.t + 2.251436) < 1e-6);
    QVERIFY(std::abs(w.degreesOfFreedom - 5.520788) < 1e-6);
    QVERIFY2(std::abs(w.pValue - 0.069134) < 1e-5, qPrintable(QString::number(w.pValue, 'g', 10)));
    QVERIFY2(std::abs(w.ciLow + 7.38537) < 1e-4, qPrintable(QString::number(w.ciLow, 'g', 10)));
    QVERIFY2(std::abs(w.ciHigh - 0.38537) < 1e-4, qPrintable(QString::number(w.ciHigh, 'g', 10)));
    QVERIFY_THROWS_EXCEPTION(ConfigError, welchTest({0.99}, {0.98, 0.97}));
    const WelchResult same = welchTest({0.5, 0.5}, {0.5, 0.5});
    QCOMPARE(same.pValue, 1.0);
}

void TestSweepStats::studentDistribution()
{
    // Table values: t(0.975; 1) = 12.706, t(0.975; 10) = 2.228, large df tends to 1.960.
    QVERIFY(std::abs(studentQuantile(0.975, 1) - 12.7062) < 1e-3);
    QVERIFY(std::abs(studentQuantile(0.975, 10) - 2.2281) < 1e-3);
    QVERIFY(std::abs(studentQuantile(0.975, 1e6) - 1.95996) < 1e-3);
    QVERIFY(std::abs(studentQuantile(0.025, 10) + 2.2281) < 1e-3);
    QVERIFY(std::abs(studentTwoSidedP(0.0, 5) - 1.0) < 1e-12);
    QVERIFY(std::abs(studentTwoSidedP(2.2281388, 10) - 0.05) < 1e-6);
}

void TestSweepStats::aggregatesPerPoint()
{
    SweepSpec spec = gridSpec();
    spec.axes = {parseSweepAxis("fc1=0,0.5")};
    spec.repeats = 2;
    const auto runs = expandSweep(spec);
    std::vector<RunRecord> records = {
        fakeRecord(runs[0].id, 0.990, 0.991, 0.999, 0.990),
        fakeRecord(runs[1].id, 0.992, 0.993, 0.998, 0.992),
        fakeRecord(runs[2].id, 0.980, 0.985, 0.990, 0.985),
        fakeRecord("not-of-this-sweep", 0.1, 0.1, 0.1, 0.1),
    };
    RunRecord stopped = fakeRecord(runs[3].id, 0.5, 0.5, 0.5, 0.5);
    stopped.result.status = RunStatus::Stopped;
    records.push_back(stopped);

    const auto points = aggregateSweep(spec, records);
    QCOMPARE(points.size(), std::size_t{2});
    QCOMPARE(points[0].point.label(), std::string("fc1=0"));
    QCOMPARE(points[0].completedRuns, 2);
    QVERIFY(std::abs(points[0].testAccuracy.mean - 0.991) < 1e-12);
    QVERIFY(std::abs(points[0].testAccuracy.std - std::sqrt(2e-6)) < 1e-12);
    QVERIFY(std::abs(points[0].bestValAccuracy.mean - 0.992) < 1e-12);
    QVERIFY(std::abs(points[0].gap.mean - 0.0075) < 1e-12);
    QCOMPARE(points[1].completedRuns, 1);
    QCOMPARE(points[1].stoppedRuns, 1);
    QCOMPARE(points[1].testAccuracy.mean, 0.980);
}

void TestSweepStats::marginalsAverageOverTheOtherAxes()
{
    SweepSpec spec = gridSpec();
    spec.axes = {parseSweepAxis("fc1=0,0.5"), parseSweepAxis("conv2=0,0.25")};
    spec.repeats = 1;
    const auto runs = expandSweep(spec);  // points (fc1, conv2): (0,0) (0,0.25) (0.5,0) (0.5,0.25)
    const std::vector<double> accuracy = {0.98, 0.97, 0.99, 0.96};
    std::vector<RunRecord> records;
    for (std::size_t i = 0; i < runs.size(); ++i)
        records.push_back(fakeRecord(runs[i].id, accuracy[i], accuracy[i], 0.99, 0.98));
    const auto margins = marginalTestAccuracy(spec, aggregateSweep(spec, records));
    QCOMPARE(margins.size(), std::size_t{2});
    QVERIFY(std::abs(margins[0][0].mean - 0.975) < 1e-12);  // fc1 = 0: (0.98 + 0.97) / 2
    QVERIFY(std::abs(margins[0][1].mean - 0.975) < 1e-12);  // fc1 = 0.5: (0.99 + 0.96) / 2
    QVERIFY(std::abs(margins[1][0].mean - 0.985) < 1e-12);  // conv2 = 0
    QVERIFY(std::abs(margins[1][1].mean - 0.965) < 1e-12);  // conv2 = 0.25
    QCOMPARE(margins[1][1].count, 2);
    // A point without a completed run is left out.
    records.pop_back();
    const auto partial = marginalTestAccuracy(spec, aggregateSweep(spec, records));
    QCOMPARE(partial[1][1].count, 1);
    QCOMPARE(partial[1][1].mean, 0.97);
}

QTEST_GUILESS_MAIN(TestSweepStats)
#include "test_sweep_stats.moc"
