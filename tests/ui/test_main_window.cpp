#include "fixture_runs.h"

#include "chart_axes.h"
#include "accuracy_chart.h"
#include "chart_export.h"
#include "chart_view.h"
#include "curves_view.h"
#include "dropout_editor.h"
#include "experiment_panel.h"
#include "main_window.h"
#include "model_fixture.h"
#include "runs_browser.h"
#include "runs_table.h"
#include "run_queue.h"
#include "runs_model.h"

#include "dropoutlab/core/presets.h"

#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QPushButton>
#include <QSignalSpy>
#include <QFileInfo>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QAction>
#include <QTest>
#include <QAbstractButton>
#include <QTimer>
#include <QValueAxis>

using namespace dropoutlab;
using namespace dropoutlab::ui;
using dropoutlab::test::shortFixtureRun;
using dropoutlab::test::statusInFolder;

namespace {

/// Answers the next message box the window opens (an identical-run question) with `button`.
void answerNextQuestion(QMessageBox::StandardButton button)
{
    QTimer::singleShot(0, [button] {
        QTRY_VERIFY(QApplication::activeModalWidget() != nullptr);
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        QVERIFY(box && box->text().contains("same settings and seeds"));
        box->button(button)->click();
    });
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void startsWithTheReferenceReady();
    void keyboardShortcuts();
    void finishedRunLoadsIntoThePanel();
    void notesAreEditedAndKeptAcrossAReopen();
    void dropoutEditorFollowsTheModel();
    void panelRefusesInvalidSettings();
    void panelKeepsOptimiserSettings();
    void accuracyAxisIsZoomed();
    void niceRangesHaveFewTicks_data();
    void niceRangesHaveFewTicks();
    void runsExportsAndReopens();
    void closingDuringTrainingKeepsEpochs();
    void damagedRunFoldersAreSkippedAndNamed();

private:
    QTemporaryDir m_settings;
};

void TestMainWindow::initTestCase()
{
    // Keep QSettings away from the user's real configuration.
    qputenv("XDG_CONFIG_HOME", m_settings.path().toUtf8());
    QApplication::setOrganizationName(QStringLiteral("DropoutLabTest"));
    QApplication::setApplicationName(QStringLiteral("DropoutLabTest"));
}

void TestMainWindow::startsWithTheReferenceReady()
{
    QTemporaryDir workspace;
    MainWindow window;
    QVERIFY(window.openWorkspace(workspace.path()));
    window.enqueuePlan(findPreset("reference").runs);
    QCOMPARE(window.runQueue()->queuedCount(), 2);
    QVERIFY(!window.runQueue()->isRunning());
    const ExperimentConfig config = window.experimentPanel()->config();
    QCOMPARE(config.dropout.at("fc1").rate, 0.5);
    QCOMPARE(config.epochs, 10);
    QCOMPARE(config.learningRate, 0.01);
}

void TestMainWindow::keyboardShortcuts()
{
    QTemporaryDir workspace;
    MainWindow window;
    QVERIFY(window.openWorkspace(workspace.path()));
    // The fixture dataset, not whatever the user's data folder holds: without a dataset the panel
    // is invalid and Ctrl+Return rightly adds nothing.
    window.experimentPanel()->setConfig(shortFixtureRun("keys", 0.5));
    QVERIFY2(window.experimentPanel()->isValid(), qPrintable(window.experimentPanel()->problem()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const auto action = [&window](const char* name) { return window.findChild<QAction*>(QLatin1String(name)); };
    QCOMPARE(action("runQueue")->shortcut(), QKeySequence(Qt::Key_F5));
    QCOMPARE(action("stopQueue")->shortcut(), QKeySequence(Qt::Key_Escape));
    QCOMPARE(action("openWorkspace")->shortcut(), QKeySequence(QKeySequence::Open));
    QCOMPARE(action("exportResults")->shortcut(), QKeySequence(QKeySequence::Save));
    QVERIFY2(action("closeWindow")->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_W)),
             qPrintable(QKeySequence::listToString(action("closeWindow")->shortcuts())));
    QVERIFY(action("sweepDialog")->shortcut() != QKeySequence(QKeySequence::Close));  // Ctrl+W closes, nothing else

    // Keys go through the shortcut map, which serves the active window only. The window is made
    // active here and now rather than when the platform gets round to it (a modal box in between,
    // or a busy machine, delays that): nothing between this and the key press runs the event loop.
    const auto press = [&window](Qt::Key key, Qt::KeyboardModifiers modifiers) {
        QApplication::setActiveWindow(&window);
        if (QApplication::activeWindow() != &window)
            return false;
        QTest::keyClick(&window, key, modifiers);
        return true;
    };
    // Ctrl+Return adds a run, Ctrl+Shift+Return the pair with and without dropout.
    QCOMPARE(window.runQueue()->queuedCount(), 0);
    QVERIFY(press(Qt::Key_Return, Qt::ControlModifier));
    QCOMPARE(window.runQueue()->queuedCount(), 1);
    // Ctrl+Enter (the keypad's key) too; the run repeats the one just added, so the window asks
    // first. No: nothing is added.
    answerNextQuestion(QMessageBox::No);
    QVERIFY(press(Qt::Key_Enter, Qt::ControlModifier));
    QCOMPARE(window.runQueue()->queuedCount(), 1);
    // The pair's dropout run repeats it as well: asked, Yes, both added.
    answerNextQuestion(QMessageBox::Yes);
    QVERIFY(press(Qt::Key_Return, Qt::ControlModifier | Qt::ShiftModifier));
    QCOMPARE(window.runQueue()->queuedCount(), 3);

    // Ctrl+W closes the window (the runs stay queued: nothing was started).
    QVERIFY(press(Qt::Key_W, Qt::ControlModifier));
    QTRY_VERIFY(!window.isVisible());
    QVERIFY(!window.runQueue()->isRunning());
}

void TestMainWindow::finishedRunLoadsIntoThePanel()
{
    QTemporaryDir workspace;
    MainWindow window;
    QVERIFY(window.openWorkspace(workspace.path()));
    ExperimentConfig config;
    config.name = "wide";
    config.model = ModelKind::Mlp;
    config.hiddenWidths = {512, 256};
    config.dropout["hidden1"] = {0.3, DropoutKind::Element};
    config.learningRate = 0.123;
    config.epochs = 7;
    window.runsModel()->addRun(config, RunState::Completed);
    QVERIFY(window.experimentPanel()->config().model == ModelKind::Cnn);
    auto* browser = window.findChild<RunsBrowser*>();
    QVERIFY(browser);
    browser->table()->selectRow(0);
    browser->loadSelected();
    const ExperimentConfig loaded = window.experimentPanel()->config();
    QVERIFY(loaded.model == ModelKind::Mlp);
    QCOMPARE(loaded.hiddenWidths, (std::vector<int>{512, 256}));
    QCOMPARE(loaded.dropout.at("hidden1").rate, 0.3);
    QCOMPARE(loaded.learningRate, 0.123);
    QCOMPARE(loaded.epochs, 7);
}

void TestMainWindow::notesAreEditedAndKeptAcrossAReopen()
{
    QTemporaryDir workspace;
    test::writeRecordedRun(workspace.path(), "noted", 0.95);
    const QString notes = QString::fromUtf8("lr too high? ∆ 0.3 pts — try 0.005");
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(workspace.path()));
        RunsTable* table = window.findChild<RunsBrowser*>()->table();
        QVERIFY(!table->isColumnHidden(RunsModel::Notes));
        const QModelIndex cell = table->model()->index(0, RunsModel::Notes);
        QVERIFY(cell.flags().testFlag(Qt::ItemIsEditable));
        QVERIFY(table->model()->setData(cell, notes));  // what the table's editor does
        QCOMPARE(cell.data().toString(), notes);
    }
    MainWindow reopened;
    QVERIFY(reopened.openWorkspace(workspace.path()));
    QCOMPARE(reopened.runsModel()->entries().front().notes, notes);
    // A queued run has no folder yet: its notes cell is not editable.
    const int queued = reopened.runsModel()->addRun(ExperimentConfig{}, RunState::Queued);
    QVERIFY(!reopened.runsModel()->index(reopened.runsModel()->rowOf(queued), RunsModel::Notes).flags().testFlag(Qt::ItemIsEditable));
    QString error;
    QVERIFY(!reopened.runsModel()->setNotes(queued, "x", &error));
    QVERIFY(error.contains("no folder yet"));
}

