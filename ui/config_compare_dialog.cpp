#include "config_compare_dialog.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/network.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>

namespace dropoutlab::ui {
namespace {

/// The config as "key: value text" with nested objects flattened ("dropout.fc1.rate").
void flatten(const QJsonValue& value, const QString& prefix, std::map<QString, QString>& out)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();  // an empty one (no dropout) adds no row
        for (auto it = object.begin(); it != object.end(); ++it)
            flatten(it.value(), prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key(), out);
        return;
    }
    if (value.isArray()) {
        out[prefix] = QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        return;
    }
    if (value.isString())
        out[prefix] = value.toString();
    else if (value.isBool())
        out[prefix] = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    else if (value.isDouble())
        out[prefix] = QString::number(value.toDouble(), 'g', 12);
    else
        out[prefix] = QStringLiteral("null");
}

/// The network as rows: its name, then one row per layer ("network layer 003": "conv conv2 · 64
/// maps, 3x3, padding 1"), so that two networks compare layer by layer, the built-ins included.
void addNetworkRows(const ExperimentConfig& config, std::map<QString, QString>& out)
{
    for (auto it = out.begin(); it != out.end();)
        it = it->first == QLatin1String("network") || it->first.startsWith(QLatin1String("network."))
                 ? out.erase(it)
                 : std::next(it);
    out[QStringLiteral("network")] = QString::fromStdString(networkName(config));
    try {
        const NetworkSpec definition = networkDefinition(config);
        for (std::size_t i = 0; i < definition.layers.size(); ++i) {
            const LayerSpec& l = definition.layers[i];
            const std::string settings = layerSettingsText(l);
            out[QStringLiteral("network layer %1").arg(i + 1, 3, 10, QLatin1Char('0'))] =
                QString::fromStdString(settings.empty() ? layerTitle(l) : layerTitle(l) + " · " + settings);
        }
    } catch (const Error& e) {
        out[QStringLiteral("network layers")] = QString::fromStdString(e.what());
    }
}

std::map<QString, QString> flatConfig(const ExperimentConfig& config)
{
    std::map<QString, QString> out;
    flatten(QJsonDocument::fromJson(QByteArray::fromStdString(configToJson(config))).object(), {}, out);
    addNetworkRows(config, out);
    return out;
}

} // namespace

ConfigCompareDialog::ConfigCompareDialog(const QString& nameA, const ExperimentConfig& a, const QString& nameB,
                                         const ExperimentConfig& b, QWidget* parent)
    : QDialog(parent), m_table(new QTableWidget(this)), m_differencesOnly(new QCheckBox(tr("&Differences only")))
{
    setWindowTitle(tr("Compare configs"));
    const auto left = flatConfig(a);
    const auto right = flatConfig(b);
    std::map<QString, std::pair<QString, QString>> rows;
    for (const auto& [key, value] : left)
        rows[key].first = value;
    for (const auto& [key, value] : right)
        rows[key].second = value;

    m_table->setColumnCount(3);
    m_table->setHorizontalHeaderLabels({tr("Setting"), nameA, nameB});
    m_table->setRowCount(static_cast<int>(rows.size()));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    QColor highlight = palette().color(QPalette::Highlight);
    highlight.setAlphaF(0.25);
    int r = 0;
    for (const auto& [key, values] : rows) {
        const bool differs = values.first != values.second;
        if (differs)
            m_differing << key;
        const std::array<QString, 3> texts = {key, values.first, values.second};
        for (int c = 0; c < 3; ++c) {
            auto* item = new QTableWidgetItem(texts[static_cast<std::size_t>(c)]);
            if (differs) {
                item->setBackground(highlight);
                QFont bold = item->font();
                bold.setBold(true);
                item->setFont(bold);
            }
            m_table->setItem(r, c, item);
        }
        ++r;
    }
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setStretchLastSection(true);

    auto* layout = new QVBoxLayout(this);
    auto* summary = new QLabel(m_differing.isEmpty() ? tr("The two runs have the same settings.")
                                                     : tr("%n setting(s) differ, highlighted.", nullptr,
                                                          static_cast<int>(m_differing.size())));
    layout->addWidget(summary);
    layout->addWidget(m_differencesOnly);
    layout->addWidget(m_table, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    connect(m_differencesOnly, &QCheckBox::toggled, this, &ConfigCompareDialog::showDifferencesOnly);
    resize(720, 560);
}

void ConfigCompareDialog::showDifferencesOnly(bool on)
{
    for (int r = 0; r < m_table->rowCount(); ++r)
        m_table->setRowHidden(r, on && !m_differing.contains(m_table->item(r, 0)->text()));
}

int ConfigCompareDialog::shownRows() const
{
    int shown = 0;
    for (int r = 0; r < m_table->rowCount(); ++r)
        shown += m_table->isRowHidden(r) ? 0 : 1;
    return shown;
}

} // namespace dropoutlab::ui
