#include "dropoutlab/core/data_split.h"
#include "dropoutlab/core/dataset.h"

#include <QTest>

#include <algorithm>
#include <array>
#include <set>

using namespace dropoutlab;

class TestDataSplit : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void splitIsDeterministicAndPartitions();
    void differentSeedsGiveDifferentSplits();
    void subsetIsBalancedDeterministicAndInsideTrain();
    void subsetOfAllIsIdentity();
    void shufflerIsAPermutation();
};

void TestDataSplit::splitIsDeterministicAndPartitions()
{
    const DataSplit a = makeSplit(60000, 0.2, 42);
    const DataSplit b = makeSplit(60000, 0.2, 42);
    QCOMPARE(a.train.size(), std::size_t{48000});
    QCOMPARE(a.validation.size(), std::size_t{12000});
    QVERIFY(a.train == b.train);
    QVERIFY(a.validation == b.validation);

    std::vector<std::int64_t> all = a.train;
    all.insert(all.end(), a.validation.begin(), a.validation.end());
    std::sort(all.begin(), all.end());
    for (std::int64_t i = 0; i < 60000; ++i)
        QCOMPARE(all[static_cast<std::size_t>(i)], i);
}

void TestDataSplit::differentSeedsGiveDifferentSplits()
{
    QVERIFY(makeSplit(1000, 0.2, 1).validation != makeSplit(1000, 0.2, 2).validation);
}

void TestDataSplit::subsetIsBalancedDeterministicAndInsideTrain()
{
    // Labels with unequal class sizes: class c has 100 + 20c examples.
    constexpr int kClasses = 10;
    std::vector<std::int32_t> labels;
    for (int c = 0; c < kClasses; ++c)
        labels.insert(labels.end(), static_cast<std::size_t>(100 + 20 * c), c);
    const DataSplit split = makeSplit(static_cast<std::int64_t>(labels.size()), 0.2, 7);

    const auto subset = balancedSubset(split.train, labels, 500, 3);
    QCOMPARE(subset.size(), std::size_t{500});
    QVERIFY(subset == balancedSubset(split.train, labels, 500, 3));
    QVERIFY(subset != balancedSubset(split.train, labels, 500, 4));

    const std::set<std::int64_t> train(split.train.begin(), split.train.end());
    const std::set<std::int64_t> unique(subset.begin(), subset.end());
    QCOMPARE(unique.size(), subset.size());
    std::array<int, kClasses> perClass{};
    for (const auto index : subset) {
        QVERIFY(train.count(index) == 1);
        ++perClass[labels[static_cast<std::size_t>(index)]];
    }
    for (const int count : perClass)
        QCOMPARE(count, 50);
}

void TestDataSplit::subsetOfAllIsIdentity()
{
    const std::vector<std::int64_t> indices{4, 2, 9};
    const std::vector<std::int32_t> labels(10, 1);
    QVERIFY(balancedSubset(indices, labels, 0, 1) == indices);
    QVERIFY(balancedSubset(indices, labels, 3, 1) == indices);
}

void TestDataSplit::shufflerIsAPermutation()
{
    std::vector<std::int64_t> values(1000);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<std::int64_t>(i);
    auto shuffled = values;
    SeededShuffler(5).shuffle(shuffled);
    QVERIFY(shuffled != values);
    auto again = values;
    SeededShuffler(5).shuffle(again);
    QVERIFY(again == shuffled);
    std::sort(shuffled.begin(), shuffled.end());
    QVERIFY(shuffled == values);
}

QTEST_GUILESS_MAIN(TestDataSplit)
#include "test_data_split.moc"
