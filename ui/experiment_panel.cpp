#include "experiment_panel.h"

#include "dropout_editor.h"

#include "dropoutlab/dataset.h"
#include "dropoutlab/errors.h"
#include "dropoutlab/experiment.h"
#include "dropoutlab/presets.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QThread>
#include <QVBoxLayout>

namespace dropoutlab::ui {
namespace {

enum DatasetChoice { kMnist, kFashion, kFolder };

QSpinBox* spinBox(int min, int max, int value)
{
    auto* box = new QSpinBox;
    box->setRange(min, max);
    box->setValue(value);
    box->setGroupSeparatorShown(true);
    return box;
}

/// Training images evaluated with dropout off: "all" (-1), "off" (0) or a count.
class TrainEvalSpinBox final : public QSpinBox {
public:
    TrainEvalSpinBox()
    {
        setRange(static_cast<int>(kTrainEvalAll), 10'000'000);
        setSingleStep(1000);
        setValue(static_cast<int>(kDefaultTrainEvalImages));
    }

protected:
    QString textFromValue(int value) const override
    {
        return QString::fromStdString(trainEvalText(value));
    }
    int valueFromText(const QString& text) const override
    {
        try {
            return static_cast<int>(parseTrainEvalImages(text.trimmed().toStdString(), "train eval"));
        } catch (const Error&) {
            return value();
        }
    }
    QValidator::State validate(QString& text, int& /*pos*/) const override
    {
        const QString t = text.trimmed();
        if (t == QLatin1String("all") || t == QLatin1String("off"))
            return QValidator::Acceptable;
        if (QStringLiteral("all").startsWith(t) || QStringLiteral("off").startsWith(t))
            return QValidator::Intermediate;
        bool ok = false;
        const int n = t.toInt(&ok);
        return ok && n >= 0 && n <= maximum() ? QValidator::Acceptable : QValidator::Invalid;
    }
};

} // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildPresetRow());
    layout->addWidget(buildDataGroup());
    layout->addWidget(buildModelGroup());
    layout->addWidget(buildTrainingGroup());
    layout->addWidget(buildComputeGroup());
    m_problemLabel = new QLabel(this);
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(m_problemLabel);
    layout->addStretch(1);

    loadPreset(QStringLiteral("reference"));
    m_dropout->setDropout({{"fc1", {0.5, DropoutKind::Element}}});
    updateDatasetStatus();
    revalidate();
}

QWidget* ExperimentPanel::buildPresetRow()
{
    auto* box = new QGroupBox(tr("Preset"));
    auto* row = new QHBoxLayout(box);
    m_preset = new QComboBox;
    for (const auto& preset : builtinPresets()) {
        m_preset->addItem(QString::fromStdString(preset.title), QString::fromStdString(preset.name));
        m_preset->setItemData(m_preset->count() - 1, QString::fromStdString(preset.description), Qt::ToolTipRole);
    }
    row->addWidget(m_preset, 1);
    connect(m_preset, &QComboBox::activated, this,
            [this](int index) { loadPreset(m_preset->itemData(index).toString()); });
    return box;
}

QWidget* ExperimentPanel::buildDataGroup()
{
    auto* box = new QGroupBox(tr("Data"));
    auto* form = new QFormLayout(box);
    m_dataset = new QComboBox;
    m_dataset->addItem(tr("MNIST"));
    m_dataset->addItem(tr("Fashion-MNIST"));
    m_dataset->addItem(tr("IDX folder…"));
    form->addRow(tr("Dataset"), m_dataset);

    auto* folderRow = new QHBoxLayout;
    m_folder = new QLineEdit;
    m_folder->setPlaceholderText(tr("folder with the four IDX files"));
    m_browse = new QPushButton(tr("Browse…"));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(m_browse);
    form->addRow(tr("Folder"), folderRow);

    m_dataStatus = new QLabel;
    m_dataStatus->setWordWrap(true);
    m_dataStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(m_dataStatus);

    m_subset = spinBox(0, 10'000'000, 0);
    m_subset->setSpecialValueText(tr("all"));
    m_subset->setSingleStep(1000);
    m_subset->setToolTip(tr("Train on a seeded, class-balanced subset of this many images (small subsets overfit, "
                            "which is where dropout helps)."));
    form->addRow(tr("Training images"), m_subset);

    m_trainEval = new TrainEvalSpinBox;
    m_trainEval->setToolTip(tr("After each epoch, evaluate this many training images (a fixed, class-balanced sample) "
                               "with dropout off, as validation is: the honest training metric, drawn dashed beside "
                               "the running one measured with dropout on. all, off or a count."));
    form->addRow(tr("Train metric, dropout off"), m_trainEval);
    connect(m_trainEval, &QSpinBox::valueChanged, this, &ExperimentPanel::revalidate);

    auto refresh = [this] {
        const bool folder = m_dataset->currentIndex() == kFolder;
        m_folder->setEnabled(folder);
        m_browse->setEnabled(folder);
        updateDatasetStatus();
        revalidate();
    };
    connect(m_dataset, &QComboBox::currentIndexChanged, this, refresh);
    connect(m_folder, &QLineEdit::editingFinished, this, refresh);
    connect(m_browse, &QPushButton::clicked, this, [this, refresh] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), m_folder->text());
        if (!dir.isEmpty()) {
            m_folder->setText(dir);
            refresh();
        }
    });
    connect(m_subset, &QSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    m_folder->setEnabled(false);
    m_browse->setEnabled(false);
    return box;
}