void TestMainWindow::dropoutEditorFollowsTheModel()
{
    DropoutEditor editor;
    QCOMPARE(editor.findChildren<QComboBox*>().size(), 4);
    // Each site lists the kinds it can take: channel only on several feature maps (conv1, conv2),
    // dropblock on any maps (the input image too), DropConnect everywhere here (a weighted layer
    // follows every site).
    int withChannel = 0, withBlock = 0, withConnect = 0;
    for (auto* combo : editor.findChildren<QComboBox*>()) {
        withChannel += combo->findData(QStringLiteral("channel")) >= 0 ? 1 : 0;
        withBlock += combo->findData(QStringLiteral("dropblock/3")) >= 0 ? 1 : 0;
        withConnect += combo->findData(QStringLiteral("dropconnect")) >= 0 ? 1 : 0;
        QVERIFY(combo->findData(QStringLiteral("gaussian")) >= 0 && combo->findData(QStringLiteral("alpha")) >= 0);
    }
    QCOMPARE(withChannel, 2);
    QCOMPARE(withBlock, 3);
    QCOMPARE(withConnect, 4);

    editor.setDropout({{"input", {0.2, DropoutKind::Element}}, {"conv2", {0.3, DropoutKind::Channel}}});
    auto dropout = editor.dropout();
    QCOMPARE(dropout.size(), std::size_t{2});
    QVERIFY(dropout.at("conv2").kind == DropoutKind::Channel);
    // A kind and block size, and a schedule from a config, come back as set.
    const DropoutSetting block{0.1, DropoutKind::DropBlock, 3, RateSchedule::Ramp, 0.0, 5};
    editor.setDropout({{"conv2", block}});
    QVERIFY(editor.dropout().at("conv2") == block);
    editor.setDropout({{"input", {0.2, DropoutKind::Element}}, {"conv2", {0.3, DropoutKind::Channel}}});

    editor.setModel(ModelKind::Mlp);
    QCOMPARE(editor.findChildren<QComboBox*>().size(), 3);
    dropout = editor.dropout();
    QCOMPARE(dropout.size(), std::size_t{1});  // input is shared, conv2 is gone
    QCOMPARE(dropout.at("input").rate, 0.2);
}

