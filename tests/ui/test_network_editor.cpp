// The network editor driven as a user drives it: add a convolution and see the shapes and
// parameters follow, build an invalid stack and see the error at its layer, the keyboard, files;
// the experiment panel choosing a network and listing its sites; Compare showing the layers.
#include "config_compare_dialog.h"
#include "dropout_editor.h"
#include "experiment_panel.h"
#include "network_editor.h"
#include "runs_model.h"

#include "dropoutlab/core/network.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

QString cell(const NetworkEditor& editor, int row, int column)
{
    const auto* table = editor.findChild<QTableWidget*>();
    const QTableWidgetItem* item = table ? table->item(row, column) : nullptr;
    return item ? item->text() : QString();
}

bool okEnabled(const NetworkEditor& editor)
{
    return editor.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->isEnabled();
}

QLabel* errorLabel(const NetworkEditor& editor)
{
    for (QLabel* label : editor.findChildren<QLabel*>())
        if (label->text().startsWith(QStringLiteral("⚠")))
            return label;
    return nullptr;
}

} // namespace

class TestNetworkEditor : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsShapesParametersAndFlops();
    void addingAConvUpdatesTheShapes();
    void invalidStackShowsTheErrorAtItsLayer();
    void keyboardEditsTheStack();
    void buildsTheBatchNormCnnFromNothing();
    void savesAndOpensNetworkFiles();
    void panelTrainsTheChosenNetworkAndListsItsSites();
    void compareShowsNetworkDifferences();
};

void TestNetworkEditor::showsShapesParametersAndFlops()
{
    NetworkEditor editor(findNetwork("reference-cnn"));
    QVERIFY(editor.isValid());
    QVERIFY(okEnabled(editor));
    QCOMPARE(editor.findChild<QTableWidget*>()->rowCount(), 14);
    QCOMPARE(cell(editor, 1, NetworkEditor::LayerColumn), QStringLiteral("conv conv1"));
    QCOMPARE(cell(editor, 1, NetworkEditor::SettingsColumn), QStringLiteral("32 maps, 3x3, padding 1"));
    QCOMPARE(cell(editor, 1, NetworkEditor::OutputColumn), QStringLiteral("32x28x28"));
    QCOMPARE(cell(editor, 1, NetworkEditor::ParametersColumn), QLocale().toString(320));
    QCOMPARE(cell(editor, 2, NetworkEditor::OutputColumn), QStringLiteral("32x14x14"));
    QCOMPARE(cell(editor, 10, NetworkEditor::OutputColumn), QStringLiteral("128"));
    QCOMPARE(cell(editor, 10, NetworkEditor::ParametersColumn), QLocale().toString(3136 * 128 + 128));
    QCOMPARE(cell(editor, 13, NetworkEditor::OutputColumn), QStringLiteral("10"));
    // conv1: 28 x 28 x 32 outputs x 9 multiply-adds x 2 = 451,584 FLOPs.
    QCOMPARE(cell(editor, 1, NetworkEditor::FlopsColumn), QStringLiteral("451.6 k"));
    const auto labels = editor.findChildren<QLabel*>();
    const bool totals = std::any_of(labels.begin(), labels.end(), [](const QLabel* l) {
        return l->text().contains(QLocale().toString(421642) + QStringLiteral(" parameters")) &&
               l->text().contains(QStringLiteral("4 dropout sites"));
    });
    QVERIFY2(totals, "no label shows the totals of the reference CNN (421,642 parameters, 4 sites)");
}

