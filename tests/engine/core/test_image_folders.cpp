// Image-folder datasets (train/<class>/<picture>, optionally test/): PNG and JPEG decoding with
// libpng and libjpeg-turbo, the folder walk, the seeded test split, and every refusal naming its
// file (corrupt and truncated pictures, headers beyond the side limit, mixed sizes and channels,
// non-UTF-8 names, symlink loops, FIFOs). The real JPEGs python3-sklearn ships decode to the
// pixels PIL gives.

#include "engine/core/picture_writer.h"

#include "dataset_formats.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace dropoutlab;
using dropoutlab::test::jpegBytes;
using dropoutlab::test::pngBytes;
using dropoutlab::test::writeText;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

/// Debian's Python, where python3-pil is installed (another python3 may come first on PATH).
const QString kPython = QStringLiteral("/usr/bin/python3");
constexpr const char* kSklearnImages = "/usr/lib/python3/dist-packages/sklearn/datasets/images";

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

/// A picture whose pixels depend on `seed`: planes of height x width.
Bytes pattern(int channels, int height, int width, int seed)
{
    Bytes pixels(static_cast<std::size_t>(channels * height * width));
    for (std::size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = static_cast<std::uint8_t>((i * 37 + static_cast<std::size_t>(seed) * 101) % 251);
    return pixels;
}

void put(const fs::path& file, const std::string& bytes)
{
    fs::create_directories(file.parent_path());
    writeText(file.string(), bytes);
}

/// train/<class>/NN.png for classes `names`, `perClass` grey 8x6 pictures each (seed = index).
void writeFolder(const fs::path& root, const std::vector<std::string>& names, int perClass, const std::string& part = "train")
{
    int index = 0;
    for (const auto& name : names)
        for (int k = 0; k < perClass; ++k, ++index) {
            char file[16];
            std::snprintf(file, sizeof file, "%03d.png", index);
            put(root / part / name / file, pngBytes(pattern(1, 8, 6, index), 1, 8, 6));
        }
}

/// A PNG's chunk with its CRC.
std::string chunk(const std::string& type, const std::string& data)
{
    std::string out;
    const auto put32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>(v >> shift));
    };
    put32(static_cast<std::uint32_t>(data.size()));
    const std::string body = type + data;
    out += body;
    put32(static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
    return out;
}

} // namespace

class TestImageFolders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pngRoundTripsExactly();
    void jpegDecodesCloseToItsPixels();
    void folderWithTestPart();
    void folderWithoutTestPartHoldsOutTwentyPercent();
    void namesOutsideUtf8();
    void refusesCorruptPictures();
    void refusesHugeHeadersBeforeDecoding();
    void refusesMixedSizesAndChannels();
    void refusesBadLayouts();
    void refusesLoopsAndFifos();
    void realJpegsMatchPil();
};

void TestImageFolders::pngRoundTripsExactly()
{
    for (const int channels : {1, 3}) {
        const Bytes pixels = pattern(channels, 5, 7, channels);
        const detail::DecodedImage image = detail::decodeImage(pngBytes(pixels, channels, 5, 7), "x.png");
        QCOMPARE(image.channels, channels);
        QCOMPARE(image.height, 5);
        QCOMPARE(image.width, 7);
        QVERIFY(image.pixels == pixels);
    }
}

void TestImageFolders::jpegDecodesCloseToItsPixels()
{
    // JPEG is lossy: a smooth picture at quality 100 comes back within a few levels.
    Bytes pixels(3 * 16 * 16);
    for (int c = 0; c < 3; ++c)
        for (int p = 0; p < 256; ++p)
            pixels[static_cast<std::size_t>(c * 256 + p)] = static_cast<std::uint8_t>(40 + c * 60 + (p % 16) * 4);
    const detail::DecodedImage image = detail::decodeImage(jpegBytes(pixels, 3, 16, 16, 100), "x.jpg");
    QCOMPARE(image.channels, 3);
    QCOMPARE(image.height, 16);
    int worst = 0;
    for (std::size_t i = 0; i < pixels.size(); ++i)
        worst = std::max(worst, std::abs(int(image.pixels[i]) - int(pixels[i])));
    QVERIFY2(worst <= 6, qPrintable(QString("largest difference %1").arg(worst)));
    const detail::DecodedImage grey = detail::decodeImage(jpegBytes(pattern(1, 9, 11, 0), 1, 9, 11), "g.jpg");
    QCOMPARE(grey.channels, 1);
    QCOMPARE(grey.width, 11);
}

