// RunsTable and QueueControls (ui/runs_table.h): the table sorts numbers as numbers and reports
// the selected runs; the queue's buttons follow the window's state.
#include "runs_model.h"
#include "runs_table.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestRunsTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sortsAndSelects();
    void buttonsFollowTheState();
    void settingColumnsAndTheirChoicePersist();
    void filterAndDifferencesOnly();

private:
    QTemporaryDir m_settings;
};

namespace {

/// Three runs: two CNNs at learning rate 0.01 (one with fc1 0.5), an MLP at 0.1.
void addThreeRuns(RunsModel& model)
{
    ExperimentConfig cnn;
    cnn.name = "no dropout";
    model.addRun(cnn, RunState::Completed);
    cnn.name = "fc1 dropout 0.5";
    cnn.dropout["fc1"] = {0.5, DropoutKind::Element};
    model.addRun(cnn, RunState::Completed);
    ExperimentConfig mlp;
    mlp.name = "wide mlp";
    mlp.model = ModelKind::Mlp;
    mlp.hiddenWidths = {1024, 1024};
    mlp.learningRate = 0.1;
    model.addRun(mlp, RunState::Queued);
}

} // namespace

void TestRunsTable::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", m_settings.path().toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("DropoutLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("DropoutLabRunsTable"));
}

void TestRunsTable::settingColumnsAndTheirChoicePersist()
{
    RunsModel model;
    addThreeRuns(model);
    const auto text = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(text(0, RunsModel::Model), QString("CNN"));
    QCOMPARE(text(2, RunsModel::Model), QString("MLP 1024-1024"));
    QCOMPARE(text(2, RunsModel::LearningRate), QString("0.1"));
    QCOMPARE(text(0, RunsModel::Optimiser), QString("sgd"));
    QCOMPARE(text(0, RunsModel::Seeds), QString("1, split 42"));
    QCOMPARE(text(0, RunsModel::Subset), QString("all"));
    {
        RunsTable table(&model);
        // By default a few setting columns show, the rest wait in the header's menu.
        QVERIFY(!table.isColumnHidden(RunsModel::Model));
        QVERIFY(!table.isColumnHidden(RunsModel::LearningRate));
        QVERIFY(table.isColumnHidden(RunsModel::Seeds));
        table.setColumnChosen(RunsModel::Seeds, true);
        table.setColumnChosen(RunsModel::Model, false);
        QVERIFY(!table.isColumnHidden(RunsModel::Seeds));
        QVERIFY(table.isColumnHidden(RunsModel::Model));
    }
    RunsTable reopened(&model);  // the choice is kept
    QVERIFY(!reopened.isColumnHidden(RunsModel::Seeds));
    QVERIFY(reopened.isColumnHidden(RunsModel::Model));
    reopened.setColumnChosen(RunsModel::Model, true);
}

void TestRunsTable::filterAndDifferencesOnly()
{
    RunsModel model;
    addThreeRuns(model);
    RunsTable table(&model);
    table.setFilterText(QStringLiteral("MLP"));
    QCOMPARE(table.model()->rowCount(), 1);
    table.setFilterText(QStringLiteral("CNN"));
    QCOMPARE(table.model()->rowCount(), 2);

    // The two CNN runs differ only in dropout: that column stays, model and learning rate go.
    table.setDifferencesOnly(true);
    QVERIFY(!table.isColumnHidden(RunsModel::Dropout));
    QVERIFY(table.isColumnHidden(RunsModel::Model));
    QVERIFY(table.isColumnHidden(RunsModel::LearningRate));
    QVERIFY(!table.isColumnHidden(RunsModel::TestAcc));  // results are never hidden as "the same"
    // With all three runs the model and learning rate differ again.
    table.setFilterText({});
    QVERIFY(!table.isColumnHidden(RunsModel::Model));
    QVERIFY(!table.isColumnHidden(RunsModel::LearningRate));
    table.setDifferencesOnly(false);
    QVERIFY(!table.isColumnHidden(RunsModel::Dropout));
}

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
