// The dataset formats beyond MNIST's (dataset.h): CIFAR-10/100 binary batches, IDX files of any
// image size and of RGB images, classes.txt, the per-channel statistics, and every refusal naming
// its file.

#include "engine/core/idx_writer.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <functional>

using namespace dropoutlab;
using dropoutlab::test::idxBytes;
using dropoutlab::test::writeBytes;
using Bytes = std::vector<std::uint8_t>;

namespace {

void expectDataError(const std::function<void()>& action, const QString& fragment)
{
    try {
        action();
    } catch (const DataError& error) {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.contains(fragment), qPrintable("message lacks '" + fragment + "': " + message));
        return;
    }
    QFAIL(qPrintable("expected a DataError with '" + fragment + "'"));
}

/// CIFAR records: `count` images with label i % classes, pixel value (i + c + y + x) % 256.
Bytes cifarRecords(int count, bool hundred, int classes)
{
    Bytes out;
    for (int i = 0; i < count; ++i) {
        if (hundred)
            out.push_back(static_cast<std::uint8_t>(i % 20));  // the coarse label, not trained on
        out.push_back(static_cast<std::uint8_t>(i % classes));
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 1024; ++p)
                out.push_back(static_cast<std::uint8_t>((i + 7 * c + p) % 256));
    }
    return out;
}


void writeText(const std::string& path, const std::string& s)
{
    writeBytes(path, Bytes(s.begin(), s.end()), false);
}

} // namespace

class TestDatasets : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cifar10RoundTrips();
    void cifar100TrainsOnFineLabels();
    void cifarRefusesBrokenFiles();
    void rgbIdxBecomesPlanes();
    void classNamesFile();
    void channelStatisticsAreExact();
    void cacheFollowsTheFiles();
    void csvTableReads();
    void csvRefusesWithLineAndColumn_data();
    void csvRefusesWithLineAndColumn();
    void installedNamesResolve();
};

void TestDatasets::cifar10RoundTrips()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    writeBytes(d + "/data_batch_1.bin", cifarRecords(30, false, 10), false);
    writeBytes(d + "/data_batch_2.bin", cifarRecords(20, false, 10), false);
    writeBytes(d + "/test_batch.bin", cifarRecords(10, false, 10), false);
    writeText(d + "/batches.meta.txt", "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
    const DatasetBytes data = loadDataset(d);
    QVERIFY(data.format == DataFormat::Cifar);
    QVERIFY(data.shape == (DataShape{3, 32, 32, 10}));
    QCOMPARE(data.trainCount(), std::int64_t{50});
    QCOMPARE(data.testCount(), std::int64_t{10});
    QCOMPARE(data.classNames.front(), std::string("airplane"));
    QCOMPARE(data.classNames.back(), std::string("truck"));
    // Batch 2's first image follows batch 1's 30; its pixels are the file's, plane by plane.
    QCOMPARE(data.trainLabels[30], 0);
    const std::uint8_t* image31 = data.trainImages.data() + 31 * 3072;
    QCOMPARE(int(image31[0]), 1);            // i = 1 of batch 2, red plane, pixel 0
    QCOMPARE(int(image31[1024 + 5]), 13);    // green plane: 1 + 7 + 5
    QCOMPARE(int(image31[2048 + 1023]), (1 + 14 + 1023) % 256);
    const DatasetSummary summary = summarise(data, d);
    QCOMPARE(summary.trainPerClass[0], std::int64_t{5});
    QCOMPARE(summary.memoryBytes, std::uint64_t{60 * 3072 + 60 * 4});
    QCOMPARE(shapeText(data.shape), std::string("3x32x32"));
    QCOMPARE(datasetFiles(d).size(), std::size_t{4});
}

void TestDatasets::cifar100TrainsOnFineLabels()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    writeBytes(d + "/train.bin", cifarRecords(200, true, 100), false);
    writeBytes(d + "/test.bin", cifarRecords(100, true, 100), false);
    const DatasetBytes data = loadDataset(d);
    QCOMPARE(data.shape.classes, 100);
    QCOMPARE(data.trainLabels[99], 99);   // the fine label, not the coarse one (99 % 20)
    QCOMPARE(data.classNames[42], std::string("42"));
    QCOMPARE(int(data.trainImages[3072 * 2 + 1]), 3);
}

