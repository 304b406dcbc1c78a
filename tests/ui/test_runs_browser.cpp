// RunsBrowser and ConfigCompareDialog (ui/runs_browser.h, ui/config_compare_dialog.h): comparing
// two runs' configs and loading a run into the panel.
#include "config_compare_dialog.h"
#include "runs_browser.h"
#include "runs_model.h"
#include "runs_table.h"

#include <QCheckBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestRunsBrowser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void compareDialogHighlightsTheDifferences();
    void buttonsNeedTheRightSelection();

private:
    QTemporaryDir m_settings;
};

void TestRunsBrowser::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", m_settings.path().toUtf8());
}

void TestRunsBrowser::compareDialogHighlightsTheDifferences()
{
    ExperimentConfig a;
    a.name = "a";
    ExperimentConfig b = a;
    b.name = "b";
    b.dropout["fc1"] = {0.5, DropoutKind::Element};
    b.learningRate = 0.05;
    ConfigCompareDialog dialog("a", a, "b", b);
    QCOMPARE(dialog.differingKeys(), (QStringList{"dropout.fc1.kind", "dropout.fc1.rate", "learning_rate", "name"}));
    const int all = dialog.shownRows();
    QVERIFY(all > 20);  // every setting, nested ones flattened
    dialog.findChild<QCheckBox*>()->setChecked(true);
    QCOMPARE(dialog.shownRows(), 4);

    ConfigCompareDialog same("a", a, "a again", a);
    QVERIFY(same.differingKeys().isEmpty());
}

void TestRunsBrowser::buttonsNeedTheRightSelection()
{
    RunsModel model;
    ExperimentConfig config;
    const int first = model.addRun(config, RunState::Completed);
    model.addRun(config, RunState::Completed);
    RunsBrowser browser(&model);
    auto* compare = browser.findChildren<QPushButton*>().at(0);
    auto* load = browser.findChildren<QPushButton*>().at(1);
    QCOMPARE(compare->text(), QString("Compare"));
    QVERIFY(!compare->isEnabled() && !load->isEnabled());
    QSignalSpy loads(&browser, &RunsBrowser::loadIntoPanel);
    browser.table()->selectRow(0);
    QVERIFY(load->isEnabled() && !compare->isEnabled());
    load->click();
    QCOMPARE(loads.count(), 1);
    QCOMPARE(loads.first().first().toInt(), first);
    browser.table()->selectAll();
    QVERIFY(compare->isEnabled() && !load->isEnabled());
}

QTEST_MAIN(TestRunsBrowser)
#include "test_runs_browser.moc"
