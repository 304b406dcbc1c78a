#include "dataset_chooser.h"

#include "example_image.h"
#include "theme.h"

#include "dropoutlab/core/errors.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QThreadPool>
#include <QVBoxLayout>

#include <algorithm>

namespace dropoutlab::ui {

/// Each class's examples as a horizontal bar (training part solid, test part light), its name
/// and counts beside it: the class balance at a glance, for 2 or 1000 classes.
class ClassBalance final : public QWidget {
public:
    void setSummary(const DatasetSummary& summary)
    {
        m_summary = summary;
        setMinimumHeight(static_cast<int>(m_summary.classNames.size()) * kRow + 8);
        updateGeometry();
        update();
    }
    void clear()
    {
        m_summary = {};
        setMinimumHeight(0);
        update();
    }
    QSize sizeHint() const override { return {360, static_cast<int>(m_summary.classNames.size()) * kRow + 8}; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing, false);
        const QFontMetrics fm = fontMetrics();
        const int nameWidth = std::min(width() / 3, 150);
        const int countWidth = fm.horizontalAdvance(QStringLiteral("0000000 + 000000"));
        const int barLeft = nameWidth + 8;
        const int barWidth = std::max(10, width() - barLeft - countWidth - 12);
        std::int64_t largest = 1;
        for (std::size_t c = 0; c < m_summary.classNames.size(); ++c)
            largest = std::max(largest, m_summary.trainPerClass[c] + m_summary.testPerClass[c]);
        const QColor train = palette().highlight().color();
        QColor test = train;
        test.setAlphaF(0.35f);
        for (std::size_t c = 0; c < m_summary.classNames.size(); ++c) {
            const int y = 4 + static_cast<int>(c) * kRow;
            p.setPen(palette().text().color());
            p.drawText(QRect(0, y, nameWidth, kRow), Qt::AlignVCenter | Qt::AlignRight,
                       fm.elidedText(QString::fromStdString(m_summary.classNames[c]), Qt::ElideRight, nameWidth));
            const auto scale = [&](std::int64_t n) { return static_cast<int>(static_cast<double>(barWidth) * n / largest); };
            const int a = scale(m_summary.trainPerClass[c]);
            const int b = scale(m_summary.trainPerClass[c] + m_summary.testPerClass[c]);
            p.fillRect(QRect(barLeft, y + 3, a, kRow - 6), train);
            p.fillRect(QRect(barLeft + a, y + 3, b - a, kRow - 6), test);
            p.drawText(QRect(barLeft + barWidth + 6, y, countWidth + 6, kRow), Qt::AlignVCenter | Qt::AlignLeft,
                       QStringLiteral("%1 + %2").arg(m_summary.trainPerClass[c]).arg(m_summary.testPerClass[c]));
        }
    }

private:
    static constexpr int kRow = 18;
    DatasetSummary m_summary;
};

namespace {

constexpr int kSamplesPerClass = 3;
constexpr int kMaxSamples = 30;
constexpr int kTableRows = 12;

QString bytesText(std::uint64_t bytes)
{
    if (bytes < (std::uint64_t{1} << 20))
        return QStringLiteral("%1 KiB").arg(static_cast<double>(bytes) / 1024, 0, 'f', 1);
    return bytes >= (std::uint64_t{1} << 30) ? QStringLiteral("%1 GiB").arg(static_cast<double>(bytes) / (1 << 30), 0, 'f', 2)
                                               : QStringLiteral("%1 MiB").arg(static_cast<double>(bytes) / (1 << 20), 0, 'f', 1);
}

QString formatName(DataFormat format)
{
    switch (format) {
    case DataFormat::Idx: return QObject::tr("IDX files");
    case DataFormat::Cifar: return QObject::tr("CIFAR binary batches");
    case DataFormat::Table: return QObject::tr("CSV table");
    case DataFormat::Folder: return QObject::tr("image folder (PNG/JPEG)");
    }
    return {};
}

} // namespace

DatasetChooser::DatasetChooser(const QString& current, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Choose a dataset"));
    auto* layout = new QVBoxLayout(this);
    auto* split = new QSplitter;
    layout->addWidget(split, 1);
    split->addWidget(buildList());
    split->addWidget(buildPreview());
    split->setStretchFactor(1, 3);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Use this dataset"));
    m_ok->setEnabled(false);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(980, 680);

    // Start on what the panel has.
    const QString name = current.isEmpty() ? QStringLiteral("mnist") : current;
    const auto found = m_list->findItems(name, Qt::MatchExactly);
    if (!found.isEmpty())
        m_list->setCurrentItem(found.front());
    else if (!current.isEmpty())
        choosePath(current);
}

