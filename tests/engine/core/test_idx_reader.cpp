#include "engine/core/idx_writer.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/idx_reader.h"

#include <QTemporaryDir>
#include <QFile>
#include <QTest>

#include <functional>

using namespace dropoutlab;
using dropoutlab::test::idxBytes;
using dropoutlab::test::writeBytes;
using Bytes = std::vector<std::uint8_t>;

Q_DECLARE_METATYPE(Bytes)

namespace {

/// Runs `action`, expecting a DataError whose message holds `path` and `fragment`.
void expectDataError(const std::function<void()>& action, const std::string& path, const QString& fragment)
{
    try {
        action();
    } catch (const DataError& error) {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable("message lacks the file: " + message));
        QVERIFY2(message.contains(fragment), qPrintable("message lacks '" + fragment + "': " + message));
        return;
    }
    QFAIL("expected a DataError");
}

Bytes pixels(std::size_t count)
{
    Bytes data(count);
    for (std::size_t i = 0; i < count; ++i)
        data[i] = static_cast<std::uint8_t>(i * 7);
    return data;
}

} // namespace

class TestIdxReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsValidFiles_data();
    void readsValidFiles();
    void rejectsBadFiles_data();
    void rejectsBadFiles();
    void rejectsMissingFile();
    void checksGzipIntegrity_data();
    void checksGzipIntegrity();
    void rejectsBadDatasets_data();
    void rejectsBadDatasets();
    void loadsFixtureDataset();
    void acceptsDotSpellingAndResolvesNames();

private:
    QTemporaryDir m_dir;
};

void TestIdxReader::readsValidFiles_data()
{
    QTest::addColumn<bool>("gzip");
    QTest::newRow("raw") << false;
    QTest::newRow("gzip") << true;
}

void TestIdxReader::readsValidFiles()
{
    QFETCH(bool, gzip);
    const std::string path = m_dir.filePath(gzip ? "valid.gz" : "valid").toStdString();
    const Bytes payload = pixels(3 * 28 * 28);
    writeBytes(path, idxBytes(0x803, {3, 28, 28}, payload), gzip);
    const IdxArray array = readIdxFile(path, 3);
    QCOMPARE(array.dims, (std::vector<std::int64_t>{3, 28, 28}));
    QVERIFY(array.data == payload);
}

void TestIdxReader::rejectsBadFiles_data()
{
    QTest::addColumn<Bytes>("bytes");
    QTest::addColumn<bool>("gzip");
    QTest::addColumn<QString>("fragment");

    const Bytes ok = pixels(2 * 28 * 28);
    QTest::newRow("wrong magic") << idxBytes(0x12340803, {2, 28, 28}, ok) << false << "not an IDX file";
    QTest::newRow("wrong element type") << idxBytes(0x0d03, {2, 28, 28}, ok) << false << "element type";
    QTest::newRow("wrong dimensions") << idxBytes(0x0802, {56, 28}, ok) << false << "wrong dimensions";
    QTest::newRow("truncated magic") << Bytes{0, 0} << false << "truncated";
    QTest::newRow("truncated header") << idxBytes(0x803, {2}, {}) << false << "truncated: the header ends";
    QTest::newRow("truncated data") << idxBytes(0x803, {10, 28, 28}, ok) << false << "truncated";
    QTest::newRow("truncated data gz") << idxBytes(0x803, {10, 28, 28}, ok) << true << "truncated";
    QTest::newRow("absurd size") << idxBytes(0x803, {2000000000, 28, 28}, ok) << false << "absurd size";
    QTest::newRow("absurd size gz") << idxBytes(0x803, {2000000000, 28, 28}, ok) << true << "absurd size";
    QTest::newRow("dimension overflow") << idxBytes(0x803, {0xffffffffu, 28, 28}, ok) << false << "not a valid size";
    Bytes longer = idxBytes(0x803, {1, 28, 28}, ok);
    QTest::newRow("trailing data") << longer << false << "unexpected data";
    Bytes corruptGzip = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};
    QTest::newRow("corrupt gzip") << corruptGzip << false << "corrupt compressed data";
}

void TestIdxReader::rejectsBadFiles()
{
    QFETCH(Bytes, bytes);
    QFETCH(bool, gzip);
    QFETCH(QString, fragment);
    const std::string path = m_dir.filePath(QString("bad-%1").arg(QTest::currentDataTag()).replace(' ', '-')).toStdString();
    writeBytes(path, bytes, gzip);
    expectDataError([&] { readIdxFile(path, 3); }, path, fragment);
}

void TestIdxReader::checksGzipIntegrity_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("trailer cut") << "cut8" << "truncated: the gzip stream ends";
    QTest::newRow("length cut") << "cut3" << "truncated: the gzip stream ends";
    QTest::newRow("crc flipped") << "crc" << "corrupt compressed data (incorrect data check)";
    QTest::newRow("length wrong") << "length" << "corrupt compressed data (incorrect length check)";
    QTest::newRow("garbage after") << "garbage" << "unexpected data after the end of the gzip stream";
    QTest::newRow("second member") << "twice" << "unexpected data after the end of the gzip stream";
}

