#include "network_editor.h"
#include "dropout_kinds.h"

#include "theme.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/network.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSet>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <functional>

namespace dropoutlab::ui {
namespace {

using Kind = LayerSpec::Kind;

struct KindEntry {
    Kind kind;
    const char* label;
};

/// The layers the Add menu offers, in groups (a null label: a separator).
const KindEntry kAddable[] = {
    {Kind::Conv, QT_TRANSLATE_NOOP("NetworkEditor", "&Convolution")},
    {Kind::MaxPool, QT_TRANSLATE_NOOP("NetworkEditor", "&Max pooling")},
    {Kind::AvgPool, QT_TRANSLATE_NOOP("NetworkEditor", "&Average pooling")},
    {Kind::GlobalAvgPool, QT_TRANSLATE_NOOP("NetworkEditor", "&Global average pooling")},
    {Kind::Relu, nullptr},
    {Kind::BatchNorm, QT_TRANSLATE_NOOP("NetworkEditor", "&Batch normalisation")},
    {Kind::LayerNorm, QT_TRANSLATE_NOOP("NetworkEditor", "La&yer normalisation")},
    {Kind::Relu, nullptr},
    {Kind::Relu, QT_TRANSLATE_NOOP("NetworkEditor", "&ReLU")},
    {Kind::LeakyRelu, QT_TRANSLATE_NOOP("NetworkEditor", "&Leaky ReLU")},
    {Kind::Gelu, QT_TRANSLATE_NOOP("NetworkEditor", "G&ELU")},
    {Kind::Tanh, QT_TRANSLATE_NOOP("NetworkEditor", "&Tanh")},
    {Kind::Sigmoid, QT_TRANSLATE_NOOP("NetworkEditor", "&Sigmoid")},
    {Kind::Selu, QT_TRANSLATE_NOOP("NetworkEditor", "SE&LU")},
    {Kind::Relu, nullptr},
    {Kind::Flatten, QT_TRANSLATE_NOOP("NetworkEditor", "&Flatten")},
    {Kind::Linear, QT_TRANSLATE_NOOP("NetworkEditor", "Li&near (fully connected)")},
    {Kind::Dropout, QT_TRANSLATE_NOOP("NetworkEditor", "&Dropout site")},
};

bool hasName(Kind kind)
{
    return kind == Kind::Conv || kind == Kind::Linear || kind == Kind::BatchNorm || kind == Kind::LayerNorm ||
           kind == Kind::Dropout;
}

bool hasWindow(Kind kind)
{
    return kind == Kind::Conv || kind == Kind::MaxPool || kind == Kind::AvgPool;
}

/// "1.23 M", "845 k", "12": FLOPs per image.
QString flopsText(double flops)
{
    if (flops <= 0)
        return QStringLiteral("–");
    if (flops >= 1e9)
        return QStringLiteral("%1 G").arg(flops / 1e9, 0, 'f', 2);
    if (flops >= 1e6)
        return QStringLiteral("%1 M").arg(flops / 1e6, 0, 'f', 2);
    if (flops >= 1e3)
        return QStringLiteral("%1 k").arg(flops / 1e3, 0, 'f', 1);
    return QString::number(flops, 'f', 0);
}

/// The layer list; a row dragged onto another moves its layer there.
class LayerTable final : public QTableWidget {
public:
    using QTableWidget::QTableWidget;
    std::function<void(int from, int to)> moved;

protected:
    void dropEvent(QDropEvent* event) override
    {
        const int from = currentRow();
        const QModelIndex at = indexAt(event->position().toPoint());
        const int to = at.isValid() ? at.row() : rowCount() - 1;
        event->setDropAction(Qt::IgnoreAction);  // the editor moves the layer; the view keeps its rows
        event->accept();
        if (moved && from >= 0 && to >= 0 && to != from)
            moved(from, to);
    }
};

QSpinBox* spin(int min, int max)
{
    auto* box = new QSpinBox;
    box->setRange(min, max);
    return box;
}

} // namespace

NetworkEditor::NetworkEditor(const NetworkSpec& definition, QWidget* parent)
    : QDialog(parent), m_definition(definition)
{
    setWindowTitle(tr("Network editor"));
    auto* layout = new QVBoxLayout(this);
    auto* head = new QFormLayout;
    m_name = new QLineEdit;
    m_name->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[A-Za-z][A-Za-z0-9_-]{0,31}")), m_name));
    m_name->setPlaceholderText(tr("my-network"));
    m_description = new QLineEdit;
    m_description->setPlaceholderText(tr("One sentence for lists and tooltips"));
    m_input = new QLabel;
    head->addRow(tr("&Name"), m_name);
    head->addRow(tr("&Description"), m_description);
    head->addRow(tr("Input"), m_input);
    layout->addLayout(head);

    auto* middle = new QHBoxLayout;
    auto* table = new LayerTable(0, ColumnCount);
    table->moved = [this](int from, int to) { moveLayer(from, to); };
    table->setDragEnabled(true);
    table->setDragDropMode(QAbstractItemView::InternalMove);
    table->setDefaultDropAction(Qt::MoveAction);
    table->setDropIndicatorShown(true);
    m_table = table;
    m_table->setHorizontalHeaderLabels({tr("Layer"), tr("Settings"), tr("Output"), tr("Parameters"), tr("FLOPs")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(SettingsColumn, QHeaderView::Stretch);
    m_table->setAccessibleName(tr("Layers"));
    m_table->setMinimumWidth(560);
    middle->addWidget(m_table, 1);
    auto* side = new QVBoxLayout;
    side->addWidget(buildLayerButtons());
    side->addWidget(buildProperties());
    side->addStretch(1);
    middle->addLayout(side);
    layout->addLayout(middle, 1);

    m_errorLabel = new QLabel;
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setTextColour(m_errorLabel, problemColor(palette()));
    m_totals = new QLabel;
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_totals);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    auto* open = m_buttons->addButton(tr("&Open…"), QDialogButtonBox::ActionRole);
    auto* save = m_buttons->addButton(tr("&Save As…"), QDialogButtonBox::ActionRole);
    connect(open, &QPushButton::clicked, this, &NetworkEditor::openDialog);
    connect(save, &QPushButton::clicked, this, &NetworkEditor::saveDialog);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);

    connect(m_table, &QTableWidget::itemSelectionChanged, this, &NetworkEditor::showProperties);
    connect(m_name, &QLineEdit::textEdited, this, [this](const QString& text) {
        m_definition.name = text.toStdString();
        refresh();
    });
    connect(m_description, &QLineEdit::textEdited, this,
            [this](const QString& text) { m_definition.description = text.toStdString(); });
    setDefinition(definition);
    resize(1040, 640);
}

QWidget* NetworkEditor::buildLayerButtons()
{
    auto* box = new QGroupBox(tr("Layers"));
    auto* buttons = new QVBoxLayout(box);
    m_add = new QToolButton;
    m_add->setText(tr("&Add layer"));
    m_add->setToolTip(tr("Add a layer after the selected one (Insert)"));
    m_add->setPopupMode(QToolButton::InstantPopup);
    m_add->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_add->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    auto* menu = new QMenu(m_add);
    for (const auto& entry : kAddable) {
        if (!entry.label) {
            menu->addSeparator();
            continue;
        }
        const Kind kind = entry.kind;
        menu->addAction(tr(entry.label), this, [this, kind] { insertLayer(newLayer(kind)); });
    }
    m_add->setMenu(menu);
    m_dropout = new QPushButton(tr("Insert d&ropout"));
    m_dropout->setToolTip(tr("Insert a dropout site after the selected layer (Ctrl+D)"));
    m_remove = new QPushButton(tr("Re&move"));
    m_remove->setToolTip(tr("Remove the selected layer (Delete)"));
    m_up = new QPushButton(tr("Move &up"));
    m_up->setToolTip(tr("Move the selected layer up (Ctrl+Up)"));
    m_down = new QPushButton(tr("Move do&wn"));
    m_down->setToolTip(tr("Move the selected layer down (Ctrl+Down)"));
    for (QWidget* w : std::initializer_list<QWidget*>{m_add, m_dropout, m_remove, m_up, m_down})
        buttons->addWidget(w);
    connect(m_dropout, &QPushButton::clicked, this, [this] { insertLayer(newLayer(Kind::Dropout)); });
    connect(m_remove, &QPushButton::clicked, this, &NetworkEditor::removeCurrentLayer);
    connect(m_up, &QPushButton::clicked, this, [this] { moveCurrentLayer(-1); });
    connect(m_down, &QPushButton::clicked, this, [this] { moveCurrentLayer(1); });
    const auto shortcut = [this](const QKeySequence& keys, auto slot) {
        auto* s = new QShortcut(keys, this);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(QKeySequence(Qt::Key_Insert), [this] { m_add->showMenu(); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_D), [this] { insertLayer(newLayer(Kind::Dropout)); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_Up), [this] { moveCurrentLayer(-1); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_Down), [this] { moveCurrentLayer(1); });
    auto* remove = new QShortcut(QKeySequence::Delete, m_table);
    remove->setContext(Qt::WidgetShortcut);
    connect(remove, &QShortcut::activated, this, &NetworkEditor::removeCurrentLayer);
    return box;
}

QWidget* NetworkEditor::buildProperties()
{
    auto* box = new QGroupBox(tr("Selected layer"));
    m_form = new QFormLayout(box);
    m_type = new QLabel;
    m_layerName = new QLineEdit;
    m_layerName->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[A-Za-z][A-Za-z0-9_-]{0,31}")), m_layerName));
    m_out = spin(0, kMaxLayerWidth);
    m_kernel = spin(1, kMaxKernel);
    m_stride = spin(1, kMaxStride);
    m_padding = spin(0, kMaxPadding);
    m_slope = new QDoubleSpinBox;
    m_slope->setRange(0.0, 1.0);
    m_slope->setDecimals(3);
    m_slope->setSingleStep(0.01);
    m_kind = new QComboBox;
    fillKindCombo(m_kind, nullptr);
    m_kind->setToolTip(tr("The kind this site uses unless a run names one"));
    m_siteDescription = new QLineEdit;
    m_siteDescription->setPlaceholderText(tr("Where the site sits, for tooltips"));
    m_form->addRow(tr("Type"), m_type);
    m_form->addRow(tr("Na&me"), m_layerName);
    m_form->addRow(tr("&Out"), m_out);
    m_form->addRow(tr("&Kernel"), m_kernel);
    m_form->addRow(tr("S&tride"), m_stride);
    m_form->addRow(tr("&Padding"), m_padding);
    m_form->addRow(tr("S&lope"), m_slope);
    m_form->addRow(tr("Dropout &kind"), m_kind);
    m_form->addRow(tr("About"), m_siteDescription);
    connect(m_layerName, &QLineEdit::textEdited, this, &NetworkEditor::applyProperties);
    connect(m_siteDescription, &QLineEdit::textEdited, this, &NetworkEditor::applyProperties);
    for (QSpinBox* s : {m_out, m_kernel, m_stride, m_padding})
        connect(s, &QSpinBox::valueChanged, this, &NetworkEditor::applyProperties);
    connect(m_slope, &QDoubleSpinBox::valueChanged, this, &NetworkEditor::applyProperties);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &NetworkEditor::applyProperties);
    box->setMinimumWidth(300);
    return box;
}

LayerSpec NetworkEditor::newLayer(Kind kind)
{
    LayerSpec l;
    l.kind = kind;
    switch (kind) {
    case Kind::Conv:
        l.out = 32;
        l.kernel = 3;
        l.padding = 1;
        break;
    case Kind::MaxPool:
    case Kind::AvgPool:
        l.kernel = 2;
        l.stride = 2;
        break;
    case Kind::Linear: l.out = 128; break;
    default: break;
    }
    return l;
}

NetworkSpec NetworkEditor::definition() const
{
    return m_definition;
}

bool NetworkEditor::isValid() const
{
    return m_valid;
}

QString NetworkEditor::errorText() const
{
    return m_error;
}

int NetworkEditor::currentLayer() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.front().row();
}