QWidget* DatasetChooser::buildList()
{
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("Installed")));
    m_list = new QListWidget;
    m_list->setAccessibleName(tr("Installed datasets"));
    for (const InstalledDataset& d : installedDatasets()) {
        auto* item = new QListWidgetItem(QString::fromStdString(d.name), m_list);
        item->setData(Qt::UserRole, QString::fromStdString(d.path));
        item->setToolTip(QString::fromStdString(d.path));
    }
    leftLayout->addWidget(m_list, 1);
    auto* folder = new QPushButton(tr("Folder…"));
    folder->setToolTip(tr("A folder of IDX files, CIFAR batches, or pictures in train/<class>/ (and test/<class>/)"));
    auto* table = new QPushButton(tr("CSV table…"));
    table->setToolTip(tr("A CSV file with a header row; the last column is the label"));
    auto* pick = new QHBoxLayout;
    pick->addWidget(folder);
    pick->addWidget(table);
    leftLayout->addLayout(pick);
    // Selection, not the current item: a list that gains focus makes its first row current
    // without the user choosing it.
    connect(m_list, &QListWidget::itemSelectionChanged, this, [this] {
        const auto selected = m_list->selectedItems();
        if (!selected.isEmpty())
            showEntry(selected.front()->text(), selected.front()->data(Qt::UserRole).toString());
    });
    connect(folder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"));
        if (!dir.isEmpty())
            choosePath(dir);
    });
    connect(table, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("CSV table"), {}, tr("CSV tables (*.csv);;All files (*)"));
        if (!file.isEmpty())
            choosePath(file);
    });
    return left;
}

QWidget* DatasetChooser::buildPreview()
{
    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setMinimumHeight(m_summary->fontMetrics().height() * 4);
    rightLayout->addWidget(m_summary);
    rightLayout->addWidget(new QLabel(tr("<b>Class balance</b> (training + test examples)")));
    m_balance = new ClassBalance;
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_balance);
    scroll->setWidgetResizable(true);
    scroll->setMinimumHeight(150);
    rightLayout->addWidget(scroll, 1);
    rightLayout->addWidget(new QLabel(tr("<b>Samples</b> from the training file")));
    m_samples = new QStackedWidget;
    m_pictures = new QListWidget;
    m_pictures->setViewMode(QListView::IconMode);
    m_pictures->setIconSize(QSize(64, 64));
    m_pictures->setGridSize(QSize(96, 96));
    m_pictures->setResizeMode(QListView::Adjust);
    m_pictures->setMovement(QListView::Static);
    m_pictures->setAccessibleName(tr("Sample pictures"));
    m_rows = new QTableWidget;
    m_rows->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_rows->setAccessibleName(tr("Sample rows"));
    m_samples->addWidget(m_pictures);
    m_samples->addWidget(m_rows);
    m_samples->setMinimumHeight(220);
    rightLayout->addWidget(m_samples, 1);
    return right;
}

void DatasetChooser::choosePath(const QString& path)
{
    m_list->clearSelection();
    m_list->setCurrentItem(nullptr);
    showEntry(path, path);
}

int DatasetChooser::sampleCount() const
{
    return m_samples->currentWidget() == m_pictures ? m_pictures->count() : m_rows->rowCount();
}

void DatasetChooser::showEntry(const QString& name, const QString& path)
{
    // Installed datasets keep their names (what --data takes); anything else is its path.
    const bool installed = name == QLatin1String("mnist") || name == QLatin1String("fashion-mnist");
    load(installed ? name : path, path);
}

void DatasetChooser::load(const QString& name, const QString& path)
{
    m_pending = name;
    m_busy = true;
    m_ok->setEnabled(false);
    setTextColour(m_summary, palette().text().color());
    m_summary->setText(tr("Reading %1…").arg(path.toHtmlEscaped()));
    m_balance->clear();
    m_pictures->clear();
    m_rows->clear();
    m_rows->setRowCount(0);
    // Read on a pool thread (the global pool is waited for when the app quits); only values
    // come back, to the dialog if it still exists.
    QPointer<DatasetChooser> self(this);
    const std::string where = resolveDataDir(path.toStdString());
    QThreadPool::globalInstance()->start([self, name, where] {
        std::shared_ptr<const DatasetBytes> data;
        QString error;
        try {
            data = cachedDataset(where);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, name, data, error] {
                if (self)
                    self->present(name, data, error);
            },
            Qt::QueuedConnection);
    });
}

