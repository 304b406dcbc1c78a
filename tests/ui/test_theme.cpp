// Themes (ui/theme.h): light and dark palettes, charts that follow them and keep the runs' colours.
#include "chart_view.h"
#include "main_window.h"
#include "model_fixture.h"
#include "runs_model.h"
#include "theme.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QLineSeries>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestTheme : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void namesRoundTrip();
    void chartsFollowThePaletteAndKeepRunColours();
    void viewMenuChoiceIsRemembered();

private:
    QTemporaryDir m_settings;
};

void TestTheme::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", m_settings.path().toUtf8());
    QApplication::setOrganizationName(QStringLiteral("DropoutLabTest"));
    QApplication::setApplicationName(QStringLiteral("DropoutLabTheme"));
}

void TestTheme::namesRoundTrip()
{
    for (const Theme t : {Theme::System, Theme::Light, Theme::Dark})
        QCOMPARE(parseTheme(themeName(t)), std::optional<Theme>(t));
    QVERIFY(!parseTheme(QStringLiteral("solarized")));
}

void TestTheme::chartsFollowThePaletteAndKeepRunColours()
{
    RunsModel model;
    test::addCompletedRun(model, QStringLiteral("/runs/a"));
    auto* chart = new QChart;
    auto* line = new QLineSeries;
    const QColor runColour(0xf2, 0x8e, 0x2b);
    line->setPen(QPen(runColour, 2.0));
    chart->addSeries(line);
    ChartView view(chart, QStringLiteral("t"));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    applyTheme(Theme::Dark);
    QCoreApplication::processEvents();
    QVERIFY(isDark(QApplication::palette()));
    QVERIFY(isDark(view.palette()));
    QCOMPARE(chart->theme(), QChart::ChartThemeDark);
    QCOMPARE(line->pen().color(), runColour);  // the run keeps its colour
    QVERIFY(problemColor(QApplication::palette()).lightnessF() > 0.5);  // readable on dark

    applyTheme(Theme::Light);
    QCoreApplication::processEvents();
    QVERIFY(!isDark(QApplication::palette()));
    QCOMPARE(chart->theme(), QChart::ChartThemeLight);
    QCOMPARE(line->pen().color(), runColour);
    QVERIFY(problemColor(QApplication::palette()).lightnessF() < 0.5);
    applyTheme(Theme::System);
    QCOMPARE(currentTheme(), Theme::System);
}

void TestTheme::viewMenuChoiceIsRemembered()
{
    QTemporaryDir workspace;
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(workspace.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* dark = window.findChild<QAction*>(QStringLiteral("theme-dark"));
        QVERIFY(dark);
        dark->trigger();
        QCOMPARE(currentTheme(), Theme::Dark);
        QVERIFY(dark->isChecked());
        QCOMPARE(QSettings().value(QStringLiteral("view/theme")).toString(), QStringLiteral("dark"));
        QCoreApplication::processEvents();
        for (ChartView* v : window.findChildren<ChartView*>())
            QCOMPARE(v->chart()->theme(), QChart::ChartThemeDark);
    }
    applyTheme(Theme::Light);
    MainWindow reopened;  // starts in the remembered theme
    QCOMPARE(currentTheme(), Theme::Dark);
    QVERIFY(reopened.findChild<QAction*>(QStringLiteral("theme-dark"))->isChecked());
    reopened.setTheme(Theme::Light, false);  // a session's choice (--theme) is not remembered
    QCOMPARE(QSettings().value(QStringLiteral("view/theme")).toString(), QStringLiteral("dark"));
}

QTEST_MAIN(TestTheme)
#include "test_theme.moc"