QWidget* ExperimentPanel::buildModelGroup()
{
    auto* box = new QGroupBox(tr("Model and dropout"));
    auto* layout = new QVBoxLayout(box);
    auto* form = new QFormLayout;
    m_model = new QComboBox;
    m_model->addItem(tr("CNN (reference: 2 conv + 2 fc)"), QStringLiteral("cnn"));
    m_model->addItem(tr("MLP 784-800-800-10"), QStringLiteral("mlp"));
    form->addRow(tr("Model"), m_model);
    layout->addLayout(form);
    m_dropout = new DropoutEditor;
    layout->addWidget(m_dropout);
    connect(m_model, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_dropout->setModel(index == 1 ? ModelKind::Mlp : ModelKind::Cnn, m_base.hiddenWidths);
        revalidate();
    });
    connect(m_dropout, &DropoutEditor::changed, this, &ExperimentPanel::revalidate);
    return box;
}

QWidget* ExperimentPanel::buildTrainingGroup()
{
    auto* box = new QGroupBox(tr("Training"));
    auto* form = new QFormLayout(box);
    m_epochs = spinBox(1, 10000, 10);
    m_patience = spinBox(0, 1000, 0);
    m_patience->setSpecialValueText(tr("off"));
    m_patience->setToolTip(tr("Early stopping: stop when the validation loss has not improved for this many epochs; "
                              "the test accuracy is measured with the best epoch's weights"));
    m_batch = spinBox(1, kMaxBatchSize, 100);
    m_lr = new QDoubleSpinBox;
    m_lr->setDecimals(5);
    m_lr->setRange(0.00001, 10.0);
    m_lr->setSingleStep(0.001);
    m_momentum = new QDoubleSpinBox;
    m_momentum->setDecimals(3);
    m_momentum->setRange(0.0, 0.999);
    m_momentum->setSingleStep(0.05);
    m_seed = spinBox(0, std::numeric_limits<int>::max(), 1);
    m_seed->setToolTip(tr("Seed of weight initialisation, batch order and dropout masks"));
    m_splitSeed = spinBox(0, std::numeric_limits<int>::max(), 42);
    m_splitSeed->setToolTip(tr("Seed of the 80/20 train/validation split and the training subset; "
                               "runs that share it are trained and validated on the same images"));
    m_name = new QLineEdit;
    m_name->setPlaceholderText(tr("automatic (from the dropout rates)"));
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Early stopping"), m_patience);
    form->addRow(tr("Batch size"), m_batch);
    form->addRow(tr("Learning rate"), m_lr);
    form->addRow(tr("Momentum"), m_momentum);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Split seed"), m_splitSeed);
    form->addRow(tr("Run name"), m_name);
    for (QSpinBox* s : {m_epochs, m_patience, m_batch, m_seed, m_splitSeed})
        connect(s, &QSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    for (QDoubleSpinBox* s : {m_lr, m_momentum})
        connect(s, &QDoubleSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    return box;
}

QWidget* ExperimentPanel::buildComputeGroup()
{
    auto* box = new QGroupBox(tr("Compute"));
    auto* form = new QFormLayout(box);
    m_device = new QComboBox;
    m_device->addItem(tr("Auto"), QStringLiteral("auto"));
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
    m_device->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
    if (!cudaAvailable()) {
        auto* items = qobject_cast<QStandardItemModel*>(m_device->model());
        QStandardItem* cuda = items->item(2);
        cuda->setEnabled(false);
        cuda->setToolTip(tr("This LibTorch build has no CUDA support or sees no GPU."));
        m_device->setToolTip(tr("CUDA is unavailable: this LibTorch build has no CUDA support or sees no GPU."));
    }
    m_threads = spinBox(0, kMaxThreads, 0);
    m_threads->setSpecialValueText(tr("all cores (%1)").arg(QThread::idealThreadCount()));
    form->addRow(tr("Device"), m_device);
    form->addRow(tr("CPU threads"), m_threads);
    connect(m_device, &QComboBox::currentIndexChanged, this, &ExperimentPanel::revalidate);
    connect(m_threads, &QSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    return box;
}

QString ExperimentPanel::dataDir() const
{
    switch (m_dataset->currentIndex()) {
    case kFashion: return QStringLiteral("fashion-mnist");
    case kFolder: return m_folder->text().trimmed();
    default: return {};
    }
}

QString ExperimentPanel::customDataFolder() const
{
    return m_folder->text().trimmed();
}

void ExperimentPanel::setCustomDataFolder(const QString& folder)
{
    m_folder->setText(folder);
}

ExperimentConfig ExperimentPanel::config() const
{
    ExperimentConfig c = m_base;
    c.dataDir = dataDir().toStdString();
    c.trainSubset = m_subset->value();
    c.trainEvalImages = m_trainEval->value();
    c.model = m_model->currentIndex() == 1 ? ModelKind::Mlp : ModelKind::Cnn;
    if (c.model == ModelKind::Cnn)
        c.hiddenWidths = kDefaultHiddenWidths;  // widths belong to the MLP
    c.dropout = m_dropout->dropout();
    c.epochs = m_epochs->value();
    c.earlyStoppingPatience = m_patience->value();
    c.batchSize = m_batch->value();
    c.learningRate = m_lr->value();
    c.momentum = m_momentum->value();
    c.seeds.init = c.seeds.shuffle = c.seeds.dropout = static_cast<std::uint64_t>(m_seed->value());
    c.seeds.split = static_cast<std::uint64_t>(m_splitSeed->value());
    c.device = m_device->currentData().toString().toStdString();
    c.threads = m_threads->value();
    const QString name = m_name->text().trimmed();
    if (!name.isEmpty()) {
        c.name = name.toStdString();
    } else {
        const std::string summary = dropoutSummary(c);
        c.name = (c.model == ModelKind::Mlp ? std::string("mlp ") : std::string()) +
                 (summary == "none" ? "no dropout" : summary);
    }
    return c;
}

void ExperimentPanel::setConfig(const ExperimentConfig& c)
{
    m_base = c;
    const QString data = QString::fromStdString(c.dataDir);
    {
        const QSignalBlocker blocker(m_dataset);
        if (data.isEmpty() || data == QLatin1String("mnist")) {
            m_dataset->setCurrentIndex(kMnist);
        } else if (data == QLatin1String("fashion-mnist")) {
            m_dataset->setCurrentIndex(kFashion);
        } else {
            m_dataset->setCurrentIndex(kFolder);
            m_folder->setText(data);
        }
        m_folder->setEnabled(m_dataset->currentIndex() == kFolder);
        m_browse->setEnabled(m_dataset->currentIndex() == kFolder);
    }
    m_subset->setValue(static_cast<int>(c.trainSubset));
    m_trainEval->setValue(static_cast<int>(std::min<std::int64_t>(c.trainEvalImages, m_trainEval->maximum())));
    m_model->setCurrentIndex(c.model == ModelKind::Mlp ? 1 : 0);
    m_dropout->setModel(c.model, c.hiddenWidths);
    m_dropout->setDropout(c.dropout);
    m_epochs->setValue(c.epochs);
    m_patience->setValue(c.earlyStoppingPatience);
    m_batch->setValue(c.batchSize);
    m_lr->setValue(c.learningRate);
    m_momentum->setValue(c.momentum);
    m_seed->setValue(static_cast<int>(c.seeds.init));
    m_splitSeed->setValue(static_cast<int>(c.seeds.split));
    m_device->setCurrentIndex(std::max(0, m_device->findData(QString::fromStdString(c.device))));
    m_threads->setValue(c.threads);
    m_name->clear();
    updateDatasetStatus();
    revalidate();
}

bool ExperimentPanel::loadPreset(const QString& name)
{
    try {
        const Preset& preset = findPreset(name.toStdString());
        m_preset->setCurrentIndex(m_preset->findData(name));
        setConfig(preset.runs.front());
        Q_EMIT presetLoaded(name);
        return true;
    } catch (const ConfigError&) {
        return false;
    }
}

void ExperimentPanel::updateDatasetStatus()
{
    const std::string dir = resolveDataDir(dataDir().toStdString());
    try {
        if (m_dataset->currentIndex() == kFolder && m_folder->text().trimmed().isEmpty())
            throw DataError("choose a folder that holds the four IDX files");
        locateDataset(dir);
        m_datasetOk = true;
        m_dataStatus->setStyleSheet(QStringLiteral("color: #2e7d32;"));
        m_dataStatus->setText(tr("Found in %1").arg(QString::fromStdString(dir)));
    } catch (const DataError& error) {
        m_datasetOk = false;
        QString hint;
        if (m_dataset->currentIndex() == kFashion)
            hint = tr("Install it with <code>scripts/setup.sh --fashion-mnist</code> "
                      "(Debian package dataset-fashion-mnist).");
        m_dataStatus->setStyleSheet(QStringLiteral("color: #b00020;"));
        m_dataStatus->setText(tr("Dataset missing: %1 %2").arg(QString::fromStdString(error.what()).toHtmlEscaped(), hint));
    }
}

void ExperimentPanel::revalidate()
{
    QString problem;
    try {
        validateConfig(config());
    } catch (const ConfigError& error) {
        problem = QString::fromStdString(error.what());
    }
    if (problem.isEmpty() && !m_datasetOk)
        problem = tr("The dataset is missing (see Data above).");
    const bool wasValid = m_problem.isEmpty();
    m_problem = problem;
    m_problemLabel->setText(problem);
    m_problemLabel->setVisible(!problem.isEmpty());
    if (wasValid != problem.isEmpty())
        Q_EMIT validityChanged(problem.isEmpty());
    Q_EMIT changed();
}

} // namespace dropoutlab::ui