void TestDatasets::cifarRefusesBrokenFiles()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    Bytes batch = cifarRecords(10, false, 10);
    batch.pop_back();
    writeBytes(d + "/data_batch_1.bin", batch, false);
    writeBytes(d + "/test_batch.bin", cifarRecords(5, false, 10), false);
    expectDataError([&] { loadDataset(d); }, "data_batch_1.bin: 30729 bytes are not a whole number of 3073-byte records");

    writeBytes(d + "/data_batch_1.bin", cifarRecords(10, false, 10), false);
    writeText(d + "/batches.meta.txt", "cat\ndog\n");
    expectDataError([&] { loadDataset(d); }, "data_batch_1.bin: label 2 at index 2 is out of range; expected 0-1");

    QFile::remove(QString::fromStdString(d + "/batches.meta.txt"));
    QFile::remove(QString::fromStdString(d + "/test_batch.bin"));
    expectDataError([&] { loadDataset(d); }, "test_batch.bin: file not found");

    // A FIFO in a batch's place is refused, not read (it would block forever).
    QVERIFY(mkfifo((d + "/test_batch.bin").c_str(), 0600) == 0);
    try {
        loadDataset(d);
        QFAIL("a FIFO was read as a batch");
    } catch (const Error& error) {
        QVERIFY2(QString(error.what()).contains("test_batch.bin"), error.what());
    }
}

void TestDatasets::rgbIdxBecomesPlanes()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    // 4 images of 2x3 RGB pixels, interleaved: pixel p of image n has channels (n, p, 100 + c).
    const auto images = [](std::uint32_t count) {
        Bytes out;
        for (std::uint32_t n = 0; n < count; ++n)
            for (int p = 0; p < 6; ++p)
                for (int c = 0; c < 3; ++c)
                    out.push_back(static_cast<std::uint8_t>(c == 0 ? n : c == 1 ? p : 100 + c));
        return out;
    };
    writeBytes(d + "/train-images-idx3-ubyte", idxBytes(0x804, {4, 2, 3, 3}, images(4)), false);
    writeBytes(d + "/train-labels-idx1-ubyte", idxBytes(0x801, {4}, {0, 1, 2, 1}), false);
    writeBytes(d + "/t10k-images-idx3-ubyte", idxBytes(0x804, {2, 2, 3, 3}, images(2)), false);
    writeBytes(d + "/t10k-labels-idx1-ubyte", idxBytes(0x801, {2}, {2, 0}), false);
    const DatasetBytes data = loadDataset(d);
    QVERIFY(data.shape == (DataShape{3, 2, 3, 3}));
    const std::uint8_t* image3 = data.trainImages.data() + 3 * 18;
    QCOMPARE(int(image3[0]), 3);    // red plane: the image's number
    QCOMPARE(int(image3[6 + 4]), 4);  // green plane: the pixel's number
    QCOMPARE(int(image3[12 + 5]), 102);
    // Another channel count is refused with the file and what was expected.
    writeBytes(d + "/t10k-images-idx3-ubyte", idxBytes(0x804, {2, 2, 3, 2}, Bytes(24, 1)), false);
    expectDataError([&] { loadDataset(d); }, "t10k-images-idx3-ubyte: images have 2 channels (the 4th dimension); expected 1 (grey) or 3 (RGB)");
    // Sides beyond the limit are refused before the pixels are read.
    writeBytes(d + "/t10k-images-idx3-ubyte", idxBytes(0x803, {1, 600, 1}, Bytes(600, 1)), false);
    expectDataError([&] { loadDataset(d); }, "images are 600 pixels high; expected 1 to 512");
}

void TestDatasets::classNamesFile()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    dropoutlab::test::writeDataset(d, 20, 10, false);
    QCOMPARE(loadDataset(d).classNames[3], std::string("3"));
    std::string names;
    for (int c = 0; c < 10; ++c)
        names += "class " + std::to_string(c) + (c % 2 ? "\r\n" : "  \n");
    writeText(d + "/classes.txt", names);
    const DatasetBytes named = loadDataset(d);
    QCOMPARE(named.classNames.size(), std::size_t{10});
    QCOMPARE(named.classNames[3], std::string("class 3"));
    QCOMPARE(named.classNames[4], std::string("class 4"));
    writeText(d + "/classes.txt", std::string(300, 'x') + "\n");
    expectDataError([&] { loadDataset(d); }, "classes.txt: line 1 is 300 bytes long");
}