void TestNetworkEditor::addingAConvUpdatesTheShapes()
{
    NetworkEditor editor(findNetwork("reference-cnn"));
    QSignalSpy changed(&editor, &NetworkEditor::networkChanged);
    editor.setCurrentLayer(1);  // conv1
    editor.insertLayer(NetworkEditor::newLayer(LayerSpec::Kind::Conv));
    QCOMPARE(editor.currentLayer(), 2);
    QVERIFY(!changed.isEmpty());
    QCOMPARE(cell(editor, 2, NetworkEditor::LayerColumn), QStringLiteral("conv conv3"));  // a free name
    QCOMPARE(cell(editor, 2, NetworkEditor::OutputColumn), QStringLiteral("32x28x28"));
    QCOMPARE(cell(editor, 2, NetworkEditor::ParametersColumn), QLocale().toString(32 * 32 * 9 + 32));
    QVERIFY(editor.isValid());

    // Its "Out" field, as a user types 16 into it: the shape and the next conv's weights follow.
    QSpinBox* out = nullptr;
    for (QSpinBox* s : editor.findChildren<QSpinBox*>())
        if (s->isVisibleTo(&editor) && s->maximum() == kMaxLayerWidth)
            out = s;
    QVERIFY(out);
    out->setValue(16);
    QCOMPARE(cell(editor, 2, NetworkEditor::OutputColumn), QStringLiteral("16x28x28"));
    QCOMPARE(cell(editor, 6, NetworkEditor::LayerColumn), QStringLiteral("conv conv2"));
    QCOMPARE(cell(editor, 6, NetworkEditor::ParametersColumn), QLocale().toString(64 * 16 * 9 + 64));
    QCOMPARE(editor.definition().layers[2].out, 16);
    QVERIFY(editor.isValid());
}

void TestNetworkEditor::invalidStackShowsTheErrorAtItsLayer()
{
    NetworkEditor editor(findNetwork("reference-cnn"));
    editor.show();
    editor.setCurrentLayer(0);
    editor.insertLayer(NetworkEditor::newLayer(LayerSpec::Kind::Linear));  // on 1x28x28 maps
    QVERIFY(!editor.isValid());
    QVERIFY(!okEnabled(editor));
    QVERIFY2(editor.errorText().startsWith(QStringLiteral("layer 2 (linear fc3) needs flat features")),
             qPrintable(editor.errorText()));
    QCOMPARE(cell(editor, 1, NetworkEditor::OutputColumn), QStringLiteral("error"));
    const auto* table = editor.findChild<QTableWidget*>();
    QCOMPARE(table->item(1, 0)->toolTip(), editor.errorText());
    QVERIFY(table->item(1, 0)->background().style() != Qt::NoBrush);
    QCOMPARE(table->item(0, 0)->background().style(), Qt::NoBrush);
    QCOMPARE(cell(editor, 0, NetworkEditor::OutputColumn), QStringLiteral("1x28x28"));  // before it: shapes
    QCOMPARE(cell(editor, 5, NetworkEditor::OutputColumn), QStringLiteral("–"));       // after it: none
    QLabel* label = errorLabel(editor);
    QVERIFY(label && label->isVisible());
    QVERIFY(label->text().contains(editor.errorText()));

    // Moving it below the flatten makes the stack valid again.
    for (int i = 0; i < 9; ++i)
        editor.moveCurrentLayer(1);
    QCOMPARE(editor.currentLayer(), 10);
    QVERIFY2(editor.isValid(), qPrintable(editor.errorText()));
    QCOMPARE(cell(editor, 10, NetworkEditor::OutputColumn), QStringLiteral("128"));
    QVERIFY(!label->isVisible());

    // Dragging a row onto another moves its layer there (the drop calls moveLayer).
    editor.moveLayer(10, 1);
    QCOMPARE(editor.currentLayer(), 1);
    QCOMPARE(cell(editor, 1, NetworkEditor::LayerColumn), QStringLiteral("linear fc3"));
    QVERIFY(!editor.isValid());
    editor.moveLayer(1, 10);
    QVERIFY(editor.isValid());

    // A last layer that does not give the classes is the network's error, shown at its end.
    editor.setCurrentLayer(14);
    editor.removeCurrentLayer();
    QVERIFY(!editor.isValid());
    QVERIFY2(editor.errorText().contains(QStringLiteral("it must end with 10 features")), qPrintable(editor.errorText()));
    QCOMPARE(cell(editor, 13, NetworkEditor::OutputColumn), QStringLiteral("error"));
}

