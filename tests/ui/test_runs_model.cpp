// RunsModel and RunEntry (ui/runs_model.h, ui/run_entry.h): the table's texts, sorting and the
// conversions between the app's states and the engine's records.
#include "runs_model.h"

#include <QSignalSpy>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestRunsModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }
    void textsOfAFinishedRun();
    void numbersSortAsNumbers();
    void addRemoveAndSignals();
    void lookupsAndCountsWithManyRuns();
    void sortKeysAndFilterTextsFollowChanges();
    void statesAndStatusesRoundTrip();
    void recordsForExportAndStatistics();
    void distinctColours();
    void progressBecomesATrace();
    void identicalRunsAreFound();
};

void TestRunsModel::textsOfAFinishedRun()
{
    RunsModel model;
    ExperimentConfig config;
    config.name = "fc1 0.5";
    config.dropout["fc1"] = {0.5};
    config.epochs = 2;
    const int id = model.addRun(config, RunState::Completed);
    model.update(id, [](RunEntry& e) {
        addEpoch(e.result, {1, 0.3, 0.95, 0.1, 0.97, 10.0, 9.0, 1.0});
        addEpoch(e.result, {2, 0.2, 0.98, 0.05, 0.9905, 10.0, 9.0, 1.0});
        e.result.testAccuracy = 0.9908;
        e.result.wallSeconds = 125.4;
        e.result.device = "cpu";
    });
    auto text = [&](int column) { return model.data(model.index(0, column), Qt::DisplayRole).toString(); };
    QCOMPARE(text(RunsModel::Name), QString("fc1 0.5"));
    QCOMPARE(text(RunsModel::Dropout), QString("fc1 0.5"));
    QCOMPARE(text(RunsModel::Status), QString("completed"));
    QCOMPARE(text(RunsModel::Progress), QString("2/2"));
    QCOMPARE(text(RunsModel::BestVal), QString("99.05 %"));
    QCOMPARE(text(RunsModel::TestAcc), QString("99.08 %"));
    // A run recorded without the dropout-off metric: 98 % train (dropout on) - 99.05 % val, marked.
    QCOMPARE(text(RunsModel::Gap), QString("-1.05 pts (dropout on)"));
    // With it, the gap compares like with like: 99.90 % train (dropout off) - 99.05 % val.
    model.update(id, [](RunEntry& e) {
        e.result.epochs.back().trainEvalAccuracy = 0.9990;
        e.result.epochs.back().trainEvalLoss = 0.004;
    });
    QCOMPARE(text(RunsModel::Gap), QString("0.85 pts"));
    QCOMPARE(model.headerData(RunsModel::Gap, Qt::Horizontal, Qt::DisplayRole).toString(),
             QString("Train−val gap (dropout off)"));
    QCOMPARE(text(RunsModel::Time), QString("2m 05s"));
    QCOMPARE(text(RunsModel::Device), QString("cpu"));
}

void TestRunsModel::numbersSortAsNumbers()
{
    RunsModel model;
    for (const double accuracy : {0.9, 0.1, 0.55}) {
        const int id = model.addRun(ExperimentConfig{}, RunState::Completed);
        model.update(id, [&](RunEntry& e) { e.result.testAccuracy = accuracy; });
    }
    model.addRun(ExperimentConfig{}, RunState::Queued);  // no test accuracy: sorts below every figure
    std::vector<double> keys;
    for (int row = 0; row < model.rowCount(); ++row)
        keys.push_back(model.data(model.index(row, RunsModel::TestAcc), RunsModel::kSortRole).toDouble());
    QCOMPARE(keys, (std::vector<double>{0.9, 0.1, 0.55, -1.0}));
}

void TestRunsModel::addRemoveAndSignals()
{
    RunsModel model;
    QSignalSpy added(&model, &RunsModel::runAdded);
    QSignalSpy changed(&model, &RunsModel::runChanged);
    QSignalSpy removed(&model, &RunsModel::runRemoved);
    const int a = model.addRun(ExperimentConfig{});
    const int b = model.addRun(ExperimentConfig{});
    QVERIFY(a != b);
    model.update(b, [](RunEntry& e) { e.state = RunState::Running; });
    model.update(12345, [](RunEntry& e) { e.state = RunState::Failed; });  // unknown id: nothing happens
    model.removeRun(a);
    QCOMPARE(added.size(), 2);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(!model.find(a));
    QCOMPARE(model.rowOf(b), 0);
}