void TestMainWindow::panelRefusesInvalidSettings()
{
    ExperimentPanel panel;
    ExperimentConfig config = shortFixtureRun("ok", 0.5);
    panel.setConfig(config);
    QVERIFY2(panel.isValid(), qPrintable(panel.problem()));

    QSignalSpy validity(&panel, &ExperimentPanel::validityChanged);
    config.dataDir = "/nonexistent/idx-folder";
    panel.setConfig(config);
    QVERIFY(!panel.isValid());
    QVERIFY(panel.problem().contains("dataset", Qt::CaseInsensitive));
    QCOMPARE(validity.size(), 1);

    MainWindow window;
    window.experimentPanel()->setConfig(config);
    auto buttons = window.findChildren<QPushButton*>();
    const auto add = std::find_if(buttons.begin(), buttons.end(), [](QPushButton* b) { return b->text() == "Add run"; });
    QVERIFY(add != buttons.end());
    QVERIFY(!(*add)->isEnabled());
}

void TestMainWindow::panelKeepsOptimiserSettings()
{
    // Every run of the papers' presets goes through the panel unchanged (the name aside).
    ExperimentPanel panel;
    for (const char* name : {"hinton2012", "srivastava2014"}) {
        for (ExperimentConfig run : findPreset(name).runs) {
            run.dataDir.clear();
            panel.setConfig(run);
            ExperimentConfig back = panel.config();
            back.name = run.name;
            QVERIFY2(back == run, qPrintable(QString::fromStdString(name + std::string(": ") + run.name + "\n" +
                                                                    configToJson(run) + configToJson(back))));
        }
    }
    // The group's fields reach the config, and invalid combinations are refused with the field named.
    panel.setConfig(shortFixtureRun("plain", 0.5));
    const auto spins = panel.findChildren<QDoubleSpinBox*>();
    const auto decay = std::find_if(spins.begin(), spins.end(), [](QDoubleSpinBox* s) {
        return s->toolTip().startsWith("L2 penalty");
    });
    QVERIFY(decay != spins.end());
    (*decay)->setValue(0.0005);
    QCOMPARE(panel.config().weightDecay, 0.0005);
    const auto combos = panel.findChildren<QComboBox*>();
    const auto optimiser = std::find_if(combos.begin(), combos.end(), [](QComboBox* c) {
        return c->findData(QStringLiteral("adamw")) >= 0;
    });
    QVERIFY(optimiser != combos.end());
    (*optimiser)->setCurrentIndex((*optimiser)->findData(QStringLiteral("adam")));
    QVERIFY(panel.config().optimiser == OptimiserKind::Adam);
    QVERIFY(panel.isValid());
    const auto ramp = std::find_if(spins.begin(), spins.end(), [](QDoubleSpinBox* s) { return s->prefix() == "from "; });
    QVERIFY(ramp != spins.end());
    const auto rampEpochs = panel.findChildren<QSpinBox*>();
    const auto epochs = std::find_if(rampEpochs.begin(), rampEpochs.end(), [](QSpinBox* s) { return s->prefix() == "over "; });
    QVERIFY(epochs != rampEpochs.end());
    (*epochs)->setValue(10);
    QVERIFY(!panel.isValid());
    QVERIFY2(panel.problem().contains("momentum ramp applies to the sgd optimiser only"), qPrintable(panel.problem()));
}

