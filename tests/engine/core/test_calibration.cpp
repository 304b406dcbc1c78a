// Scores of probabilistic predictions against values worked out by hand on small tables.
#include "dropoutlab/core/calibration.h"

#include <QTest>

#include <cmath>

using namespace dropoutlab;

namespace {

/// Three classes; rows are given as probabilities, labels alongside.
ProbabilityTable table3(std::vector<float> probabilities, std::vector<std::int64_t> labels)
{
    ProbabilityTable t;
    t.classes = 3;
    t.probabilities = std::move(probabilities);
    t.labels = std::move(labels);
    return t;
}

bool near(double a, double b, double tolerance = 1e-6)
{
    return std::abs(a - b) <= tolerance;
}

} // namespace

class TestCalibration final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void accuracyNllBrier();
    void tiesGoToTheLowestClass();
    void reliabilityBinsAndEce();
    void emptyBinsAndEmptyTables();
    void entropyAndMutualInformation();
    void rejection();
    void aurocWithTies();
    void histogramEdges();
};

void TestCalibration::accuracyNllBrier()
{
    // Row 0: label 0, p = (0.7, 0.2, 0.1): right.   Row 1: label 2, p = (0.5, 0.3, 0.2): wrong.
    const auto t = table3({0.7f, 0.2f, 0.1f, 0.5f, 0.3f, 0.2f}, {0, 2});
    QCOMPARE(accuracy(t), 0.5);
    // NLL = (-ln 0.7 - ln 0.2) / 2 = (0.356675 + 1.609438) / 2 = 0.983057
    QVERIFY2(near(negativeLogLikelihood(t), 0.983057), qPrintable(QString::number(negativeLogLikelihood(t), 'g', 10)));
    // Brier: row 0: 0.09 + 0.04 + 0.01 = 0.14; row 1: 0.25 + 0.09 + 0.64 = 0.98; mean 0.56
    QVERIFY(near(brierScore(t), 0.56));
    // A zero probability on the label costs -ln(1e-12), not infinity.
    const auto zero = table3({1.0f, 0.0f, 0.0f}, {1});
    QVERIFY(near(negativeLogLikelihood(zero), -std::log(1e-12)));
    QVERIFY(near(brierScore(zero), 2.0));
}

void TestCalibration::tiesGoToTheLowestClass()
{
    const float row[] = {0.25f, 0.375f, 0.375f};
    QCOMPARE(predictedClass(row, 3), 1);
    const auto t = table3({0.375f, 0.25f, 0.375f}, {2});
    QCOMPARE(accuracy(t), 0.0);  // argmax says class 0
}

void TestCalibration::reliabilityBinsAndEce()
{
    // Four examples, 5 bins of width 0.2. Confidences 0.9 (right), 0.9 (wrong), 0.5 (right),
    // 0.375 (right).
    const auto t = table3({0.9f, 0.05f, 0.05f,    // label 0: right
                           0.05f, 0.9f, 0.05f,    // label 0: wrong
                           0.5f, 0.25f, 0.25f,    // label 0: right
                           0.375f, 0.3125f, 0.3125f},  // label 0: right
                          {0, 0, 0, 0});
    const auto bins = reliabilityBins(t, 5);
    QCOMPARE(bins.size(), std::size_t{5});
    QCOMPARE(bins[0].count, std::int64_t{0});
    QCOMPARE(bins[1].count, std::int64_t{1});  // 0.375
    QVERIFY(near(bins[1].meanConfidence, 0.375) && near(bins[1].accuracy, 1.0));
    QCOMPARE(bins[2].count, std::int64_t{1});  // 0.5
    QCOMPARE(bins[3].count, std::int64_t{0});
    QCOMPARE(bins[4].count, std::int64_t{2});  // 0.9, 0.9
    QVERIFY(near(bins[4].meanConfidence, 0.9) && near(bins[4].accuracy, 0.5));
    QVERIFY(near(bins[4].lower, 0.8) && near(bins[4].upper, 1.0));
    // ECE = 1/4 |1 - 0.375| + 1/4 |1 - 0.5| + 2/4 |0.5 - 0.9| = 0.15625 + 0.125 + 0.2 = 0.48125
    QVERIFY2(near(expectedCalibrationError(bins), 0.48125), qPrintable(QString::number(expectedCalibrationError(bins))));
    // A confidence on a bin edge belongs to the lower bin: 0.5 with 4 bins is in (0.25, 0.5].
    const auto edge = reliabilityBins(table3({0.5f, 0.25f, 0.25f}, {0}), 4);
    QCOMPARE(edge[1].count, std::int64_t{1});
    QCOMPARE(edge[2].count, std::int64_t{0});
}