void TestImageFolders::folderWithTestPart()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("pets").toStdString();
    writeFolder(root, {"cat", "dog", "emu"}, 4);
    writeFolder(root, {"cat", "emu"}, 2, "test");
    put(root / "train" / "README.txt", "not a picture: passed over");
    put(root / "train" / "dog" / "Thumbs.db", "passed over");
    put(root / "train" / "dog" / ".hidden.png", "passed over");
    const DatasetBytes data = loadDataset(root.string());
    QCOMPARE(toString(data.format), std::string("folder"));
    QVERIFY(data.shape == (DataShape{1, 8, 6, 3}));
    QVERIFY((data.classNames == std::vector<std::string>{"cat", "dog", "emu"}));
    QCOMPARE(data.trainCount(), std::int64_t{12});
    QCOMPARE(data.testCount(), std::int64_t{4});
    // File-name order: 000-003 are cats, 004-007 dogs, 008-011 emus.
    for (int i = 0; i < 12; ++i) {
        QCOMPARE(data.trainLabels[static_cast<std::size_t>(i)], i / 4);
        const Bytes expected = pattern(1, 8, 6, i);
        QVERIFY(std::equal(expected.begin(), expected.end(), data.trainImages.begin() + i * 48));
    }
    QCOMPARE(data.testLabels.front(), 0);
    QCOMPARE(data.testLabels.back(), 2);
    // What a cache compares: every picture.
    QCOMPARE(datasetFiles(root.string()).size(), std::size_t{16});
    const DatasetSummary summary = summarise(data, root.string());
    QVERIFY((summary.trainPerClass == std::vector<std::int64_t>{4, 4, 4}));
    QVERIFY((summary.testPerClass == std::vector<std::int64_t>{2, 0, 2}));
}

void TestImageFolders::folderWithoutTestPartHoldsOutTwentyPercent()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("d").toStdString();
    writeFolder(root, {"a", "b"}, 10);
    const DatasetBytes first = loadDataset(root.string());
    QCOMPARE(first.trainCount(), std::int64_t{16});
    QCOMPARE(first.testCount(), std::int64_t{4});
    QCOMPARE(std::count(first.testLabels.begin(), first.testLabels.end(), 0), std::ptrdiff_t{2});
    const DatasetBytes again = loadDataset(root.string());
    QVERIFY(first.testImages == again.testImages);  // seeded: the same split every time
    QVERIFY(first.trainImages == again.trainImages);
}

void TestImageFolders::namesOutsideUtf8()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("u").toStdString();
    writeFolder(root, {"a", "b"}, 2);
    // A picture's file name may be any bytes...
    put(root / "train" / "a" / "caf\xe9.png", pngBytes(pattern(1, 8, 6, 9), 1, 8, 6));
    QCOMPARE(loadDataset(root.string()).trainCount() + loadDataset(root.string()).testCount(), std::int64_t{5});
    // ...a class name is text.
    writeFolder(root, {"b\xff"}, 1);
    expectDataError([&] { loadDataset(root.string()); }, "not valid UTF-8");
    fs::remove_all(root);  // QTemporaryDir cannot remove names that are not UTF-8
}

void TestImageFolders::refusesCorruptPictures()
{
    QTemporaryDir tmp;
    const std::string png = pngBytes(pattern(1, 20, 20, 1), 1, 20, 20);
    const std::string jpeg = jpegBytes(pattern(3, 20, 20, 1), 3, 20, 20);
    expectDataError([&] { detail::decodeImage(png.substr(0, png.size() / 2), "t.png"); }, "t.png: not a readable PNG");
    expectDataError([&] { detail::decodeImage(jpeg.substr(0, jpeg.size() / 2), "t.jpg"); }, "t.jpg: not a readable JPEG");
    std::string badCrc = png;
    const std::size_t idat = badCrc.find("IDAT");
    QVERIFY(idat != std::string::npos);
    badCrc[idat + 4 + 2] ^= 0x55;  // a byte inside IDAT's data: its CRC no longer matches
    expectDataError([&] { detail::decodeImage(badCrc, "crc.png"); }, "crc.png: not a readable PNG");
    expectDataError([&] { detail::decodeImage("GIF89a....", "g.png"); }, "neither a PNG nor a JPEG");
    expectDataError([&] { detail::decodeImage("", "empty.png"); }, "neither a PNG nor a JPEG");
    // In a folder, the file is named.
    const fs::path root = tmp.filePath("c").toStdString();
    writeFolder(root, {"a", "b"}, 2);
    put(root / "train" / "b" / "broken.png", png.substr(0, 60));
    expectDataError([&] { loadDataset(root.string()); }, "broken.png: not a readable PNG");
}

