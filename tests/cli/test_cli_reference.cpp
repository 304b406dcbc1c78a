// docs/cli.md against the programs' own --help: every command has its section, every option of a
// command is in that section's tables, and the page names no option the program lacks.

#include <QFile>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

namespace {

/// The page split at its "## " headings: heading -> text of the section.
QMap<QString, QString> sections()
{
    QFile file(QStringLiteral(DROPOUTLAB_SOURCE_DIR "/docs/cli.md"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QMap<QString, QString> result;
    QString heading;
    for (const QString& line : QString::fromUtf8(file.readAll()).split('\n')) {
        if (line.startsWith(QLatin1String("## ")))
            heading = line.mid(3).trimmed();
        else if (!heading.isEmpty())
            result[heading] += line + '\n';
    }
    return result;
}

/// The long options in the first cell of the table rows of `text` ("| `-q,--quiet` | ...").
QSet<QString> documentedOptions(const QString& text)
{
    static const QRegularExpression row(QStringLiteral("^\\| `(?:-\\w, ?)?(--[a-z][a-z-]*)`"),
                                        QRegularExpression::MultilineOption);
    QSet<QString> options;
    auto matches = row.globalMatch(text);
    while (matches.hasNext())
        options << matches.next().captured(1);
    return options;
}

QString helpOf(const QString& program, const QStringList& arguments)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    if (!process.waitForFinished(60000))
        return {};
    return QString::fromUtf8(process.readAllStandardOutput());
}

/// The long options --help lists (CLI11's "  -q,--quiet", Qt's "  -v, --version"), without the help's own.
QSet<QString> helpOptions(const QString& help)
{
    static const QRegularExpression line(QStringLiteral("^  (?:-\\w, ?)?(--[a-z][a-z-]*)"), QRegularExpression::MultilineOption);
    QSet<QString> options;
    auto matches = line.globalMatch(help);
    while (matches.hasNext())
        options << matches.next().captured(1);
    options.remove(QStringLiteral("--help"));
    options.remove(QStringLiteral("--help-all"));
    return options;
}

QString describe(const QSet<QString>& options)
{
    QStringList list(options.begin(), options.end());
    list.sort();
    return list.join(QLatin1String(", "));
}

} // namespace

class TestCliReference : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyCommandHasASection();
    void everyOptionIsDocumented_data();
    void everyOptionIsDocumented();
    void appOptionsAreDocumented();

private:
    QMap<QString, QString> m_sections;
    QStringList m_commands;
};

void TestCliReference::initTestCase()
{
    m_sections = sections();
    QVERIFY2(m_sections.size() > 5, "docs/cli.md is missing or has no sections");
    const QString help = helpOf(QStringLiteral(DROPOUTLAB_CLI_PATH), {QStringLiteral("--help")});
    const int start = help.indexOf(QLatin1String("Subcommands:"));
    QVERIFY2(start >= 0, qPrintable(help));
    static const QRegularExpression command(QStringLiteral("^  ([a-z]+)\\s"), QRegularExpression::MultilineOption);
    auto matches = command.globalMatch(help.mid(start));
    while (matches.hasNext())
        m_commands << matches.next().captured(1);
    QVERIFY(m_commands.contains(QLatin1String("run")) && m_commands.contains(QLatin1String("sweep")));
}

void TestCliReference::everyCommandHasASection()
{
    QStringList documented;
    for (const QString& heading : m_sections.keys()) {
        if (heading.startsWith(QLatin1String("dropoutlab-cli ")))
            documented << heading.mid(QStringLiteral("dropoutlab-cli ").size());
    }
    documented.sort();
    QStringList commands = m_commands;
    commands.sort();
    QCOMPARE(documented, commands);
}

void TestCliReference::everyOptionIsDocumented_data()
{
    QTest::addColumn<QString>("command");
    QTest::newRow("(no command)") << QString();
    for (const QString& command : m_commands)
        QTest::newRow(qPrintable(command)) << command;
}

void TestCliReference::everyOptionIsDocumented()
{
    QFETCH(QString, command);
    QStringList arguments;
    if (!command.isEmpty())
        arguments << command;
    const QSet<QString> inHelp = helpOptions(helpOf(QStringLiteral(DROPOUTLAB_CLI_PATH), arguments << QStringLiteral("--help")));
    const QString heading = command.isEmpty() ? QStringLiteral("dropoutlab-cli") : "dropoutlab-cli " + command;
    QVERIFY2(m_sections.contains(heading), qPrintable(heading));
    QSet<QString> inPage = documentedOptions(m_sections.value(heading));
    // sweep takes the run settings, documented once under run's "### Run settings".
    if (command == QLatin1String("sweep")) {
        const QString run = m_sections.value(QStringLiteral("dropoutlab-cli run"));
        inPage += documentedOptions(run.mid(run.indexOf(QLatin1String("### Run settings"))));
    }
    QVERIFY2(!inHelp.isEmpty() || command == QLatin1String("presets"), qPrintable(heading));
    QVERIFY2((inHelp - inPage).isEmpty(), qPrintable(heading + ": not in docs/cli.md: " + describe(inHelp - inPage)));
    QVERIFY2((inPage - inHelp).isEmpty(), qPrintable(heading + ": in docs/cli.md, not in --help: " + describe(inPage - inHelp)));
}

void TestCliReference::appOptionsAreDocumented()
{
#ifndef DROPOUTLAB_APP_PATH
    QSKIP("the desktop app is not built (DROPOUTLAB_BUILD_GUI=OFF)");
#else
    const QSet<QString> inHelp = helpOptions(helpOf(QStringLiteral(DROPOUTLAB_APP_PATH), {QStringLiteral("--help")}));
    QVERIFY(inHelp.contains(QLatin1String("--autostart")));
    const QSet<QString> inPage = documentedOptions(m_sections.value(QStringLiteral("dropoutlab")));
    QVERIFY2((inHelp - inPage).isEmpty(), qPrintable("dropoutlab: not in docs/cli.md: " + describe(inHelp - inPage)));
    QVERIFY2((inPage - inHelp).isEmpty(), qPrintable("dropoutlab: in docs/cli.md, not in --help: " + describe(inPage - inHelp)));
#endif
}

QTEST_GUILESS_MAIN(TestCliReference)
#include "test_cli_reference.moc"