void NetworkEditor::setCurrentLayer(int row)
{
    if (row >= 0 && row < m_table->rowCount())
        m_table->selectRow(row);
    else
        m_table->clearSelection();
}

void NetworkEditor::setDefinition(const NetworkSpec& definition)
{
    const NetworkSpec input = m_definition;
    m_definition = definition;
    m_definition.channels = input.channels;
    m_definition.height = input.height;
    m_definition.width = input.width;
    m_definition.classes = input.classes;
    {
        const QSignalBlocker a(m_name);
        const QSignalBlocker b(m_description);
        m_name->setText(QString::fromStdString(m_definition.name));
        m_description->setText(QString::fromStdString(m_definition.description));
    }
    m_input->setText(tr("%1 x %2 x %3 from the dataset, %4 classes")
                         .arg(m_definition.channels)
                         .arg(m_definition.height)
                         .arg(m_definition.width)
                         .arg(m_definition.classes));
    refresh();
    setCurrentLayer(m_definition.layers.empty() ? -1 : 0);
}

QString NetworkEditor::uniqueName(Kind kind) const
{
    if (!hasName(kind))
        return {};
    // Sites and layers have names of their own; a generated name may not repeat one in use.
    const NetworkCheck check = checkNetwork(m_definition);
    QSet<QString> taken;
    for (const LayerSpec& l : check.inferred.layers)
        if ((l.kind == Kind::Dropout) == (kind == Kind::Dropout))
            taken.insert(QString::fromStdString(l.name));
    for (int n = 1;; ++n) {
        const QString name = QString::fromStdString(generatedName(kind, n));
        if (!taken.contains(name))
            return name;
    }
}