void TestMainWindow::accuracyAxisIsZoomed()
{
    RunsModel model;
    AccuracyChart chart(&model);
    for (const double accuracy : {0.9907, 0.9912}) {
        const int id = model.addRun(shortFixtureRun("r", 0.0), RunState::Completed);
        model.update(id, [&](RunEntry& e) { e.result.testAccuracy = accuracy; });
    }
    chart.flush();
    const auto [lo, hi] = chart.axisRange();
    QVERIFY2(lo > 98.5 && lo < 99.07 && hi > 99.12 && hi <= 100.0, qPrintable(QString("%1-%2").arg(lo).arg(hi)));
}

void TestMainWindow::niceRangesHaveFewTicks_data()
{
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::newRow("single accuracy point") << 83.5 << 83.5;
    QTest::newRow("single loss point") << 0.0 << 0.0;
    QTest::newRow("accuracy curves") << 96.8 << 99.12;
    QTest::newRow("loss curves") << 0.0 << 0.48;
    QTest::newRow("tiny differences") << 99.07 << 99.0701;
}

void TestMainWindow::niceRangesHaveFewTicks()
{
    QFETCH(double, lo);
    QFETCH(double, hi);
    QValueAxis axis;
    axis.setRange(0, 1e6);  // a previous, very different range must not matter
    setNiceRange(&axis, lo, hi, 0.0, 100.0);
    QVERIFY(axis.min() <= lo && axis.max() >= std::min(hi, 100.0));
    QVERIFY(axis.max() > axis.min());
    const int ticks = axis.tickCount();
    QVERIFY2(ticks >= 3 && ticks <= 13, qPrintable(QString::number(ticks)));
    // Ticks fall on round values: the step is 1, 2, 2.5 or 5 times a power of ten.
    const double step = (axis.max() - axis.min()) / (ticks - 1);
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    QVERIFY2(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 || std::abs(mantissa - 2.5) < 1e-6 ||
                 std::abs(mantissa - 5) < 1e-6,
             qPrintable(QString::number(step)));
}

