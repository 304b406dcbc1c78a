// The architecture's boundaries (docs/ARCHITECTURE.md): the engine never includes Qt, public engine
// headers and ui/ never include torch.

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

namespace {

QStringList offendingFiles(const QString& root, const QRegularExpression& include)
{
    QStringList found;
    QDirIterator it(QStringLiteral(DROPOUTLAB_SOURCE_DIR) + "/" + root, {"*.h", "*.hpp", "*.cpp", "*.cc"}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QString text = QString::fromUtf8(file.readAll());
        if (include.match(text).hasMatch())
            found << path;
    }
    return found;
}

} // namespace

class TestArchitecture : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void detectorWorks();
    void engineIncludesNoQt();
    void publicEngineHeadersIncludeNoTorch();
    void uiIncludesNoTorch();

private:
    // Built from plain strings: moc does not parse raw string literals holding quotes.
    const QRegularExpression m_qtInclude{QStringLiteral("^\\s*#\\s*include\\s*[<\"]Q[A-Za-z]"),
                                         QRegularExpression::MultilineOption};
    const QRegularExpression m_torchInclude{QStringLiteral("^\\s*#\\s*include\\s*[<\"](torch|ATen|c10)/"),
                                            QRegularExpression::MultilineOption};
};

void TestArchitecture::detectorWorks()
{
    // The checks below must be able to fail: this very file includes Qt.
    QVERIFY(!offendingFiles("tests/engine", m_qtInclude).isEmpty());
    QVERIFY(!offendingFiles("engine/src", m_torchInclude).isEmpty());
}

void TestArchitecture::engineIncludesNoQt()
{
    const QStringList files = offendingFiles("engine", m_qtInclude);
    QVERIFY2(files.isEmpty(), qPrintable("engine files include Qt: " + files.join(", ")));
}

void TestArchitecture::publicEngineHeadersIncludeNoTorch()
{
    const QStringList files = offendingFiles("engine/include", m_torchInclude);
    QVERIFY2(files.isEmpty(), qPrintable("public engine headers include torch: " + files.join(", ")));
}

void TestArchitecture::uiIncludesNoTorch()
{
    const QStringList files = offendingFiles("ui", m_torchInclude) + offendingFiles("app/gui", m_torchInclude);
    QVERIFY2(files.isEmpty(), qPrintable("ui/ or app/gui include torch: " + files.join(", ")));
}

QTEST_GUILESS_MAIN(TestArchitecture)
#include "test_architecture.moc"
