// Help > About (ui/about_box.h): the build and system report, and Copy for bug reports.
#include "about_box.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QPushButton>
#include <QTest>

using namespace dropoutlab::ui;

class TestAboutBox : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsTheReportAndCopiesIt();
};

void TestAboutBox::showsTheReportAndCopiesIt()
{
    AboutDialog dialog;
    const QString report = dialog.reportText();
    // The same lines as `dropoutlab --version`, with the Qt in use.
    QCOMPARE(report, appVersionReport());
    QVERIFY(report.startsWith("Program: dropoutlab "));
    QVERIFY(report.contains(QStringLiteral("\nQt: %1\n").arg(qVersion())));
    for (const char* label : {"Commit: ", "Built: ", "LibTorch: ", "BLAS: ", "Threads: ", "CUDA: ", "GPU"})
        QVERIFY2(report.contains(label), label);

    // Every value is shown in the dialog.
    QStringList shown;
    for (const QLabel* label : dialog.findChildren<QLabel*>())
        shown << label->text();
    for (const QString& line : report.split('\n', Qt::SkipEmptyParts))
        QVERIFY2(shown.contains(line.section(": ", 1)), qPrintable(line));

    QApplication::clipboard()->clear();
    auto* copy = dialog.findChild<QPushButton*>("copyReport");
    QVERIFY(copy);
    copy->click();
    QCOMPARE(QApplication::clipboard()->text(), report);
}

QTEST_MAIN(TestAboutBox)
#include "test_about_box.moc"
