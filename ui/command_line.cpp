#include "command_line.h"

#include "theme.h"

#include "dropoutlab/core/presets.h"

#include <QCommandLineParser>

namespace dropoutlab::ui {
namespace {

template <typename T, typename Convert>
bool readValue(const QCommandLineParser& parser, const QString& name, std::optional<T>& target, Convert convert,
               QString& error)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const T value = convert(parser.value(name), &ok);
    if (!ok) {
        error = QObject::tr("--%1: '%2' is not a valid number").arg(name, parser.value(name));
        return false;
    }
    target = value;
    return true;
}

QString presetNames()
{
    QStringList names;
    for (const auto& preset : builtinPresets())
        names << QString::fromStdString(preset.name);
    return names.join(QStringLiteral(", "));
}

/// The options that take a value: the run flags shared with the CLI and the app's own.
QList<QCommandLineOption> valueOptions()
{
    QList<QCommandLineOption> options = {
        {"preset", QObject::tr("Load a built-in preset (%1).").arg(presetNames()), "name"},
        {"config", QObject::tr("Load runs from a config or preset JSON file."), "file"},
        {"workspace", QObject::tr("Folder that holds the run folders."), "dir"},
        {"export", QObject::tr("When the queue is done, write every chart (PNG, SVG) and the results (CSV, JSON) here."),
         "dir"},
        {"model", QObject::tr("cnn or mlp."), "model"},
        {"network", QObject::tr("A network file, or a shipped network's name (reference-cnn, cnn3-bn, ...)."), "file"},
        {"hidden", QObject::tr("MLP hidden layer widths, e.g. 1024,1024,1024."), "widths"},
        {"dropout", QObject::tr("Dropout per site, e.g. fc1=0.5,input=0.2 or conv2=0.1:dropblock/3 (one run)."), "spec"},
        {"epochs", QObject::tr("Training epochs."), "n"},
        {"batch-size", QObject::tr("Training batch size."), "n"},
        {"lr", QObject::tr("SGD learning rate."), "rate"},
        {"momentum", QObject::tr("SGD momentum."), "m"},
        {"train-subset", QObject::tr("Train on a class-balanced subset of N images."), "n"},
        {"train-eval", QObject::tr("Training images evaluated with dropout off after each epoch: N, all or 0."), "n"},
        {"seed", QObject::tr("Seed of initialisation, shuffling and dropout."), "n"},
        {"split-seed", QObject::tr("Seed of the train/validation split."), "n"},
        {"data", QObject::tr("mnist, fashion-mnist, a dataset folder (IDX files, CIFAR batches, train/<class>/ pictures) or FILE.csv."), "dir"},
        {"device", QObject::tr("auto, cpu or cuda."), "device"},
        {"threads", QObject::tr("CPU threads (0: all cores)."), "n"},
        {"name", QObject::tr("Run name (one run)."), "name"},
        {"patience", QObject::tr("Early stopping patience in epochs (0: off)."), "n"},
        {"sweep", QObject::tr("Queue the sweep described by this spec file (see resources/sweeps)."), "spec"},
        {"open-sweep", QObject::tr("Show a sweep folder, e.g. one written by CLI shards, and follow it."), "dir"},
        {"theme", QObject::tr("light, dark or system (the desktop's) for this launch; View > Theme keeps a choice."),
         "theme"},
    };
    for (const auto& flag : settingFlags())
        options.append({QString::fromStdString(flag.flag), QString::fromStdString(flag.help), QStringLiteral("value")});
    options.append({QStringLiteral("set"), QString::fromUtf8(kSetFlagHelp), QStringLiteral("key=value")});
    return options;
}

/// The run flags shared with the CLI, into `options.overrides`.
bool readOverrides(const QCommandLineParser& parser, GuiOptions& options, QString& error)
{
    RunOverrides& o = options.overrides;
    auto text = [&](const char* name, std::optional<std::string>& target) {
        if (parser.isSet(name))
            target = parser.value(name).toStdString();
    };
    text("model", o.model);
    text("network", o.network);
    text("hidden", o.hidden);
    text("dropout", o.dropout);
    text("data", o.data);
    text("device", o.device);
    text("name", o.name);
    text("train-eval", o.trainEval);
    const auto toInt = [](const QString& s, bool* ok) { return s.toInt(ok); };
    const auto toDouble = [](const QString& s, bool* ok) { return s.toDouble(ok); };
    const auto toInt64 = [](const QString& s, bool* ok) { return static_cast<std::int64_t>(s.toLongLong(ok)); };
    const auto toUint64 = [](const QString& s, bool* ok) { return static_cast<std::uint64_t>(s.toULongLong(ok)); };
    if (!readValue(parser, "epochs", o.epochs, toInt, error) || !readValue(parser, "batch-size", o.batchSize, toInt, error) ||
        !readValue(parser, "lr", o.learningRate, toDouble, error) ||
        !readValue(parser, "momentum", o.momentum, toDouble, error) ||
        !readValue(parser, "train-subset", o.trainSubset, toInt64, error) ||
        !readValue(parser, "seed", o.seed, toUint64, error) ||
        !readValue(parser, "split-seed", o.splitSeed, toUint64, error) ||
        !readValue(parser, "threads", o.threads, toInt, error) || !readValue(parser, "patience", o.patience, toInt, error))
        return false;
    for (const auto& flag : settingFlags()) {
        for (const QString& value : parser.values(QString::fromStdString(flag.flag)))
            o.settings.push_back(flag.key + "=" + value.toStdString());
    }
    for (const QString& value : parser.values(QStringLiteral("set")))
        o.settings.push_back(value.toStdString());
    options.hasOverrides = !o.settings.empty() || o.model || o.network || o.hidden || o.dropout || o.data || o.device || o.name || o.epochs || o.batchSize ||
                           o.learningRate || o.momentum || o.trainSubset || o.trainEval || o.seed || o.splitSeed || o.threads || o.patience;
    return true;
}

} // namespace