void TestNetworkEditor::keyboardEditsTheStack()
{
    NetworkEditor editor(findNetwork("mlp"));
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    editor.activateWindow();
    auto* table = editor.findChild<QTableWidget*>();
    table->setFocus();
    const int rows = table->rowCount();
    editor.setCurrentLayer(2);
    QTest::keyClick(table, Qt::Key_D, Qt::ControlModifier);  // insert a dropout site
    QCOMPARE(table->rowCount(), rows + 1);
    QCOMPARE(editor.currentLayer(), 3);
    QVERIFY(editor.definition().layers[3].kind == LayerSpec::Kind::Dropout);
    QVERIFY(!editor.definition().layers[3].name.empty());
    QTest::keyClick(table, Qt::Key_Up, Qt::ControlModifier);
    QCOMPARE(editor.currentLayer(), 2);
    QVERIFY(editor.definition().layers[2].kind == LayerSpec::Kind::Dropout);
    QTest::keyClick(table, Qt::Key_Delete);
    QCOMPARE(table->rowCount(), rows);
    QCOMPARE(editor.definition(), findNetwork("mlp"));
}

void TestNetworkEditor::buildsTheBatchNormCnnFromNothing()
{
    NetworkSpec empty;
    empty.name = "mine";
    NetworkEditor editor(empty);
    QVERIFY(!editor.isValid());
    QCOMPARE(editor.errorText(), QStringLiteral("the network has no layers"));
    using K = LayerSpec::Kind;
    for (const int maps : {32, 64, 128}) {
        LayerSpec conv = NetworkEditor::newLayer(K::Conv);
        conv.out = maps;
        editor.insertLayer(conv);
        editor.insertLayer(NetworkEditor::newLayer(K::BatchNorm));
        editor.insertLayer(NetworkEditor::newLayer(K::Relu));
        if (maps != 128)
            editor.insertLayer(NetworkEditor::newLayer(K::MaxPool));
        LayerSpec site = NetworkEditor::newLayer(K::Dropout);
        site.dropoutKind = DropoutKind::Channel;
        editor.insertLayer(site);
    }
    editor.insertLayer(NetworkEditor::newLayer(K::GlobalAvgPool));
    editor.insertLayer(NetworkEditor::newLayer(K::Dropout));
    QVERIFY(!editor.isValid());  // ends with 128 features, not the 10 classes
    LayerSpec head = NetworkEditor::newLayer(K::Linear);
    head.out = 0;  // the classes
    editor.insertLayer(head);
    QVERIFY2(editor.isValid(), qPrintable(editor.errorText()));
    const NetworkSpec built = inferShapes(editor.definition());
    const NetworkSpec shipped = inferShapes(findNetwork("cnn3-bn"));
    QCOMPARE(built.layers.size(), shipped.layers.size());
    for (std::size_t i = 0; i < built.layers.size(); ++i) {
        QVERIFY(built.layers[i].kind == shipped.layers[i].kind);
        QCOMPARE(shapeText(built.layers[i]), shapeText(shipped.layers[i]));
    }
    QCOMPARE(parameterCount(built), parameterCount(shipped));
    QCOMPARE(dropoutSites(built).size(), std::size_t{4});
    QCOMPARE(dropoutSites(built)[0].name, std::string("drop1"));
}