void TestMainWindow::runsExportsAndReopens()
{
    QTemporaryDir workspace;
    QTemporaryDir exportDir;
    {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(window.openWorkspace(workspace.path()));
        window.enqueuePlan({shortFixtureRun("no dropout", 0.0), shortFixtureRun("fc1 0.5", 0.5)});
        window.setFinishActions(exportDir.path(), false);
        QSignalSpy finished(window.runQueue(), &RunQueue::queueFinished);
        window.runQueue()->start();
        QVERIFY(finished.wait(120000));

        for (const char* stem : {"training-loss", "validation-loss", "training-accuracy", "validation-accuracy",
                                 "test-accuracy"}) {
            for (const char* suffix : {".png", ".svg"}) {
                const QString path = exportDir.filePath(QString(stem) + suffix);
                QVERIFY2(QFile(path).size() > 1000, qPrintable(path));
            }
        }
        const QImage png(exportDir.filePath("validation-accuracy.png"));
        const ChartView* view = window.curvesView()->chartViews()[3];
        QCOMPARE(png.size(), view->size() * 2);
        QVERIFY(QFile(exportDir.filePath("dashboard.png")).size() > 1000);
        QVERIFY(QFile(exportDir.filePath("summary.csv")).size() > 100);
        QVERIFY(QFile(exportDir.filePath("results.json")).size() > 100);

        const QString pdf = exportDir.filePath("test-accuracy.pdf");
        QVERIFY(exportChart(window.accuracyChart()->chartView(), pdf).isEmpty());
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");

        // Every run has its curves: two epoch points per validation series (the faint raw curves
        // behind them are empty without smoothing).
        int shown = 0;
        for (auto* series : view->chart()->series()) {
            if (!series->isVisible())
                continue;
            QCOMPARE(qobject_cast<QLineSeries*>(series)->count(), 2);
            ++shown;
        }
        QCOMPARE(shown, 2);
    }
    MainWindow reopened;
    QVERIFY(reopened.openWorkspace(workspace.path()));
    QCOMPARE(reopened.runsModel()->rowCount(), 2);
    for (const auto& entry : reopened.runsModel()->entries()) {
        QCOMPARE(displayName(entry.state), displayName(RunState::Completed));
        QCOMPARE(entry.result.epochs.size(), std::size_t{2});
    }
    reopened.curvesView()->flush();
    // A reopened run has its per-epoch training figures (the per-report trace lives only in the
    // session that trained it). series()[0] is the faint raw line behind the first run's curve.
    QCOMPARE(qobject_cast<QLineSeries*>(reopened.curvesView()->chartViews()[0]->chart()->series().at(1))->count(), 2);
}

void TestMainWindow::closingDuringTrainingKeepsEpochs()
{
    QTemporaryDir workspace;
    auto* window = new MainWindow;
    window->show();
    QVERIFY(window->openWorkspace(workspace.path()));
    window->enqueuePlan({shortFixtureRun("long", 0.5, 500)});
    window->runQueue()->start();
    RunsModel* model = window->runsModel();
    const int id = model->entries().front().id;
    QTRY_VERIFY_WITH_TIMEOUT(!model->find(id)->result.epochs.empty(), 60000);
    const QString dir = model->find(id)->dir;
    QVERIFY(window->close());
    delete window;
    QCOMPARE(statusInFolder(dir), QString("cancelled"));
    QVERIFY(!loadRun(dir.toStdString()).result.epochs.empty());
}

void TestMainWindow::damagedRunFoldersAreSkippedAndNamed()
{
    // A shared workspace: one finished run, one killed mid-training, one damaged.
    QTemporaryDir workspace;
    const QByteArray epoch =
        R"({"epoch":1,"seconds":1,"train_accuracy":0.9,"train_loss":0.3,"val_accuracy":0.8,"val_loss":0.4})";
    const auto write = [&](const QString& path, const QByteArray& bytes) {
        QVERIFY(QDir().mkpath(QFileInfo(path).path()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bytes);
    };
    for (const char* name : {"1-finished", "2-killed", "3-damaged"}) {
        write(workspace.filePath(QString(name) + "/config.json"), R"({"name": ")" + QByteArray(name) + "\"}");
        write(workspace.filePath(QString(name) + "/metrics.jsonl"), epoch + "\n");
    }
    write(workspace.filePath("1-finished/result.json"), R"({"status": "completed", "epochs": [)" + epoch + "]}");
    write(workspace.filePath("3-damaged/result.json"), R"({"status": "completed", "test_accuracy": 97.5})");

    MainWindow window;
    window.show();
    QVERIFY(window.openWorkspace(workspace.path()));
    QCOMPARE(window.runsModel()->rowCount(), 2);
    QCOMPARE(displayName(window.runsModel()->entries()[0].state), displayName(RunState::Completed));
    QCOMPARE(displayName(window.runsModel()->entries()[1].state), displayName(RunState::Interrupted));
    QCOMPARE(window.workspaceProblems().size(), 1);
    QVERIFY(window.workspaceProblems().first().contains("3-damaged/result.json"));
    QVERIFY(window.workspaceProblems().first().contains("'test_accuracy' is 97.5"));
    // The user is told, without a modal dialog holding anything up.
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox*>()) != nullptr && box->isVisible());
    QVERIFY(box->text().contains("3-damaged"));
    QVERIFY(!box->isModal() || box->windowModality() != Qt::ApplicationModal);
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
