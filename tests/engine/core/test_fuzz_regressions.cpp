// Replays every saved fuzz input (fuzz/regressions: inputs that once crashed; fuzz/corpus: seeds)
// through the same target functions libFuzzer runs. An input must be read or refused with a
// dropoutlab::Error; any other exception (or, under the sanitizers, a memory error) fails.

#include "dropoutlab/core/errors.h"
#include "fuzz_targets.h"

#include <QDir>
#include <QFile>
#include <QtTest>

using namespace dropoutlab;

class TestFuzzRegressions final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void replays_data();
    void replays();
};

void TestFuzzRegressions::replays_data()
{
    QTest::addColumn<int>("target");
    QTest::addColumn<QString>("path");
    int regressions = 0;
    const auto& targets = fuzz::targets();
    for (int t = 0; t < static_cast<int>(targets.size()); ++t) {
        for (const char* kind : {"regressions", "corpus"}) {
            const QDir dir(QStringLiteral(DROPOUTLAB_SOURCE_DIR "/fuzz/%1/%2").arg(kind, targets[t].name));
            for (const QString& file : dir.entryList(QDir::Files, QDir::Name)) {
                QTest::newRow(qPrintable(QStringLiteral("%1/%2/%3").arg(kind, targets[t].name, file)))
                    << t << dir.filePath(file);
                regressions += QString(kind) == QLatin1String("regressions");
            }
        }
    }
    // The saved crash inputs are the point of this test: their folder must not go missing.
    QVERIFY2(regressions >= 3, "fuzz/regressions holds fewer inputs than were committed");
}

void TestFuzzRegressions::replays()
{
    QFETCH(int, target);
    QFETCH(QString, path);
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
    const QByteArray bytes = file.readAll();
    try {
        fuzz::targets()[static_cast<std::size_t>(target)].run(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                                             static_cast<std::size_t>(bytes.size()));
    } catch (const Error&) {
        // refused with a clear error: the expected outcome for most of these inputs
    } catch (const std::exception& error) {
        QFAIL(qPrintable(QStringLiteral("%1: %2").arg(path, QString::fromStdString(error.what()))));
    }
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "test_fuzz_regressions.moc"