void TestDatasets::channelStatisticsAreExact()
{
    DatasetBytes data;
    data.shape = {2, 1, 2, 2};
    // Image 0: channel 0 = {0, 10}, channel 1 = {100, 100}; image 1: {20, 30}, {100, 100}.
    data.trainImages = {0, 10, 100, 100, 20, 30, 100, 100};
    data.trainLabels = {0, 1};
    const auto both = channelStatistics(data, {0, 1});
    QCOMPARE(both[0].mean, 15.0);
    QCOMPARE(both[0].std, std::sqrt(125.0));
    QCOMPARE(both[1].mean, 100.0);
    QCOMPARE(both[1].std, 1.0);  // a constant channel is centred, not divided by 0
    const auto second = channelStatistics(data, {1});
    QCOMPARE(second[0].mean, 25.0);
    // IDX data keeps the reference experiment's x / 127.5 - 1.
    data.format = DataFormat::Idx;
    QCOMPARE(runNormalisation(data, {0})[1].mean, 127.5);
    data.format = DataFormat::Cifar;
    QCOMPARE(runNormalisation(data, {0})[0].mean, 5.0);
}

void TestDatasets::cacheFollowsTheFiles()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    dropoutlab::test::writeDataset(d, 20, 10, false);
    const auto first = cachedDataset(d);
    QVERIFY(cachedDataset(d) == first);
    dropoutlab::test::writeDataset(d, 30, 10, false);  // other sizes: another dataset
    const auto second = cachedDataset(d);
    QCOMPARE(second->trainCount(), std::int64_t{30});
    ExperimentConfig config;
    config.dataDir = d;
    QVERIFY(withDataShape(config).input == DataShape{});
    config.dataDir = d + "/missing";
    QVERIFY(withDataShape(config).input == DataShape{});  // unreadable: the run reports it
}

void TestDatasets::csvTableReads()
{
    QTemporaryDir dir;
    const std::string file = dir.filePath("flowers.csv").toStdString();
    // A byte order mark, quotes (with the separator and a quote inside), blank lines, CRLF, a
    // label column in the middle named after '#', and text labels.
    std::string csv = "\xEF\xBB\xBFwidth, \"kind, of\" ,height\r\n";
    for (int r = 0; r < 50; ++r)
        csv += std::to_string(r) + ".5," + (r % 5 == 0 ? "\"say \"\"hi\"\"\"" : r % 2 ? "rose" : "tulip") + "," +
               std::to_string(-r) + "e-1\r\n" + (r == 10 ? "\n , ,\n" : "");
    writeText(file, csv);
    const DatasetBytes data = loadDataset(file + "#kind, of");
    QVERIFY(data.format == DataFormat::Table);
    QVERIFY(data.shape == (DataShape{1, 1, 2, 3}));
    QCOMPARE(data.featureNames, (std::vector<std::string>{"width", "height"}));
    QCOMPARE(data.classNames, (std::vector<std::string>{"rose", "say \"hi\"", "tulip"}));
    QCOMPARE(data.trainCount() + data.testCount(), std::int64_t{50});
    // 20 % of each class is the test set: rose 20 rows -> 4, tulip 20 -> 4, "say hi" 10 -> 2.
    QCOMPARE(data.testCount(), std::int64_t{10});
    const DatasetSummary summary = summarise(data, file);
    QCOMPARE(summary.testPerClass, (std::vector<std::int64_t>{4, 2, 4}));
    QCOMPARE(summary.memoryBytes, std::uint64_t{50 * 2 * 4 + 50 * 4});
    // Every row's features are the file's: width = r + 0.5, height = -r / 10.
    for (std::int64_t i = 0; i < data.trainCount(); ++i)
        QCOMPARE(double(data.trainValues[2 * i + 1]), double(float(-(data.trainValues[2 * i] - 0.5) / 10)));
    QCOMPARE(loadDataset(file + "#kind, of").testLabels, data.testLabels);  // the split is fixed
    // Without '#' the last column is the label, and the text column is a feature: refused.
    expectDataError([&] { loadDataset(file); }, "line 2, column 2 (kind, of): 'say \"hi\"' is not a number");
    QCOMPARE(datasetFiles(file + "#kind, of"), std::vector<std::string>{file});
    // Standardisation per feature over the given training rows.
    const auto stats = featureStatistics(data, {0, 1});
    QCOMPARE(stats[0].mean, (double(data.trainValues[0]) + data.trainValues[2]) / 2);
    // Integer labels order as numbers, not as text.
    writeText(file, "a,label\n1,10\n2,9\n3,10\n4,9\n5,100\n6,100\n");
    QCOMPARE(loadDataset(file).classNames, (std::vector<std::string>{"9", "10", "100"}));
}

