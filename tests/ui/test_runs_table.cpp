// RunsTable and QueueControls (ui/runs_table.h): the table sorts numbers as numbers and reports
// the selected runs; the queue's buttons follow the window's state.
#include "runs_model.h"
#include "runs_table.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestRunsTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sortsAndSelects();
    void buttonsFollowTheState();
};

void TestRunsTable::sortsAndSelects()
{
    RunsModel model;
    std::vector<int> ids;
    for (const double accuracy : {0.9912, 0.985, 0.99}) {  // as text "99.12 %" < "98.5 %" would be wrong
        const int id = model.addRun(ExperimentConfig{}, RunState::Completed);
        model.update(id, [&](RunEntry& e) { e.result.testAccuracy = accuracy; });
        ids.push_back(id);
    }
    RunsTable table(&model);
    table.sortByColumn(RunsModel::TestAcc, Qt::DescendingOrder);
    const auto idAt = [&](int row) { return table.model()->index(row, 0).data(RunsModel::kIdRole).toInt(); };
    QCOMPARE(idAt(0), ids[0]);
    QCOMPARE(idAt(1), ids[2]);
    QCOMPARE(idAt(2), ids[1]);

    QSignalSpy changed(&table, &RunsTable::selectionChanged);
    QVERIFY(!table.hasSelection());
    table.selectRow(1);
    QVERIFY(table.hasSelection());
    QCOMPARE(table.selectedIds(), QList<int>{ids[2]});
    QVERIFY(!changed.isEmpty());
}

void TestRunsTable::buttonsFollowTheState()
{
    QueueControls controls;
    auto button = [&](const char* text) {
        for (auto* b : controls.findChildren<QPushButton*>()) {
            if (b->text() == QLatin1String(text))
                return b;
        }
        return static_cast<QPushButton*>(nullptr);
    };
    QVERIFY(button("Add run") && button("Run") && button("Stop") && button("Remove selected"));
    controls.update(/*settingsValid=*/true, /*running=*/false, /*somethingQueued=*/true, /*selection=*/false);
    QVERIFY(button("Add run")->isEnabled() && button("Run")->isEnabled());
    QVERIFY(!button("Stop")->isEnabled() && !button("Remove selected")->isEnabled());
    controls.update(false, true, true, true);
    QVERIFY(!button("Add run")->isEnabled() && !button("Compare with/without dropout")->isEnabled());
    QVERIFY(!button("Run")->isEnabled() && button("Stop")->isEnabled() && button("Remove selected")->isEnabled());

    QSignalSpy run(&controls, &QueueControls::run);
    controls.update(true, false, true, false);
    QTest::mouseClick(button("Run"), Qt::LeftButton);
    QCOMPARE(run.size(), 1);
}

QTEST_MAIN(TestRunsTable)
#include "test_runs_table.moc"