void TestIdxReader::checksGzipIntegrity()
{
    // zlib's gzread accepted all of these: a gzip file's CRC-32 and length are checked, and
    // nothing may follow its one member.
    QFETCH(QString, damage);
    QFETCH(QString, fragment);
    const std::string good = m_dir.filePath("integrity-good.gz").toStdString();
    writeBytes(good, idxBytes(0x803, {2, 28, 28}, pixels(2 * 28 * 28)), true);
    QCOMPARE(readIdxFile(good, 3).dims.size(), std::size_t{3});
    QFile in(QString::fromStdString(good));
    QVERIFY(in.open(QIODevice::ReadOnly));
    QByteArray bytes = in.readAll();
    const QByteArray original = bytes;
    if (damage == "cut8")
        bytes.chop(8);
    else if (damage == "cut3")
        bytes.chop(3);
    else if (damage == "crc")
        bytes[bytes.size() - 8] = static_cast<char>(bytes[bytes.size() - 8] ^ 0x01);
    else if (damage == "length")
        bytes[bytes.size() - 4] = static_cast<char>(bytes[bytes.size() - 4] ^ 0x01);
    else if (damage == "garbage")
        bytes.append("garbage", 7);
    else
        bytes.append(original);
    const std::string path = m_dir.filePath("integrity-" + damage + ".gz").toStdString();
    QFile out(QString::fromStdString(path));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(bytes);
    out.close();
    expectDataError([&] { readIdxFile(path, 3); }, path, fragment);
}

void TestIdxReader::rejectsMissingFile()
{
    const std::string path = m_dir.filePath("does-not-exist").toStdString();
    expectDataError([&] { readIdxFile(path, 1); }, path, "file not found");
}

void TestIdxReader::rejectsBadDatasets_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<Bytes>("bytes");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("missing file") << "t10k-labels-idx1-ubyte" << Bytes{} << "file not found";
    QTest::newRow("count mismatch") << "train-labels-idx1-ubyte" << idxBytes(0x801, {19}, Bytes(19, 1))
                                    << "holds 19 labels but";
    // classes.txt names the classes: labels beyond its names are refused.
    QTest::newRow("label out of range") << "classes.txt" << Bytes{'c', 'a', 't', '\n', 'd', 'o', 'g', '\n'}
                                        << "is out of range; expected 0-1";
    QTest::newRow("wrong image size") << "t10k-images-idx3-ubyte" << idxBytes(0x803, {5, 32, 32}, pixels(5 * 32 * 32))
                                      << "images are 1x32x32; the training images";
    QTest::newRow("one training image") << "train-images-idx3-ubyte" << idxBytes(0x803, {1, 28, 28}, pixels(28 * 28))
                                        << "holds 1 image; training needs at least 2";
}

void TestIdxReader::rejectsBadDatasets()
{
    QFETCH(QString, file);
    QFETCH(Bytes, bytes);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    dropoutlab::test::writeDataset(dir.path().toStdString(), 20, 5, false);
    const std::string path = dir.filePath(file).toStdString();
    if (bytes.empty())
        QVERIFY(QFile::remove(QString::fromStdString(path)));
    else
        writeBytes(path, bytes, false);
    expectDataError([&] { loadDataset(dir.path().toStdString()); }, path, fragment);
}

void TestIdxReader::loadsFixtureDataset()
{
    const DatasetBytes data = loadDataset(DROPOUTLAB_TEST_DATA_DIR "/mnist-small");
    QCOMPARE(data.trainCount(), 2000);
    QCOMPARE(data.testCount(), 500);
    QCOMPARE(data.trainImages.size(), std::size_t{2000 * 28 * 28});
    // The first MNIST training label is a 5, the first test label a 7.
    QCOMPARE(int(data.trainLabels[0]), 5);
    QCOMPARE(int(data.testLabels[0]), 7);
}

void TestIdxReader::acceptsDotSpellingAndResolvesNames()
{
    QTemporaryDir dir;
    dropoutlab::test::writeDataset(dir.path().toStdString(), 10, 4, true);
    QVERIFY(QFile::rename(dir.filePath("train-images-idx3-ubyte.gz"), dir.filePath("train-images.idx3-ubyte.gz")));
    const DatasetFiles files = locateDataset(dir.path().toStdString());
    QVERIFY(QString::fromStdString(files.trainImages).endsWith("train-images.idx3-ubyte.gz"));
    QCOMPARE(loadDataset(dir.path().toStdString()).trainCount(), 10);

    QCOMPARE(resolveDataDir("/some/folder"), std::string("/some/folder"));
    QVERIFY(QString::fromStdString(resolveDataDir("")).endsWith("dropoutlab/datasets/mnist"));
    expectDataError([] { locateDataset("/nonexistent/dataset"); }, "/nonexistent/dataset", "dataset folder not found");
}

QTEST_GUILESS_MAIN(TestIdxReader)
#include "test_idx_reader.moc"