void NetworkEditor::insertLayer(const LayerSpec& layer)
{
    if (m_definition.layers.size() >= static_cast<std::size_t>(kMaxNetworkLayers))
        return;  // refresh() already says the limit
    const int at = currentLayer() < 0 ? static_cast<int>(m_definition.layers.size()) : currentLayer() + 1;
    LayerSpec named = layer;
    if (named.name.empty())
        named.name = uniqueName(layer.kind).toStdString();
    m_definition.layers.insert(m_definition.layers.begin() + at, named);
    refresh();
    setCurrentLayer(at);
    m_table->setFocus();
}

void NetworkEditor::removeCurrentLayer()
{
    const int row = currentLayer();
    if (row < 0)
        return;
    m_definition.layers.erase(m_definition.layers.begin() + row);
    refresh();
    setCurrentLayer(std::min(row, static_cast<int>(m_definition.layers.size()) - 1));
}

void NetworkEditor::moveCurrentLayer(int delta)
{
    const int row = currentLayer();
    if (row >= 0)
        moveLayer(row, row + delta);
}

void NetworkEditor::moveLayer(int from, int to)
{
    const int count = static_cast<int>(m_definition.layers.size());
    if (from < 0 || from >= count || to < 0 || to >= count || from == to)
        return;
    const LayerSpec layer = m_definition.layers[static_cast<std::size_t>(from)];
    m_definition.layers.erase(m_definition.layers.begin() + from);
    m_definition.layers.insert(m_definition.layers.begin() + to, layer);
    refresh();
    setCurrentLayer(to);
}