void TestRunsModel::lookupsAndCountsWithManyRuns()
{
    RunsModel model;
    std::vector<int> ids;
    for (int i = 0; i < 1000; ++i)
        ids.push_back(model.addRun(ExperimentConfig{}, i % 3 == 0 ? RunState::Completed : RunState::Queued));
    QCOMPARE(model.countIn(RunState::Queued), 666);
    QCOMPARE(model.countIn(RunState::Completed), 334);
    // Removed runs leave gaps in the ids: lookups still find every other run, at its row.
    for (int i = 0; i < 1000; i += 7)
        model.removeRun(ids[static_cast<std::size_t>(i)]);
    int row = 0;
    int queued = 0;
    for (int i = 0; i < 1000; ++i) {
        const int id = ids[static_cast<std::size_t>(i)];
        if (i % 7 == 0) {
            QVERIFY(!model.find(id));
            QCOMPARE(model.rowOf(id), -1);
            continue;
        }
        QVERIFY(model.find(id));
        QCOMPARE(model.find(id)->id, id);
        QCOMPARE(model.rowOf(id), row++);
        queued += i % 3 == 0 ? 0 : 1;
    }
    QCOMPARE(model.countIn(RunState::Queued), queued);
    QVERIFY(!model.find(0));
    QVERIFY(!model.find(ids.back() + 1));
    // A state change through update() moves the run between the counts.
    model.update(ids[1], [](RunEntry& e) { e.state = RunState::Running; });
    QCOMPARE(model.countIn(RunState::Queued), queued - 1);
    QCOMPARE(model.countIn(RunState::Running), 1);
    model.clear();
    QCOMPARE(model.countIn(RunState::Running), 0);
    QCOMPARE(model.countIn(RunState::Completed), 0);
}

void TestRunsModel::sortKeysAndFilterTextsFollowChanges()
{
    RunsModel model;
    // Texts that tie in their first 8 UTF-16 units too (the ranking packs those).
    const std::vector<std::string> names = {"b", "a", "c", "a", "B", "", "ab", "run 100000002", "run 10000000",
                                            "run 100000001", "é", "\xf0\x9f\x98\x80 emoji"};
    std::vector<int> ids;
    for (std::size_t i = 0; i < names.size(); ++i) {
        ExperimentConfig config;
        config.name = names[i];
        config.learningRate = 0.01 * static_cast<double>(names.size() - i);
        ids.push_back(model.addRun(config, RunState::Completed));
    }
    const auto text = [&](int row) { return model.index(row, RunsModel::Name).data().toString(); };
    // Every pair agrees with the shown texts' order, ranked (after prepareSort) or not.
    const auto checkOrder = [&](int column) {
        for (int a = 0; a < model.rowCount(); ++a) {
            for (int b = 0; b < model.rowCount(); ++b) {
                const bool expected = column == RunsModel::Name
                                          ? text(a) < text(b)
                                          : model.find(ids[static_cast<std::size_t>(a)])->config.learningRate <
                                                model.find(ids[static_cast<std::size_t>(b)])->config.learningRate;
                if (model.lessThan(a, b, column) != expected)
                    return false;
            }
        }
        return true;
    };
    QVERIFY(checkOrder(RunsModel::Name));
    model.prepareSort(RunsModel::Name);
    QVERIFY(checkOrder(RunsModel::Name));
    // A run renamed after the ranking compares by its new name.
    model.update(ids[2], [](RunEntry& e) { e.config.name = "0 first"; });
    QVERIFY(checkOrder(RunsModel::Name));
    QVERIFY(model.lessThan(2, 1, RunsModel::Name));
    model.prepareSort(RunsModel::Name);  // ranked again with the new name
    QVERIFY(checkOrder(RunsModel::Name));
    // Another column, and back.
    model.prepareSort(RunsModel::LearningRate);
    QVERIFY(checkOrder(RunsModel::LearningRate));
    model.prepareSort(RunsModel::Name);
    QVERIFY(checkOrder(RunsModel::Name));

    // The filter sees every column, case-insensitively, never across two columns, and changes.
    QVERIFY(model.rowContains(6, QStringLiteral("AB")));
    QVERIFY(model.rowContains(6, QStringLiteral("completed")));
    QVERIFY(!model.rowContains(6, QStringLiteral("abnone")));  // "ab" then "none" (dropout)
    model.update(ids[6], [](RunEntry& e) { e.config.name = "renamed"; });
    QVERIFY(!model.rowContains(6, QStringLiteral("ab")));
    QVERIFY(model.rowContains(6, QStringLiteral("RENAMED")));

    // The texts of new rows are made in slices by the event loop.
    for (int i = 0; i < 3000; ++i)
        model.addRun(ExperimentConfig{}, RunState::Queued);
    QVERIFY(model.rowsWithoutTexts() > 0);
    QTRY_COMPARE(model.rowsWithoutTexts(), 0);
}