void TestImageFolders::refusesHugeHeadersBeforeDecoding()
{
    // A PNG header claiming 100,000 x 100,000 pixels (a decompression bomb's shape): refused from
    // the header, before 10^10 bytes are asked for. The same for 513 and for a JPEG.
    const auto header = [](std::uint32_t w, std::uint32_t h) {
        std::string ihdr;
        for (const std::uint32_t v : {w, h})
            for (int shift = 24; shift >= 0; shift -= 8)
                ihdr.push_back(static_cast<char>(v >> shift));
        ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey
        return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", "\x78\x9c\x03\x00\x00\x00\x00\x01") +
               chunk("IEND", "");
    };
    expectDataError([&] { detail::decodeImage(header(100000, 100000), "bomb.png"); }, "bomb.png: the picture is 100000 x 100000");
    expectDataError([&] { detail::decodeImage(header(513, 4), "wide.png"); }, "expected 1 to 512 pixels a side");
    std::string jpeg = jpegBytes(pattern(1, 8, 8, 0), 1, 8, 8);
    const std::size_t sof = jpeg.find("\xff\xc0");
    QVERIFY(sof != std::string::npos);
    jpeg[sof + 5] = jpeg[sof + 6] = jpeg[sof + 7] = jpeg[sof + 8] = '\xfd';  // 65021 x 65021
    expectDataError([&] { detail::decodeImage(jpeg, "bomb.jpg"); }, "bomb.jpg: the picture is 65021 x 65021");
    // A larger limit reads the same picture sizes a smaller one refuses.
    QCOMPARE(detail::decodeImage(pngBytes(pattern(1, 4, 600, 0), 1, 4, 600), "w.png", 1024).width, 600);
}

void TestImageFolders::refusesMixedSizesAndChannels()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("m").toStdString();
    writeFolder(root, {"a", "b"}, 2);
    put(root / "train" / "b" / "999.png", pngBytes(pattern(1, 8, 7, 0), 1, 8, 7));
    expectDataError([&] { loadDataset(root.string()); }, "999.png: the picture is 1x8x7");
    fs::remove(root / "train" / "b" / "999.png");
    put(root / "train" / "b" / "999.jpg", jpegBytes(pattern(3, 8, 6, 0), 3, 8, 6));
    expectDataError([&] { loadDataset(root.string()); }, "999.jpg: the picture is 3x8x6");
    fs::remove(root / "train" / "b" / "999.jpg");
    // A 1x1 picture is a valid picture, and a different size.
    put(root / "train" / "b" / "999.png", pngBytes({7}, 1, 1, 1));
    expectDataError([&] { loadDataset(root.string()); }, "the picture is 1x1x1");
}

void TestImageFolders::refusesBadLayouts()
{
    QTemporaryDir tmp;
    const fs::path one = tmp.filePath("one").toStdString();
    writeFolder(one, {"only"}, 3);
    expectDataError([&] { loadDataset(one.string()); }, "1 class folder(s); a classification needs at least 2");
    const fs::path empty = tmp.filePath("empty").toStdString();
    writeFolder(empty, {"a"}, 3);
    fs::create_directories(empty / "train" / "b");
    expectDataError([&] { loadDataset(empty.string()); }, "/train/b: holds no pictures");
    const fs::path loose = tmp.filePath("loose").toStdString();
    writeFolder(loose, {"a", "b"}, 3);
    put(loose / "train" / "x.png", pngBytes(pattern(1, 8, 6, 0), 1, 8, 6));
    expectDataError([&] { loadDataset(loose.string()); }, "x.png: a picture outside a class folder");
    const fs::path nested = tmp.filePath("nested").toStdString();
    writeFolder(nested, {"a", "b"}, 3);
    fs::create_directories(nested / "train" / "a" / "more");
    expectDataError([&] { loadDataset(nested.string()); }, "more: a folder inside a class folder");
    const fs::path strange = tmp.filePath("strange").toStdString();
    writeFolder(strange, {"a", "b"}, 3);
    writeFolder(strange, {"c"}, 1, "test");
    expectDataError([&] { loadDataset(strange.string()); }, "test/c: a test class that train/ does not have");
}

