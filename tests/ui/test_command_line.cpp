// The app's command line (ui/command_line.h): the run flags it shares with the CLI and its own.
#include "command_line.h"

#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

bool parse(const QStringList& arguments, GuiOptions& options, QString& error)
{
    return parseGuiCommandLine(QStringList{"dropoutlab"} + arguments, options, error);
}

} // namespace

class TestCommandLine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void nothingGiven();
    void runFlagsBecomeOverrides();
    void automationFlags();
    void usageErrors_data();
    void usageErrors();
    void versionAndHelpNeedNoDisplay();
};

void TestCommandLine::nothingGiven()
{
    GuiOptions options;
    QString error;
    QVERIFY(parse({}, options, error));
    QVERIFY(!options.hasOverrides);
    QVERIFY(options.preset.isEmpty() && options.workspace.isEmpty() && !options.autostart && !options.quitWhenDone);
}

void TestCommandLine::runFlagsBecomeOverrides()
{
    GuiOptions options;
    QString error;
    QVERIFY2(parse({"--model", "mlp", "--hidden", "1024,1024,1024", "--dropout", "hidden3=0.5", "--epochs", "7",
                    "--lr", "0.05", "--seed", "3", "--threads", "2", "--device", "cpu"},
                   options, error),
             qPrintable(error));
    QVERIFY(options.hasOverrides);
    const RunOverrides& o = options.overrides;
    QCOMPARE(*o.model, std::string("mlp"));
    QCOMPARE(*o.hidden, std::string("1024,1024,1024"));
    QCOMPARE(*o.dropout, std::string("hidden3=0.5"));
    QCOMPARE(*o.epochs, 7);
    QCOMPARE(*o.learningRate, 0.05);
    QCOMPARE(*o.seed, std::uint64_t{3});
    QCOMPARE(*o.threads, 2);
    QCOMPARE(*o.device, std::string("cpu"));
    QVERIFY(!o.batchSize && !o.momentum && !o.patience);
    QVERIFY(o.settings.empty());

    // The optimiser flags are the CLI's: config keys, applied in order, with --set last.
    GuiOptions regularised;
    QVERIFY2(parse({"--weight-decay", "0.0005", "--max-norm", "3", "--set", "nesterov=true"}, regularised, error),
             qPrintable(error));
    QVERIFY(regularised.hasOverrides);
    QVERIFY(regularised.overrides.settings ==
            std::vector<std::string>({"weight_decay=0.0005", "max_norm=3", "nesterov=true"}));
    ExperimentConfig config;
    applyOverrides(config, regularised.overrides);
    QCOMPARE(config.weightDecay, 0.0005);
    QCOMPARE(config.maxNorm, 3.0);
    QVERIFY(config.nesterov);
}

void TestCommandLine::automationFlags()
{
    GuiOptions options;
    QString error;
    QVERIFY(parse({"--preset", "classic", "--workspace", "/tmp/ws", "--autostart", "--export", "out", "--quit-when-done",
                   "--open-sweep", "sweeps/a"},
                  options, error));
    QCOMPARE(options.preset, QString("classic"));
    QCOMPARE(options.workspace, QString("/tmp/ws"));
    QCOMPARE(options.exportDir, QString("out"));
    QCOMPARE(options.openSweep, QString("sweeps/a"));
    QVERIFY(options.autostart && options.quitWhenDone);
    QVERIFY(!options.hasOverrides);
}

void TestCommandLine::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown theme") << QStringList{"--theme", "solarized"} << "--theme 'solarized': expected light, dark or system";
    QTest::newRow("preset and config") << QStringList{"--preset", "reference", "--config", "x.json"} << "exclude each other";
    QTest::newRow("stray argument") << QStringList{"runs.json"} << "unexpected argument 'runs.json'";
    QTest::newRow("unknown flag") << QStringList{"--epoch", "3"} << "epoch";
    QTest::newRow("epochs not a number") << QStringList{"--epochs", "ten"} << "epochs";
    QTest::newRow("missing value") << QStringList{"--epochs"} << "epochs";
}

void TestCommandLine::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    GuiOptions options;
    QString error;
    QVERIFY(!parse(arguments, options, error));
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void TestCommandLine::versionAndHelpNeedNoDisplay()
{
    GuiOptions options;
    QString error;
    QVERIFY(parse({"--version"}, options, error));
    QVERIFY(options.version);
    const auto textOnly = [](std::vector<const char*> args) {
        args.insert(args.begin(), "dropoutlab");
        return wantsTextOnly(static_cast<int>(args.size()), const_cast<char**>(args.data()));
    };
    QVERIFY(textOnly({"--version"}));
    QVERIFY(textOnly({"--preset", "reference", "-v"}));
    QVERIFY(textOnly({"--help"}));
    QVERIFY(!textOnly({}));
    QVERIFY(!textOnly({"--preset", "reference", "--autostart"}));
    QVERIFY(!textOnly({"--name", "version"}));  // a value, not the flag
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "test_command_line.moc"