void TestRunsModel::statesAndStatusesRoundTrip()
{
    for (const RunStatus status : {RunStatus::Completed, RunStatus::Cancelled, RunStatus::Diverged, RunStatus::Failed,
                                   RunStatus::Stopped, RunStatus::Interrupted})
        QCOMPARE(toString(statusFromState(stateFromStatus(status))), toString(status));
    // Not finished: read back from a folder, such a run is interrupted.
    for (const RunState state : {RunState::Queued, RunState::Running, RunState::Planned})
        QCOMPARE(toString(statusFromState(state)), std::string("interrupted"));
}

void TestRunsModel::recordsForExportAndStatistics()
{
    RunEntry single;
    single.dir = QStringLiteral("/ws/20261127-120000-fc1-0.5");
    single.state = RunState::Running;
    addEpoch(single.result, {1, 0.3, 0.9, 0.1, 0.95, 1.0, 1.0, 0.0});
    const RunRecord running = toRunRecord(single);
    QCOMPARE(running.id, std::string("20261127-120000-fc1-0.5"));
    QCOMPARE(toString(running.result.status), std::string("interrupted"));
    QCOMPARE(running.result.epochs.size(), std::size_t{1});

    RunEntry swept = single;
    swept.runKey = QStringLiteral("p01-fc1=0.5-s2");
    swept.state = RunState::Stopped;
    const RunRecord stopped = toRunRecord(swept);
    QCOMPARE(stopped.id, std::string("p01-fc1=0.5-s2"));
    QCOMPARE(toString(stopped.result.status), std::string("stopped"));
}

void TestRunsModel::distinctColours()
{
    QSet<QRgb> colours;
    for (int i = 0; i < 40; ++i)
        colours.insert(runColor(i).rgb());
    QCOMPARE(colours.size(), 40);
}

void TestRunsModel::progressBecomesATrace()
{
    RunEntry e;
    const auto report = [](int epoch, int batch, double loss, double accuracy) {
        BatchProgress p;
        p.epoch = epoch;
        p.batch = batch;
        p.batchesPerEpoch = 8;
        p.loss = loss;          // running means of the epoch so far
        p.accuracy = accuracy;
        return p;
    };
    e.addProgress(report(1, 2, 1.0, 0.5));
    e.addProgress(report(1, 4, 0.75, 0.625));  // batches 3-4: (0.75*4 - 1.0*2) / 2 = 0.5
    e.addProgress(report(2, 2, 0.4, 0.9));     // a new epoch: its own mean
    QCOMPARE(e.trace.size(), std::size_t{3});
    QCOMPARE(e.trace[0].epoch, 0.25);
    QCOMPARE(e.trace[0].loss, 1.0);
    QCOMPARE(e.trace[1].epoch, 0.5);
    QCOMPARE(e.trace[1].loss, 0.5);
    QCOMPARE(e.trace[1].accuracy, 0.75);
    QCOMPARE(e.trace[2].epoch, 1.25);
    QCOMPARE(e.trace[2].loss, 0.4);
    QCOMPARE(e.progress.batch, 2);
    e.addProgress(report(2, 2, 0.4, 0.9));  // a repeated report adds nothing
    QCOMPARE(e.trace.size(), std::size_t{3});

    // A long run keeps at most kMaxTracePoints, thinned evenly.
    RunEntry longRun;
    for (int epoch = 1; longRun.trace.size() < RunEntry::kMaxTracePoints; ++epoch) {
        for (int batch = 1; batch <= 8; ++batch)
            longRun.addProgress(report(epoch, batch, 0.5, 0.5));
    }
    longRun.addProgress(report(100000, 1, 0.5, 0.5));
    QVERIFY(longRun.trace.size() <= RunEntry::kMaxTracePoints);
    QVERIFY(longRun.trace.size() >= RunEntry::kMaxTracePoints / 2);
    QCOMPARE(longRun.trace.front().epoch, 0.125);
    QCOMPARE(longRun.trace.back().epoch, 99999.125);  // the newest point is kept
    longRun.resetProgress();
    QVERIFY(longRun.trace.empty());
    QCOMPARE(longRun.progress.batch, 0);
}

void TestRunsModel::identicalRunsAreFound()
{
    RunsModel model;
    ExperimentConfig config;
    config.name = "a";
    const int done = model.addRun(config, RunState::Completed);
    ExperimentConfig same = config;
    same.name = "another name";  // the name does not make it another experiment
    QCOMPARE(model.findIdentical(same), done);
    ExperimentConfig otherSeed = config;
    otherSeed.seeds.init = 2;
    QCOMPARE(model.findIdentical(otherSeed), -1);
    model.update(done, [](RunEntry& e) { e.state = RunState::Stopped; });  // worth running again
    QCOMPARE(model.findIdentical(same), -1);
}

QTEST_GUILESS_MAIN(TestRunsModel)
#include "test_runs_model.moc"
