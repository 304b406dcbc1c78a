// The architecture's boundaries (docs/ARCHITECTURE.md): the engine never includes Qt; the core
// (engine/core) never includes torch or anything of the training library (engine/train); public
// engine headers and ui/ never include torch; a public header's path names its library; functions
// stay short and main_window.cpp stays under its agreed size.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

namespace {

const QString kSource = QStringLiteral(DROPOUTLAB_SOURCE_DIR);
constexpr int kMaxFunctionLines = 80;
constexpr int kMaxMainWindowLines = 400;

QStringList sourceFiles(const QString& root)
{
    QStringList files;
    QDirIterator it(kSource + "/" + root, {"*.h", "*.hpp", "*.cpp", "*.cc"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort();
    return files;
}

QString readText(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QStringList offendingFiles(const QString& root, const QRegularExpression& include)
{
    QStringList found;
    for (const QString& path : sourceFiles(root)) {
        if (include.match(readText(path)).hasMatch())
            found << path;
    }
    return found;
}

/// The quoted includes of `text` that are neither a core header ("dropoutlab/core/...") nor a file
/// of the core's own folders: a core file reaching into engine/train (its public or private headers).
QStringList foreignQuotedIncludes(const QString& path, const QString& text)
{
    static const QRegularExpression quoted(QStringLiteral("^\\s*#\\s*include\\s*\"([^\"]+)\""),
                                           QRegularExpression::MultilineOption);
    QStringList foreign;
    auto matches = quoted.globalMatch(text);
    while (matches.hasNext()) {
        const QString name = matches.next().captured(1);
        const bool coreHeader = name.startsWith(QLatin1String("dropoutlab/core/")) &&
                                QFileInfo::exists(kSource + "/engine/core/include/" + name);
        const bool ownFile = !name.contains(QLatin1String("..")) &&
                             (QFileInfo::exists(QFileInfo(path).absolutePath() + "/" + name) ||
                              QFileInfo::exists(kSource + "/engine/core/src/" + name));
        if (!coreHeader && !ownFile)
            foreign << QFileInfo(path).fileName() + ": " + name;
    }
    return foreign;
}

/// Function bodies longer than `limit` lines, in the house style's layout: a definition's braces
/// stand alone at column 0 ("{" ... "}"), which namespace blocks and classes never do.
QStringList longFunctions(const QString& path, const QString& text, int limit)
{
    QStringList found;
    const QStringList lines = text.split('\n');
    int open = -1;
    for (int i = 0; i < lines.size(); ++i) {
        if (lines[i] == QLatin1String("{")) {
            open = i;
        } else if (open >= 0 && lines[i].startsWith('}')) {
            const int length = i - open + 2;  // with the signature's line
            if (length > limit)
                found << QStringLiteral("%1:%2 (%3 lines)").arg(path).arg(open).arg(length);
            open = -1;
        }
    }
    return found;
}

} // namespace

class TestArchitecture : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void detectorsWork();
    void engineIncludesNoQt();
    void coreIncludesNoTorchAndNoTrainingHeader();
    void coreBuildsWithoutTorch();
    void publicEngineHeadersIncludeNoTorch();
    void headerPathsNameTheirLibrary();
    void uiIncludesNoTorch();
    void functionsAreShort();
    void mainWindowStaysSmall();

private:
    // Built from plain strings: moc does not parse raw string literals holding quotes.
    const QRegularExpression m_qtInclude{QStringLiteral("^\\s*#\\s*include\\s*[<\"]Q[A-Za-z]"),
                                         QRegularExpression::MultilineOption};
    const QRegularExpression m_torchInclude{
        QStringLiteral("^\\s*#\\s*include\\s*[<\"](torch|ATen|c10|caffe2|oneapi|dnnl|cuda|cudnn)[/._]"),
        QRegularExpression::MultilineOption};
};

void TestArchitecture::detectorsWork()
{
    // The checks below must be able to fail: this very file includes Qt, the training library torch.
    QVERIFY(!offendingFiles("tests/engine", m_qtInclude).isEmpty());
    QVERIFY(!offendingFiles("engine/train/src", m_torchInclude).isEmpty());
    QVERIFY(!offendingFiles("engine/train/kernels", m_torchInclude).isEmpty());
    const QString corePath = kSource + "/engine/core/src/network.cpp";
    QCOMPARE(foreignQuotedIncludes(corePath, "#include \"dropoutlab/core/network.h\"\n"), QStringList{});
    QCOMPARE(foreignQuotedIncludes(corePath, "#include \"config_json.h\"\n"), QStringList{});
    QCOMPARE(foreignQuotedIncludes(corePath, "#include \"dropoutlab/train/experiment.h\"\n#include \"models.h\"\n").size(), 2);
    QString body = "void f()\n{\n";
    for (int i = 0; i < kMaxFunctionLines; ++i)
        body += "    ++x;\n";
    QCOMPARE(longFunctions("f.cpp", body + "}\n", kMaxFunctionLines).size(), 1);
    QCOMPARE(longFunctions("f.cpp", body + "}\n", kMaxFunctionLines + 3).size(), 0);  // 83 lines with signature and braces
}

void TestArchitecture::engineIncludesNoQt()
{
    const QStringList files = offendingFiles("engine", m_qtInclude);
    QVERIFY2(files.isEmpty(), qPrintable("engine files include Qt: " + files.join(", ")));
}

void TestArchitecture::coreIncludesNoTorchAndNoTrainingHeader()
{
    const QStringList files = offendingFiles("engine/core", m_torchInclude);
    QVERIFY2(files.isEmpty(), qPrintable("engine/core files include torch: " + files.join(", ")));
    QStringList foreign;
    for (const QString& path : sourceFiles("engine/core"))
        foreign += foreignQuotedIncludes(path, readText(path));
    QVERIFY2(foreign.isEmpty(), qPrintable("engine/core includes what is not the core's: " + foreign.join(", ")));
}

void TestArchitecture::coreBuildsWithoutTorch()
{
    // The core's library links no torch (the fuzz build, DROPOUTLAB_FUZZ, configures it without).
    const QString cmake = readText(kSource + "/engine/core/CMakeLists.txt");
    QVERIFY(!cmake.isEmpty());
    QVERIFY2(!cmake.contains(QLatin1String("TORCH")) && !cmake.contains(QLatin1String("torch_")),
             "engine/core/CMakeLists.txt names torch");
}

void TestArchitecture::publicEngineHeadersIncludeNoTorch()
{
    const QStringList files = offendingFiles("engine/core/include", m_torchInclude) +
                              offendingFiles("engine/train/include", m_torchInclude);
    QVERIFY2(files.isEmpty(), qPrintable("public engine headers include torch: " + files.join(", ")));
}

void TestArchitecture::headerPathsNameTheirLibrary()
{
    // engine/<library>/include/dropoutlab/<library>/*.h, nothing else public, no flat folders left.
    QVERIFY(!QFileInfo::exists(kSource + "/engine/include"));
    QVERIFY(!QFileInfo::exists(kSource + "/engine/src"));
    for (const QString library : {QStringLiteral("core"), QStringLiteral("train")}) {
        const QString include = kSource + "/engine/" + library + "/include";
        const QStringList headers = sourceFiles("engine/" + library + "/include");
        QVERIFY(!headers.isEmpty());
        for (const QString& header : headers)
            QVERIFY2(QFileInfo(header).absolutePath() == include + "/dropoutlab/" + library, qPrintable(header));
    }
}

void TestArchitecture::uiIncludesNoTorch()
{
    const QStringList files = offendingFiles("ui", m_torchInclude) + offendingFiles("app/gui", m_torchInclude);
    QVERIFY2(files.isEmpty(), qPrintable("ui/ or app/gui include torch: " + files.join(", ")));
}

void TestArchitecture::functionsAreShort()
{
    QStringList found;
    for (const QString& root : {QStringLiteral("engine"), QStringLiteral("ui")}) {
        for (const QString& path : sourceFiles(root))
            found += longFunctions(QDir(kSource).relativeFilePath(path), readText(path), kMaxFunctionLines);
    }
    QVERIFY2(found.isEmpty(), qPrintable(QStringLiteral("functions over %1 lines: ").arg(kMaxFunctionLines) +
                                         found.join(", ")));
}

void TestArchitecture::mainWindowStaysSmall()
{
    const int lines = readText(kSource + "/ui/main_window.cpp").count('\n');
    QVERIFY(lines > 0);
    QVERIFY2(lines <= kMaxMainWindowLines, qPrintable(QStringLiteral("ui/main_window.cpp has %1 lines (at most %2)")
                                                          .arg(lines).arg(kMaxMainWindowLines)));
}

QTEST_GUILESS_MAIN(TestArchitecture)
#include "test_architecture.moc"