void TestImageFolders::refusesLoopsAndFifos()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("l").toStdString();
    writeFolder(root, {"a", "b"}, 3);
    fs::create_symlink("self.png", root / "train" / "a" / "self.png");  // a link to itself: ELOOP
    expectDataError([&] { loadDataset(root.string()); }, "self.png: cannot be read");
    fs::remove(root / "train" / "a" / "self.png");
    fs::create_directory_symlink("..", root / "train" / "a" / "up");  // a loop through a folder
    expectDataError([&] { loadDataset(root.string()); }, "up: a folder inside a class folder");
    fs::remove(root / "train" / "a" / "up");
    fs::create_directory_symlink(".", root / "train" / "c");  // train/c -> train: one level only
    expectDataError([&] { loadDataset(root.string()); }, "a folder inside a class folder");
    fs::remove(root / "train" / "c");
    QCOMPARE(::mkfifo((root / "train" / "b" / "pipe.png").c_str(), 0600), 0);  // must not block
    expectDataError([&] { loadDataset(root.string()); }, "pipe.png: not a regular file");
    fs::remove(root / "train" / "b" / "pipe.png");
    QCOMPARE(loadDataset(root.string()).shape.classes, 2);
}

void TestImageFolders::realJpegsMatchPil()
{
    if (!fs::exists(kSklearnImages))
        QSKIP("python3-sklearn's images are not installed (scripts/setup.sh --tests installs them)");
    QProcess probe;
    probe.start(kPython, {"-c", "import PIL"});
    if (!probe.waitForFinished(60000) || probe.exitCode() != 0)
        QSKIP("python3-pil is not installed (scripts/setup.sh --tests installs it)");
    QTemporaryDir tmp;
    for (const char* name : {"china.jpg", "flower.jpg"}) {
        const std::string path = std::string(kSklearnImages) + "/" + name;
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // 640 x 427 pictures: above a dataset's side limit, so decoded with a larger one here.
        const detail::DecodedImage ours = detail::decodeImage(bytes, path, 1024);
        const QString raw = tmp.filePath(name) + ".rgb";
        QProcess pil;
        pil.start(kPython, {"-c",
                              "import sys; from PIL import Image; im = Image.open(sys.argv[1]); im.load(); "
                              "print(im.mode, im.size[0], im.size[1]); open(sys.argv[2], 'wb').write(im.tobytes())",
                              QString::fromStdString(path), raw});
        QVERIFY(pil.waitForFinished(60000));
        QCOMPARE(pil.exitCode(), 0);
        const QStringList header = QString::fromUtf8(pil.readAllStandardOutput()).split(' ', Qt::SkipEmptyParts);
        QCOMPARE(header.value(0), QString("RGB"));
        QCOMPARE(ours.channels, 3);
        QCOMPARE(ours.width, header.value(1).toInt());
        QCOMPARE(ours.height, header.value(2).trimmed().toInt());
        std::ifstream pilFile(raw.toStdString(), std::ios::binary);
        const std::string pilBytes((std::istreambuf_iterator<char>(pilFile)), std::istreambuf_iterator<char>());
        QCOMPARE(pilBytes.size(), ours.pixels.size());
        const std::size_t plane = static_cast<std::size_t>(ours.width) * static_cast<std::size_t>(ours.height);
        std::size_t differing = 0;
        for (std::size_t p = 0; p < plane; ++p)
            for (std::size_t c = 0; c < 3; ++c)
                differing += static_cast<unsigned char>(pilBytes[p * 3 + c]) != ours.pixels[c * plane + p];
        QVERIFY2(differing == 0, qPrintable(QString("%1: %2 of %3 values differ from PIL's").arg(name).arg(differing).arg(pilBytes.size())));
    }
}

QTEST_APPLESS_MAIN(TestImageFolders)
#include "test_image_folders.moc"