void TestDatasets::csvRefusesWithLineAndColumn_data()
{
    QTest::addColumn<QString>("csv");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("missing value") << "a,b,y\n1,2,0\n3,,1\n" << "line 3, column 2 (b): a missing value ('')";
    QTest::newRow("NA") << "a,b,y\n1,2,0\n3,NA,1\n" << "line 3, column 2 (b): a missing value ('NA')";
    QTest::newRow("text") << "a,b,y\n1,2,0\n3,abc,1\n" << "line 3, column 2 (b): 'abc' is not a number";
    QTest::newRow("decimal comma") << "a;b;y\n1;2,5;0\n3;4;1\n" << "line 2, column 2 (b): '2,5' is not a number";
    QTest::newRow("infinite") << "a,y\n1e999,0\n2,1\n" << "line 2, column 1 (a): '1e999' is not a number";
    QTest::newRow("ragged") << "a,b,y\n1,2,0\n3,4\n" << "line 3 has 2 cells; the header has 3";
    QTest::newRow("no label") << "a,y\n1,0\n2,\n" << "line 3, column 2 (y): the label is missing";
    QTest::newRow("one class") << "a,y\n1,0\n2,0\n" << "holds 1 distinct value(s); a classification needs at least 2";
    QTest::newRow("header of one") << "a\n1\n" << "the first line is not a header of at least two columns";
    QTest::newRow("duplicate name") << "a,a,y\n1,2,0\n" << "column 2 (a): the column name 'a' appears twice";
    QTest::newRow("open quote") << "a,y\n\"1,0\n2,1\n" << "line 2: a quoted cell is never closed";
    QTest::newRow("unknown label") << "a,y\n1,0\n2,1\n#z" << "no column is named 'z'";
    QString many = "a,y\n";
    for (int i = 0; i < 1001; ++i)
        many += QString("%1,%1\n").arg(i);
    QTest::newRow("too many classes") << many << "1001 distinct values; at most 1000 classes";
}

void TestDatasets::csvRefusesWithLineAndColumn()
{
    QFETCH(QString, csv);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    const std::string file = dir.filePath("t.csv").toStdString();
    std::string text = csv.toStdString();
    std::string suffix;
    if (const auto hash = text.rfind('#'); hash != std::string::npos) {
        suffix = text.substr(hash);
        text.erase(hash);
    }
    writeText(file, text);
    try {
        loadDataset(file + suffix);
        QFAIL("the table was accepted");
    } catch (const DataError& error) {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.startsWith(QString::fromStdString(file)), qPrintable(message));
        QVERIFY2(message.contains(fragment), qPrintable(message));
    }
}

void TestDatasets::installedNamesResolve()
{
    // A bare name finds the datasets folder's entry (what `datasets` lists); paths stay paths.
    QTemporaryDir data;
    const QByteArray old = qgetenv("XDG_DATA_HOME");
    qputenv("XDG_DATA_HOME", data.path().toUtf8());
    const std::string root = data.path().toStdString() + "/dropoutlab/datasets";
    QVERIFY(QDir().mkpath(QString::fromStdString(root + "/my-cifar")));
    QFile table(QString::fromStdString(root + "/wine.csv"));
    QVERIFY(table.open(QIODevice::WriteOnly));
    table.close();
    QCOMPARE(resolveDataDir("my-cifar"), root + "/my-cifar");
    QCOMPARE(resolveDataDir("wine.csv#class"), root + "/wine.csv#class");
    QCOMPARE(resolveDataDir("not-installed"), std::string("not-installed"));
    QCOMPARE(resolveDataDir("./my-cifar"), std::string("./my-cifar"));
    QCOMPARE(resolveDataDir("mnist"), root + "/mnist");
    if (old.isEmpty())
        qunsetenv("XDG_DATA_HOME");
    else
        qputenv("XDG_DATA_HOME", old);
}

QTEST_GUILESS_MAIN(TestDatasets)
#include "test_datasets.moc"