bool wantsTextOnly(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "--help" || arg == "-h" || arg == "--help-all" || arg == "-?" || arg == "--version" || arg == "-v")
            return true;
    }
    return false;
}

bool parseGuiCommandLine(const QStringList& arguments, GuiOptions& options, QString& error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QObject::tr("DropoutLab: train networks with and without dropout, watch their curves, compare their accuracy."));
    parser.addHelpOption();
    parser.addOption({{"v", "version"}, QObject::tr("Print version, commit, build date, Qt, LibTorch, BLAS, threads, "
                                                    "CUDA and GPU, then exit.")});
    parser.addOptions(valueOptions());
    parser.addOption({"autostart", QObject::tr("Start the queue at once.")});
    parser.addOption({"quit-when-done", QObject::tr("Quit when the queue is done (after --export).")});
    parser.addOption({"report-stalls", QObject::tr("On quitting, print how responsive the window was: the longest "
                                                   "event-loop stall (a 10 ms timer's delay) and how many exceeded "
                                                   "50 and 100 ms.")});
    parser.addOption({"analysis", QObject::tr("When the queue is done (at once without --autostart): analyse the "
                                              "most recent completed runs (up to 4) in the Analysis tab; with "
                                              "--export its charts are written too.")});
    if (!parser.parse(arguments)) {
        error = parser.errorText();
        return false;
    }
    if (parser.isSet("help"))
        parser.showHelp(0);
    if (parser.isSet("version")) {
        options.version = true;
        return true;
    }
    if (!parser.positionalArguments().isEmpty()) {
        error = QObject::tr("unexpected argument '%1'").arg(parser.positionalArguments().first());
        return false;
    }
    if (parser.isSet("preset") && parser.isSet("config")) {
        error = QObject::tr("--preset and --config exclude each other");
        return false;
    }

    options.theme = parser.value("theme");
    if (!options.theme.isEmpty() && !parseTheme(options.theme)) {
        error = QObject::tr("--theme '%1': expected light, dark or system").arg(options.theme);
        return false;
    }
    options.preset = parser.value("preset");
    options.configFile = parser.value("config");
    options.workspace = parser.value("workspace");
    options.exportDir = parser.value("export");
    options.autostart = parser.isSet("autostart");
    options.quitWhenDone = parser.isSet("quit-when-done");
    options.reportStalls = parser.isSet("report-stalls");
    options.analysis = parser.isSet("analysis");
    options.sweepSpec = parser.value("sweep");
    options.openSweep = parser.value("open-sweep");

    return readOverrides(parser, options, error);
}

} // namespace dropoutlab::ui