void DatasetChooser::present(const QString& name, std::shared_ptr<const DatasetBytes> data, const QString& error)
{
    if (name != m_pending)  // the user has moved on to another dataset
        return;
    m_busy = false;
    if (!data) {
        setTextColour(m_summary, problemColor(palette()));
        m_summary->setText(tr("Cannot use this dataset: %1").arg(error.toHtmlEscaped()));
        m_chosen.clear();
        Q_EMIT shown();
        return;
    }
    const DatasetSummary s = summarise(*data, resolveDataDir(name.toStdString()));
    setTextColour(m_summary, palette().text().color());
    const QString shape = data->isTable() ? tr("%1 numeric features").arg(data->shape.width)
                                          : tr("%1 x %2 pixels, %3").arg(data->shape.width).arg(data->shape.height)
                                                .arg(data->shape.channels == 1 ? tr("grey") : tr("RGB"));
    m_summary->setText(tr("<b>%1</b><br>%2: %3, %4 classes<br>%5 training and %6 test examples, %7 in memory<br>"
                          "<span style='font-size:small'>%8</span>")
                           .arg(QFileInfo(name).fileName().toHtmlEscaped(), formatName(data->format), shape)
                           .arg(data->shape.classes)
                           .arg(QLocale().toString(static_cast<qlonglong>(s.trainCount)),
                                QLocale().toString(static_cast<qlonglong>(s.testCount)), bytesText(s.memoryBytes),
                                QString::fromStdString(s.path).toHtmlEscaped()));
    m_balance->setSummary(s);
    showSamples(*data);
    m_chosen = name;
    m_ok->setEnabled(true);
    Q_EMIT shown();
}

void DatasetChooser::showSamples(const DatasetBytes& data)
{
    if (data.isTable()) {
        m_samples->setCurrentWidget(m_rows);
        const auto features = static_cast<int>(data.featureNames.size());
        m_rows->setColumnCount(features + 1);
        QStringList header;
        header << tr("class");
        for (const auto& f : data.featureNames)
            header << QString::fromStdString(f);
        m_rows->setHorizontalHeaderLabels(header);
        const int rows = static_cast<int>(std::min<std::int64_t>(kTableRows, data.trainCount()));
        m_rows->setRowCount(rows);
        for (int r = 0; r < rows; ++r) {
            m_rows->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(data.classNames[static_cast<std::size_t>(data.trainLabels[static_cast<std::size_t>(r)])])));
            for (int f = 0; f < features; ++f)
                m_rows->setItem(r, f + 1, new QTableWidgetItem(QString::number(
                                              data.trainValues[static_cast<std::size_t>(r * features + f)], 'g', 5)));
        }
        m_rows->resizeColumnsToContents();
        return;
    }
    m_samples->setCurrentWidget(m_pictures);
    // A few pictures of every class, in class order, as far as kMaxSamples goes.
    std::vector<int> taken(static_cast<std::size_t>(data.shape.classes), 0);
    const int perClass = std::max(1, std::min(kSamplesPerClass, kMaxSamples / std::max(1, data.shape.classes)));
    std::vector<std::pair<int, std::size_t>> picks;
    for (std::size_t i = 0; i < data.trainLabels.size() && static_cast<int>(picks.size()) < kMaxSamples; ++i) {
        const int label = data.trainLabels[i];
        if (taken[static_cast<std::size_t>(label)] < perClass) {
            ++taken[static_cast<std::size_t>(label)];
            picks.emplace_back(label, i);
        }
    }
    std::stable_sort(picks.begin(), picks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [label, index] : picks) {
        const QImage image = exampleImage(data, false, index);
        const QString className = QString::fromStdString(data.classNames[static_cast<std::size_t>(label)]);
        auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(image.scaled(64, 64, Qt::KeepAspectRatio,
                                                                                image.width() < 64 ? Qt::FastTransformation
                                                                                                   : Qt::SmoothTransformation))),
                                         className, m_pictures);
        item->setToolTip(tr("training example %1: %2").arg(index).arg(className));
    }
}

} // namespace dropoutlab::ui
