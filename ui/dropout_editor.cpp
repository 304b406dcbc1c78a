#include "dropout_editor.h"

#include "dropout_kinds.h"

#include "dropoutlab/core/network.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>

#include <cmath>

namespace dropoutlab::ui {

DropoutEditor::DropoutEditor(QWidget* parent)
    : QWidget(parent), m_layout(new QGridLayout(this))
{
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setColumnStretch(1, 1);
    setModel(ModelKind::Cnn);
}

void DropoutEditor::setModel(ModelKind model, const std::vector<int>& hiddenWidths)
{
    m_model = model;
    setSites(dropoutSites(networkSpec(model, hiddenWidths)));
}

std::vector<std::string> DropoutEditor::siteNames() const
{
    std::vector<std::string> names;
    for (const Row& row : m_rows)
        names.push_back(row.site);
    return names;
}

void DropoutEditor::setSites(const std::vector<DropoutSite>& sites)
{
    const auto previous = dropout();
    clearRows();
    m_layout->addWidget(new QLabel(tr("<b>Site</b>")), 0, 0);
    m_layout->addWidget(new QLabel(tr("<b>Rate</b>")), 0, 1, 1, 2);
    m_layout->addWidget(new QLabel(tr("<b>Kind</b>")), 0, 3);
    for (const auto& site : sites)
        addRow(site);
    if (sites.empty())
        m_layout->addWidget(new QLabel(tr("This network has no dropout sites: add one in its editor.")), 1, 0, 1, 4);
    setDropout(previous);
}

void DropoutEditor::clearRows()
{
    while (QLayoutItem* item = m_layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_rows.clear();
}

void DropoutEditor::addRow(const DropoutSite& site)
{
    Row row;
    row.site = site.name;
    row.enabled = new QCheckBox(QString::fromStdString(site.name), this);
    row.slider = new QSlider(Qt::Horizontal, this);
    row.slider->setRange(0, static_cast<int>(std::lround(kMaxRate * 100)));
    row.slider->setMinimumWidth(90);
    row.rate = new QDoubleSpinBox(this);
    row.rate->setRange(0.0, kMaxRate);
    row.rate->setSingleStep(0.05);
    row.rate->setDecimals(2);
    row.kind = new QComboBox(this);
    fillKindCombo(row.kind, &site);
    row.defaultKind = site.defaultKind;
    row.setting.kind = site.defaultKind;
    selectKind(row.kind, row.setting);
    row.kind->setToolTip(site.allowsChannel ? tr("How the site drops (hover an entry for what it does)")
                                            : tr("How the site drops; channel and dropblock need feature maps, "
                                                 "and this site sits on flat features"));

    const QString tip = QString::fromStdString(site.description);
    for (QWidget* w : std::initializer_list<QWidget*>{row.enabled, row.slider, row.rate})
        w->setToolTip(tip);
    row.slider->setEnabled(false);
    row.rate->setEnabled(false);

    const int line = m_layout->rowCount();
    m_layout->addWidget(row.enabled, line, 0);
    m_layout->addWidget(row.slider, line, 1);
    m_layout->addWidget(row.rate, line, 2);
    m_layout->addWidget(row.kind, line, 3);

    QSlider* slider = row.slider;
    QDoubleSpinBox* rate = row.rate;
    connect(row.enabled, &QCheckBox::toggled, this, [this, slider, rate](bool on) {
        slider->setEnabled(on);
        rate->setEnabled(on);
        if (on && rate->value() == 0.0)
            rate->setValue(0.5);
        Q_EMIT changed();
    });
    connect(slider, &QSlider::valueChanged, this, [rate](int value) {
        if (std::lround(rate->value() * 100) != value)
            rate->setValue(value / 100.0);
    });
    connect(rate, &QDoubleSpinBox::valueChanged, this, [this, slider](double value) {
        const QSignalBlocker blocker(slider);
        slider->setValue(static_cast<int>(std::lround(value * 100)));
        Q_EMIT changed();
    });
    connect(row.kind, &QComboBox::currentIndexChanged, this, &DropoutEditor::changed);
    m_rows.push_back(row);
}

void DropoutEditor::setDropout(const std::map<std::string, DropoutSetting>& dropout)
{
    for (auto& row : m_rows) {
        const auto it = dropout.find(row.site);
        const bool on = it != dropout.end() && it->second.rate > 0.0;
        const QSignalBlocker b1(row.enabled), b2(row.rate), b3(row.slider), b4(row.kind);
        row.enabled->setChecked(on);
        row.rate->setValue(on ? it->second.rate : 0.0);
        row.slider->setValue(on ? static_cast<int>(std::lround(it->second.rate * 100)) : 0);
        row.setting = on ? it->second : DropoutSetting{0.0, row.defaultKind};
        selectKind(row.kind, row.setting);
        row.slider->setEnabled(on);
        row.rate->setEnabled(on);
    }
    Q_EMIT changed();
}

std::map<std::string, DropoutSetting> DropoutEditor::dropout() const
{
    std::map<std::string, DropoutSetting> result;
    for (const auto& row : m_rows) {
        if (!row.enabled->isChecked() || row.rate->value() <= 0.0)
            continue;
        // A schedule or block size from a config stays; the row sets the rate and the kind.
        DropoutSetting setting = row.setting;
        setting.rate = row.rate->value();
        readKind(row.kind, setting);
        result[row.site] = setting;
    }
    return result;
}

} // namespace dropoutlab::ui
