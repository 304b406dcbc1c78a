// The dataset chooser driven as a user drives it: pick an image folder and see its shape, classes,
// balance and sample pictures; pick a CSV table and see its first rows; pick something broken and
// see why, with the OK button off; the experiment panel taking what was chosen.
// DROPOUTLAB_SCREENSHOT_DIR=DIR also saves the chooser as DIR/dataset-chooser-*.png.
#include "dataset_chooser.h"
#include "experiment_panel.h"

#include "engine/core/picture_writer.h"

#include "dropoutlab/core/experiment_config.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <filesystem>

using namespace dropoutlab;
using namespace dropoutlab::ui;
namespace fs = std::filesystem;

namespace {

/// train/<class>/NN.png: `perClass` 12x10 RGB pictures of each class, coloured by class.
void writeColourFolder(const fs::path& root, const std::vector<std::string>& classes, int perClass)
{
    int index = 0;
    for (std::size_t c = 0; c < classes.size(); ++c)
        for (int k = 0; k < perClass; ++k, ++index) {
            std::vector<std::uint8_t> pixels(3 * 10 * 12);
            for (std::size_t i = 0; i < pixels.size(); ++i)
                pixels[i] = static_cast<std::uint8_t>((i / 120 == c % 3 ? 200 : 30) + (i * 7 + static_cast<std::size_t>(k)) % 40);
            const fs::path file = root / "train" / classes[c] / (std::to_string(1000 + index) + ".png");
            fs::create_directories(file.parent_path());
            dropoutlab::test::writeText(file.string(), dropoutlab::test::pngBytes(pixels, 3, 10, 12));
        }
}

QString summaryText(const DatasetChooser& chooser)
{
    // The first label of the preview is the summary.
    for (auto* label : chooser.findChildren<QLabel*>())
        if (label->text().contains(QLatin1String("examples")) || label->text().contains(QLatin1String("Cannot")))
            return label->text();
    return {};
}

bool okEnabled(const DatasetChooser& chooser)
{
    return chooser.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->isEnabled();
}

void shoot(QWidget& widget, const QString& name)
{
    const QString dir = qEnvironmentVariable("DROPOUTLAB_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QVERIFY(widget.grab().save(QDir(dir).filePath(name)));
}

} // namespace

class TestDatasetChooser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsAnImageFolder();
    void showsATable();
    void refusesWithTheReason();
    void panelTakesTheChoice();
};

void TestDatasetChooser::showsAnImageFolder()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("shapes").toStdString();
    writeColourFolder(root, {"circle", "square", "triangle"}, 5);
    DatasetChooser chooser({});
    chooser.show();
    QSignalSpy shown(&chooser, &DatasetChooser::shown);
    chooser.choosePath(QString::fromStdString(root.string()));
    QVERIFY(chooser.busy() || shown.count() > 0);
    QVERIFY(shown.count() > 0 || shown.wait(20000));
    QVERIFY(!chooser.busy());
    const QString summary = summaryText(chooser);
    QVERIFY2(summary.contains("image folder") && summary.contains("12 x 10 pixels, RGB") && summary.contains("3 classes"),
             qPrintable(summary));
    // 15 pictures: 3 of each class held out as the test set (20 %, at least one), 12 to train.
    QVERIFY2(summary.contains("12 training and 3 test examples"), qPrintable(summary));
    QCOMPARE(chooser.sampleCount(), 9);  // 3 of each class
    auto* pictures = chooser.findChild<QListWidget*>(QString(), Qt::FindChildrenRecursively);
    QVERIFY(pictures);
    QStringList names;
    for (auto* list : chooser.findChildren<QListWidget*>())
        if (list->accessibleName() == QLatin1String("Sample pictures"))
            for (int i = 0; i < list->count(); ++i)
                names << list->item(i)->text();
    QCOMPARE(names.first(), QString("circle"));
    QCOMPARE(names.last(), QString("triangle"));
    QVERIFY(okEnabled(chooser));
    QCOMPARE(chooser.chosen(), QString::fromStdString(root.string()));
    shoot(chooser, "dataset-chooser-folder.png");
}

void TestDatasetChooser::showsATable()
{
    QTemporaryDir tmp;
    const QString csv = tmp.filePath("plants.csv");
    std::string text = "height,width,kind\n";
    for (int i = 0; i < 20; ++i)
        text += std::to_string(i) + "." + std::to_string(i % 7) + "," + std::to_string(20 - i) + "," + (i % 2 ? "fern" : "moss") + "\n";
    dropoutlab::test::writeText(csv.toStdString(), text);
    DatasetChooser chooser({});
    QSignalSpy shown(&chooser, &DatasetChooser::shown);
    chooser.choosePath(csv);
    QVERIFY(shown.count() > 0 || shown.wait(20000));
    const QString summary = summaryText(chooser);
    QVERIFY2(summary.contains("CSV table") && summary.contains("2 numeric features") && summary.contains("2 classes"),
             qPrintable(summary));
    QCOMPARE(chooser.sampleCount(), 12);  // the first rows
    auto* rows = chooser.findChild<QTableWidget*>();
    QCOMPARE(rows->horizontalHeaderItem(1)->text(), QString("height"));
    QVERIFY(rows->item(0, 0)->text() == "fern" || rows->item(0, 0)->text() == "moss");
}

void TestDatasetChooser::refusesWithTheReason()
{
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("broken").toStdString();
    writeColourFolder(root, {"a", "b"}, 3);
    dropoutlab::test::writeText((root / "train" / "b" / "bad.png").string(), "\x89PNG\r\n\x1a\n truncated");
    DatasetChooser chooser({});
    QSignalSpy shown(&chooser, &DatasetChooser::shown);
    chooser.choosePath(QString::fromStdString(root.string()));
    QVERIFY(shown.count() > 0 || shown.wait(20000));
    const QString summary = summaryText(chooser);
    QVERIFY2(summary.contains("Cannot use this dataset") && summary.contains("bad.png"), qPrintable(summary));
    QVERIFY(!okEnabled(chooser));
    QVERIFY(chooser.chosen().isEmpty());
}

void TestDatasetChooser::panelTakesTheChoice()
{
    // The panel's Choose… button opens the chooser; accepting it sets the data of the next run.
    QTemporaryDir tmp;
    const fs::path root = tmp.filePath("shapes").toStdString();
    writeColourFolder(root, {"circle", "square"}, 4);
    ExperimentPanel panel;
    QPushButton* choose = nullptr;
    for (auto* button : panel.findChildren<QPushButton*>())
        if (button->text() == QStringLiteral("Choose…"))
            choose = button;
    QVERIFY2(choose, qPrintable([&] {
        QStringList texts;
        for (auto* button : panel.findChildren<QPushButton*>())
            texts << button->text();
        return texts.join(" | ");
    }()));
    bool seen = false;
    QTimer::singleShot(0, [&] {
        auto* chooser = qobject_cast<DatasetChooser*>(QApplication::activeModalWidget());
        QVERIFY(chooser);
        QSignalSpy shown(chooser, &DatasetChooser::shown);
        chooser->choosePath(QString::fromStdString(root.string()));
        QVERIFY(shown.count() > 0 || shown.wait(20000));
        seen = true;
        chooser->accept();
    });
    choose->click();
    QVERIFY(seen);
    QCOMPARE(panel.config().dataDir, root.string());
}

QTEST_MAIN(TestDatasetChooser)
#include "test_dataset_chooser.moc"