void TestCalibration::emptyBinsAndEmptyTables()
{
    const ProbabilityTable empty = table3({}, {});
    QCOMPARE(accuracy(empty), 0.0);
    QCOMPARE(negativeLogLikelihood(empty), 0.0);
    QCOMPARE(brierScore(empty), 0.0);
    const auto bins = reliabilityBins(empty, 15);
    QCOMPARE(bins.size(), std::size_t{15});
    QCOMPARE(expectedCalibrationError(bins), 0.0);
    // A perfectly calibrated bin contributes nothing: confidence 1, always right.
    const auto sure = table3({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f}, {0, 1});
    QCOMPARE(expectedCalibrationError(reliabilityBins(sure, 15)), 0.0);
}

void TestCalibration::entropyAndMutualInformation()
{
    const float uniform[] = {1.0f / 3, 1.0f / 3, 1.0f / 3};
    QVERIFY(near(entropy(uniform, 3), std::log(3.0)));
    const float sure[] = {1.0f, 0.0f, 0.0f};
    QCOMPARE(entropy(sure, 3), 0.0);
    // Two confident passes that disagree: each has entropy 0, their mean (0.5, 0.5, 0) has ln 2,
    // so the mutual information (entropy of the mean - mean entropy) is ln 2.
    const float mean[] = {0.5f, 0.5f, 0.0f};
    QVERIFY(near(entropy(mean, 3) - 0.5 * (entropy(sure, 3) + entropy(sure, 3)), std::log(2.0)));
}

void TestCalibration::rejection()
{
    // Uncertainty ranks: ex 3 (0.9, wrong), ex 1 (0.5, wrong), ex 0 and 2 tied (0.1; ex 2 wrong).
    const std::vector<char> correct{1, 0, 0, 0};
    const std::vector<double> uncertainty{0.1, 0.5, 0.1, 0.9};
    QCOMPARE(accuracyAfterRejection(correct, uncertainty, 0.0), 0.25);
    QCOMPARE(accuracyAfterRejection(correct, uncertainty, 0.25), 1.0 / 3);
    QCOMPARE(accuracyAfterRejection(correct, uncertainty, 0.5), 0.5);
    // Of the tie, the later example (2, wrong) goes first.
    QCOMPARE(accuracyAfterRejection(correct, uncertainty, 0.75), 1.0);
    QCOMPARE(accuracyAfterRejection(correct, uncertainty, 1.0), 1.0);
}

void TestCalibration::aurocWithTies()
{
    QCOMPARE(auroc({0.1, 0.2}, {0.8, 0.9}), 1.0);
    QCOMPARE(auroc({0.8, 0.9}, {0.1, 0.2}), 0.0);
    QCOMPARE(auroc({0.5, 0.5}, {0.5, 0.5}), 0.5);
    // Pairs (out, in): (0.3 vs 0.1) win, (0.3 vs 0.3) tie, (0.3 vs 0.5) loss, (0.6 vs each) 3 wins:
    // (1 + 0.5 + 0 + 3) / 6 = 0.75
    QCOMPARE(auroc({0.1, 0.3, 0.5}, {0.3, 0.6}), 0.75);
    QCOMPARE(auroc({}, {0.3}), 0.5);
}

void TestCalibration::histogramEdges()
{
    const auto counts = histogram({-1.0, 0.0, 0.49, 0.5, 1.0, 2.0}, 0.0, 1.0, 2);
    QCOMPARE(counts, (std::vector<std::int64_t>{3, 3}));  // out-of-range values are clamped
}

QTEST_GUILESS_MAIN(TestCalibration)
#include "test_calibration.moc"