void NetworkEditor::refresh()
{
    const NetworkCheck check = checkNetwork(m_definition);
    m_valid = check.ok() && !m_definition.name.empty();
    m_error = QString::fromStdString(check.error);
    if (check.ok() && m_definition.name.empty())
        m_error = tr("The network needs a name (a letter, then letters, digits, '_' or '-').");
    const int selected = currentLayer();
    {
        const QSignalBlocker blocker(m_table);
        m_table->setRowCount(static_cast<int>(m_definition.layers.size()));
        for (int row = 0; row < m_table->rowCount(); ++row)
            fillRow(row, check.inferred.layers[static_cast<std::size_t>(row)],
                    static_cast<std::size_t>(row) < check.validLayers);
        if (check.errorLayer >= 0) {
            QColor tint = problemColor(palette());
            tint.setAlphaF(0.22);
            for (int column = 0; column < ColumnCount; ++column) {
                QTableWidgetItem* item = m_table->item(check.errorLayer, column);
                item->setBackground(tint);
                item->setToolTip(m_error);
            }
            m_table->item(check.errorLayer, OutputColumn)->setText(tr("error"));
        }
    }
    if (selected >= 0 && selected < m_table->rowCount())
        m_table->selectRow(selected);
    m_errorLabel->setText(m_error.isEmpty() ? QString() : QStringLiteral("⚠ ") + m_error);
    m_errorLabel->setVisible(!m_error.isEmpty());
    const QLocale locale;
    if (check.ok()) {
        m_totals->setText(tr("%1 layers · %2 dropout sites · %3 parameters · %4FLOPs per image (forward) · output %5")
                              .arg(m_definition.layers.size())
                              .arg(dropoutSites(check.inferred).size())
                              .arg(locale.toString(static_cast<qlonglong>(parameterCount(check.inferred))))
                              .arg(flopsText(forwardFlopsPerImage(check.inferred)))
                              .arg(QString::fromStdString(shapeText(check.inferred.layers.back()))));
    } else {
        m_totals->setText(tr("%1 layers; the totals follow once the network is valid").arg(m_definition.layers.size()));
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
    m_remove->setEnabled(!m_definition.layers.empty());
    Q_EMIT networkChanged();
}

void NetworkEditor::fillRow(int row, const LayerSpec& shown, bool inferred)
{
    const QLocale locale;
    const QString cells[ColumnCount] = {
        QString::fromStdString(layerTitle(shown)),
        QString::fromStdString(layerSettingsText(shown)),
        inferred ? QString::fromStdString(shapeText(shown)) : QStringLiteral("–"),
        inferred && layerParameters(shown) > 0 ? locale.toString(static_cast<qlonglong>(layerParameters(shown)))
                                                : QStringLiteral("–"),
        inferred ? flopsText(layerForwardFlops(shown)) : QStringLiteral("–"),
    };
    for (int column = 0; column < ColumnCount; ++column) {
        auto* item = new QTableWidgetItem(cells[column]);
        if (column >= OutputColumn)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (shown.kind == Kind::Dropout) {
            QFont font = item->font();
            font.setBold(true);
            item->setFont(font);
        }
        if (shown.kind == Kind::Dropout && !shown.description.empty())
            item->setToolTip(QString::fromStdString(shown.description));
        m_table->setItem(row, column, item);
    }
}

void NetworkEditor::showProperties()
{
    const int row = currentLayer();
    const bool any = row >= 0;
    const LayerSpec l = any ? m_definition.layers[static_cast<std::size_t>(row)] : LayerSpec{};
    m_updating = true;
    m_type->setText(any ? QString::fromStdString(toString(l.kind)) : tr("no layer selected"));
    m_layerName->setText(QString::fromStdString(l.name));
    m_layerName->setPlaceholderText(tr("generated"));
    m_out->setValue(l.out);
    m_out->setSpecialValueText(l.kind == Kind::Linear ? tr("the classes") : QString());
    m_out->setMinimum(l.kind == Kind::Linear ? 0 : 1);
    m_kernel->setValue(std::max(1, l.kernel));
    m_stride->setValue(l.stride);
    m_padding->setValue(l.padding);
    m_slope->setValue(l.slope);
    selectKind(m_kind, DropoutSetting{0.0, l.dropoutKind});
    m_siteDescription->setText(QString::fromStdString(l.description));
    m_updating = false;
    m_form->setRowVisible(m_layerName, any && hasName(l.kind));
    m_form->setRowVisible(m_out, any && (l.kind == Kind::Conv || l.kind == Kind::Linear));
    for (QWidget* w : std::initializer_list<QWidget*>{m_kernel, m_stride, m_padding})
        m_form->setRowVisible(w, any && hasWindow(l.kind));
    m_form->setRowVisible(m_slope, any && l.kind == Kind::LeakyRelu);
    m_form->setRowVisible(m_kind, any && l.kind == Kind::Dropout);
    m_form->setRowVisible(m_siteDescription, any && l.kind == Kind::Dropout);
    m_up->setEnabled(any && row > 0);
    m_down->setEnabled(any && row + 1 < m_table->rowCount());
    m_remove->setEnabled(any);
}

void NetworkEditor::applyProperties()
{
    const int row = currentLayer();
    if (m_updating || row < 0)
        return;
    LayerSpec& l = m_definition.layers[static_cast<std::size_t>(row)];
    if (hasName(l.kind))
        l.name = m_layerName->text().toStdString();
    if (l.kind == Kind::Conv || l.kind == Kind::Linear)
        l.out = m_out->value();
    if (hasWindow(l.kind)) {
        l.kernel = m_kernel->value();
        l.stride = m_stride->value();
        l.padding = m_padding->value();
    }
    if (l.kind == Kind::LeakyRelu)
        l.slope = m_slope->value();
    if (l.kind == Kind::Dropout) {
        DropoutSetting kind;
        readKind(m_kind, kind);
        l.dropoutKind = kind.kind;
        l.description = m_siteDescription->text().toStdString();
    }
    refresh();
}

bool NetworkEditor::openFile(const QString& path, QString* error)
{
    try {
        NetworkSpec read = readNetworkFile(path.toStdString());
        setDefinition(read);
        return true;
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool NetworkEditor::saveFile(const QString& path, QString* error)
{
    if (!m_valid) {
        if (error)
            *error = tr("The network is not valid: %1").arg(m_error);
        return false;
    }
    try {
        writeNetworkFile(path.toStdString(), m_definition);
        return true;
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

void NetworkEditor::openDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open network"), {}, tr("Network files (*.json)"));
    QString error;
    if (!path.isEmpty() && !openFile(path, &error))
        QMessageBox::warning(this, tr("Open network"), error);
}

void NetworkEditor::saveDialog()
{
    const QString suggested = QString::fromStdString(m_definition.name.empty() ? "network" : m_definition.name) + ".json";
    const QString path = QFileDialog::getSaveFileName(this, tr("Save network"), suggested, tr("Network files (*.json)"));
    QString error;
    if (!path.isEmpty() && !saveFile(path, &error))
        QMessageBox::warning(this, tr("Save network"), error);
}

} // namespace dropoutlab::ui
