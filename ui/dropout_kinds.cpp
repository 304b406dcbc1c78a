#include "dropout_kinds.h"

#include <QComboBox>
#include <QCoreApplication>

#include <algorithm>

namespace dropoutlab::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("DropoutKinds", text);
}

/// "element", or "dropblock/5" for DropBlock: the combo's item data.
QString kindKey(DropoutKind kind, int blockSize)
{
    const QString name = QString::fromStdString(toString(kind));
    return kind == DropoutKind::DropBlock ? name + QLatin1Char('/') + QString::number(blockSize) : name;
}

QString kindLabel(DropoutKind kind, int blockSize)
{
    switch (kind) {
    case DropoutKind::Channel: return tr("channel");
    case DropoutKind::Gaussian: return tr("gaussian");
    case DropoutKind::Alpha: return tr("alpha (SELU)");
    case DropoutKind::DropConnect: return tr("dropconnect");
    case DropoutKind::DropBlock: return tr("dropblock %1x%1").arg(blockSize);
    case DropoutKind::Concrete: return tr("concrete (learned)");
    default: return tr("element");
    }
}

QString kindTip(DropoutKind kind)
{
    switch (kind) {
    case DropoutKind::Channel: return tr("Drops whole feature maps (Dropout2d)");
    case DropoutKind::Gaussian: return tr("Multiplies by Gaussian noise N(1, p/(1-p)) instead of zeroing (Srivastava et al. 2014)");
    case DropoutKind::Alpha: return tr("Alpha dropout for SELU networks: dropped units take SELU's negative saturation, "
                                       "mean and variance are kept (Klambauer et al. 2017)");
    case DropoutKind::DropConnect: return tr("Masks the weights of the next convolution or linear layer instead of its "
                                             "inputs (Wan et al. 2013)");
    case DropoutKind::DropBlock: return tr("Drops square blocks of each feature map (Ghiasi et al. 2018)");
    case DropoutKind::Concrete: return tr("Concrete Dropout: the network learns this site's rate, starting from the "
                                          "one set here (Gal, Hron and Kendall 2017)");
    default: return tr("Zeroes single activations with probability p (Bernoulli)");
    }
}

void addKind(QComboBox* combo, DropoutKind kind, int blockSize)
{
    combo->addItem(kindLabel(kind, blockSize), kindKey(kind, blockSize));
    combo->setItemData(combo->count() - 1, kindTip(kind), Qt::ToolTipRole);
}

} // namespace

void fillKindCombo(QComboBox* combo, const DropoutSite* site)
{
    combo->clear();
    addKind(combo, DropoutKind::Element, 0);
    if (!site || site->allowsChannel)
        addKind(combo, DropoutKind::Channel, 0);
    addKind(combo, DropoutKind::Gaussian, 0);
    addKind(combo, DropoutKind::Alpha, 0);
    if (!site || !site->weightedAfter.empty()) {
        addKind(combo, DropoutKind::DropConnect, 0);
        addKind(combo, DropoutKind::Concrete, 0);
    }
    if (!site) {
        addKind(combo, DropoutKind::DropBlock, kDefaultBlockSize);
        return;
    }
    for (const int side : {3, 5, 7})
        if (side <= std::min(site->mapHeight, site->mapWidth))
            addKind(combo, DropoutKind::DropBlock, side);
}

void selectKind(QComboBox* combo, const DropoutSetting& setting)
{
    const QString key = kindKey(setting.kind, setting.blockSize);
    int index = combo->findData(key);
    if (index < 0) {
        addKind(combo, setting.kind, setting.blockSize);
        index = combo->count() - 1;
    }
    combo->setCurrentIndex(index);
}

void readKind(const QComboBox* combo, DropoutSetting& setting)
{
    const QString key = combo->currentData().toString();
    const int slash = key.indexOf(QLatin1Char('/'));
    try {
        setting.kind = parseDropoutKind(key.left(slash < 0 ? key.size() : slash).toStdString(), "kind");
    } catch (const std::exception&) {
        setting.kind = DropoutKind::Element;  // the combo only holds known kinds
    }
    if (slash >= 0)
        setting.blockSize = key.mid(slash + 1).toInt();
}

} // namespace dropoutlab::ui