void TestNetworkEditor::savesAndOpensNetworkFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    NetworkEditor editor(findNetwork("cnn3-bn"));
    editor.setCurrentLayer(3);
    editor.insertLayer(NetworkEditor::newLayer(LayerSpec::Kind::Dropout));
    const NetworkSpec edited = editor.definition();
    QString error;
    const QString path = dir.filePath("edited ü.json");
    QVERIFY2(editor.saveFile(path, &error), qPrintable(error));
    QCOMPARE(readNetworkFile(path.toStdString()), edited);

    NetworkEditor other(findNetwork("mlp"));
    QVERIFY2(other.openFile(path, &error), qPrintable(error));
    QCOMPARE(other.definition(), edited);
    QVERIFY(other.isValid());

    // A broken file is refused with the reader's error, and the editor keeps its network.
    QFile broken(dir.filePath("broken.json"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write(R"({"name": "x", "layers": [{"type": "conv", "out": 8}]})");
    broken.close();
    QVERIFY(!other.openFile(broken.fileName(), &error));
    QVERIFY2(error.contains(QStringLiteral("broken.json")) && error.contains(QStringLiteral("kernel")), qPrintable(error));
    QCOMPARE(other.definition(), edited);

    // An invalid network is not saved.
    other.setCurrentLayer(0);
    other.insertLayer(NetworkEditor::newLayer(LayerSpec::Kind::Linear));
    QVERIFY(!other.saveFile(dir.filePath("invalid.json"), &error));
    QVERIFY(!QFile::exists(dir.filePath("invalid.json")));
}

void TestNetworkEditor::panelTrainsTheChosenNetworkAndListsItsSites()
{
    ExperimentPanel panel;
    auto* editor = panel.findChild<DropoutEditor*>();
    QVERIFY(editor);
    QCOMPARE(editor->siteNames(), (std::vector<std::string>{"input", "conv1", "conv2", "fc1"}));

    // A shipped network from the chooser.
    QComboBox* networks = nullptr;
    for (QComboBox* box : panel.findChildren<QComboBox*>())
        if (box->accessibleName() == QStringLiteral("Network"))
            networks = box;
    QVERIFY(networks);
    const int cnn3 = networks->findData(QStringLiteral("network:cnn3-bn"));
    QVERIFY(cnn3 > 0);
    networks->setCurrentIndex(cnn3);
    QCOMPARE(editor->siteNames(), (std::vector<std::string>{"block1", "block2", "block3", "head"}));
    ExperimentConfig c = panel.config();
    QVERIFY(c.model == ModelKind::Custom);
    QCOMPARE(c.network, findNetwork("cnn3-bn"));

    // An own network, as the editor gives it.
    NetworkSpec own = findNetwork("cnn3-bn");
    own.name = "own-net";
    own.layers.erase(own.layers.begin() + 4);  // without block1
    panel.setNetwork(own);
    QCOMPARE(networks->currentData().toString(), QStringLiteral("custom"));
    QVERIFY(networks->currentText().contains(QStringLiteral("own-net")));
    QCOMPARE(editor->siteNames(), (std::vector<std::string>{"block2", "block3", "head"}));
    editor->setDropout({{"block2", {0.2, DropoutKind::Channel}}, {"head", {0.5, DropoutKind::Element}}});
    c = panel.config();
    QCOMPARE(c.network, own);
    QVERIFY(c.dropout.at("block2").kind == DropoutKind::Channel);
    QVERIFY2(QString::fromStdString(c.name).startsWith(QStringLiteral("own-net ")), c.name.c_str());

    // A config that trains it selects it again (and can run); the CNN goes back to its entry and sites.
    c.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    panel.setConfig(c);
    QCOMPARE(panel.config().network, own);
    QCOMPARE(panel.config().dropout.size(), std::size_t{2});
    QVERIFY2(panel.isValid(), qPrintable(panel.problem()));
    RunsModel runs;
    runs.addRun(c, RunState::Planned);
    const QModelIndex network = runs.index(0, RunsModel::Model);
    QCOMPARE(runs.headerData(RunsModel::Model, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("Network"));
    QCOMPARE(network.data().toString(), QStringLiteral("own-net"));
    const QString tip = network.data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QLocale().toString(static_cast<qlonglong>(parameterCount(networkSpec(c))))), qPrintable(tip));
    panel.setConfig(ExperimentConfig{});
    QVERIFY(panel.config().model == ModelKind::Cnn);
    QCOMPARE(editor->siteNames(), (std::vector<std::string>{"input", "conv1", "conv2", "fc1"}));
}

void TestNetworkEditor::compareShowsNetworkDifferences()
{
    ExperimentConfig cnn;
    NetworkSpec wider = findNetwork("reference-cnn");
    wider.name = "wider";
    wider.layers[10].out = 256;  // fc1
    const ExperimentConfig other = withNetwork(cnn, wider);
    ConfigCompareDialog dialog("cnn", cnn, "wider", other);
    const auto* table = dialog.findChild<QTableWidget*>();
    QVERIFY(table);
    QStringList differing;
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 1)->text() != table->item(r, 2)->text())
            differing << table->item(r, 0)->text() + ": " + table->item(r, 1)->text() + " | " + table->item(r, 2)->text();
    QVERIFY2(differing.contains(QStringLiteral("network layer 011: linear fc1 · 128 features | linear fc1 · 256 features")),
             qPrintable(differing.join('\n')));
    QVERIFY2(differing.contains(QStringLiteral("network: cnn | wider")), qPrintable(differing.join('\n')));
    for (const QString& row : differing)
        QVERIFY2(!row.startsWith(QStringLiteral("network layer 002")), qPrintable(row));  // conv1 is the same
}

QTEST_MAIN(TestNetworkEditor)
#include "test_network_editor.moc"
