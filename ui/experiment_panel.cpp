#include "experiment_panel.h"

#include "theme.h"

#include "dataset_chooser.h"
#include "dropout_editor.h"
#include "network_editor.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/network.h"
#include "dropoutlab/core/presets.h"

#include <QEvent>
#include <QCheckBox>
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
#include <QToolButton>
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

QDoubleSpinBox* doubleSpinBox(int decimals, double min, double max, double step, const QString& special = {})
{
    auto* box = new QDoubleSpinBox;
    box->setDecimals(decimals);
    box->setRange(min, max);
    box->setSingleStep(step);
    if (!special.isEmpty())
        box->setSpecialValueText(special);
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
    layout->addWidget(buildOptimiserGroup());
    layout->addWidget(buildComputeGroup());
    m_problemLabel = new QLabel(this);
    m_problemLabel->setWordWrap(true);
    setTextColour(m_problemLabel, problemColor(palette()));
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
    m_dataset->addItem(tr("Dataset folder or table…"));
    m_chooseData = new QPushButton(tr("Choose…"));
    m_chooseData->setToolTip(tr("See the installed datasets, or any folder or CSV table, with their shape, classes, "
                                "class balance and samples, and pick one"));
    auto* datasetRow = new QHBoxLayout;
    datasetRow->addWidget(m_dataset, 1);
    datasetRow->addWidget(m_chooseData);
    form->addRow(tr("Dataset"), datasetRow);

    auto* folderRow = new QHBoxLayout;
    m_folder = new QLineEdit;
    m_folder->setPlaceholderText(tr("IDX files, CIFAR batches, train/<class>/ pictures, or FILE.csv"));
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
    connect(m_chooseData, &QPushButton::clicked, this, [this, refresh] {
        DatasetChooser chooser(dataDir(), this);
        if (chooser.exec() == QDialog::Accepted && !chooser.chosen().isEmpty()) {
            showDataChoice(chooser.chosen());
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
    m_model->setAccessibleName(tr("Network"));
    m_model->addItem(tr("CNN (reference: 2 conv + 2 fc)"), QStringLiteral("cnn"));
    m_model->addItem(tr("MLP 784-800-800-10"), QStringLiteral("mlp"));
    for (const NetworkSpec& shipped : builtinNetworks()) {
        if (shipped.name == "reference-cnn" || shipped.name == "mlp")
            continue;  // the two entries above
        m_model->addItem(QString::fromStdString(shipped.name), QStringLiteral("network:") + QString::fromStdString(shipped.name));
        m_model->setItemData(m_model->count() - 1, QString::fromStdString(shipped.description), Qt::ToolTipRole);
    }
    m_editNetwork = new QToolButton;
    m_editNetwork->setText(tr("&Edit…"));
    m_editNetwork->setToolTip(tr("Open the network editor on this network: layers, shapes, dropout sites (Ctrl+E)"));
    auto* row = new QHBoxLayout;
    row->addWidget(m_model, 1);
    row->addWidget(m_editNetwork);
    auto* label = new QLabel(tr("&Network"));
    label->setBuddy(m_model);
    form->addRow(label, row);
    layout->addLayout(form);
    m_dropout = new DropoutEditor;
    layout->addWidget(m_dropout);
    connect(m_model, &QComboBox::currentIndexChanged, this, [this] {
        updateSites();
        revalidate();
    });
    connect(m_editNetwork, &QToolButton::clicked, this, &ExperimentPanel::editNetwork);
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

QWidget* ExperimentPanel::buildOptimiserGroup()
{
    auto* box = new QGroupBox(tr("Optimiser and regularisation"));
    auto* outer = new QVBoxLayout(box);
    auto* header = new QHBoxLayout;
    m_optimiserToggle = new QToolButton;
    m_optimiserToggle->setCheckable(true);
    m_optimiserToggle->setAutoRaise(true);
    m_optimiserToggle->setArrowType(Qt::RightArrow);
    m_optimiserToggle->setToolTip(tr("Show or hide the optimiser, schedule and regularisation settings"));
    m_optimiserSummary = new QLabel;
    m_optimiserSummary->setWordWrap(true);
    header->addWidget(m_optimiserToggle, 0, Qt::AlignTop);
    header->addWidget(m_optimiserSummary, 1);
    outer->addLayout(header);

    m_optimiserBody = new QWidget;
    auto* form = new QFormLayout(m_optimiserBody);
    form->setContentsMargins(0, 0, 0, 0);
    addOptimiserRows(form);
    addScheduleRows(form);
    outer->addWidget(m_optimiserBody);
    m_optimiserBody->setVisible(false);
    connect(m_optimiserToggle, &QToolButton::toggled, this, [this](bool open) {
        m_optimiserBody->setVisible(open);
        m_optimiserToggle->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    });
    for (QComboBox* c : {m_activation, m_optimiser, m_schedule})
        connect(c, &QComboBox::currentIndexChanged, this, &ExperimentPanel::revalidate);
    for (QDoubleSpinBox* s : {m_weightDecay, m_gamma, m_lrMin, m_momentumStart, m_maxNorm})
        connect(s, &QDoubleSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    for (QSpinBox* s : {m_stepEpochs, m_warmup, m_rampEpochs})
        connect(s, &QSpinBox::valueChanged, this, &ExperimentPanel::revalidate);
    connect(m_nesterov, &QCheckBox::toggled, this, &ExperimentPanel::revalidate);
    connect(m_maxNormLayers, &QLineEdit::textChanged, this, &ExperimentPanel::revalidate);
    return box;
}

void ExperimentPanel::addOptimiserRows(QFormLayout* form)
{
    m_activation = new QComboBox;
    m_activation->addItem(tr("ReLU"), QStringLiteral("relu"));
    m_activation->addItem(tr("Logistic sigmoid"), QStringLiteral("sigmoid"));
    m_activation->setToolTip(tr("The hidden units' non-linearity (the 2012 dropout nets were logistic)"));
    form->addRow(tr("Hidden units"), m_activation);

    auto* optimiserRow = new QHBoxLayout;
    m_optimiser = new QComboBox;
    m_optimiser->addItem(tr("SGD with momentum"), QStringLiteral("sgd"));
    m_optimiser->addItem(tr("Adam"), QStringLiteral("adam"));
    m_optimiser->addItem(tr("AdamW"), QStringLiteral("adamw"));
    m_nesterov = new QCheckBox(tr("Nesterov"));
    optimiserRow->addWidget(m_optimiser, 1);
    optimiserRow->addWidget(m_nesterov);
    form->addRow(tr("Optimiser"), optimiserRow);

    m_weightDecay = doubleSpinBox(6, 0.0, 1.0, 0.0001, tr("off"));
    m_weightDecay->setToolTip(tr("L2 penalty: weight_decay * w is added to every gradient (AdamW decays the weights "
                                 "directly)"));
    form->addRow(tr("Weight decay"), m_weightDecay);

    auto* normRow = new QHBoxLayout;
    m_maxNorm = doubleSpinBox(2, 0.0, 1000.0, 0.5, tr("off"));
    m_maxNorm->setToolTip(tr("After every step, each unit's incoming weight vector is rescaled to L2 norm at most "
                             "this bound (the dropout papers used 3-4 for ReLU nets, 15 for logistic ones)"));
    m_maxNormLayers = new QLineEdit;
    m_maxNormLayers->setPlaceholderText(tr("all hidden layers"));
    m_maxNormLayers->setToolTip(tr("Layers to constrain, e.g. fc1,fc2; empty: every layer but the output layer"));
    normRow->addWidget(m_maxNorm);
    normRow->addWidget(m_maxNormLayers, 1);
    form->addRow(tr("Max-norm"), normRow);
}

void ExperimentPanel::addScheduleRows(QFormLayout* form)
{
    m_schedule = new QComboBox;
    m_schedule->addItem(tr("Constant"), QStringLiteral("constant"));
    m_schedule->addItem(tr("Step: × gamma every N epochs"), QStringLiteral("step"));
    m_schedule->addItem(tr("Exponential: × gamma per epoch"), QStringLiteral("exponential"));
    m_schedule->addItem(tr("Cosine to a floor"), QStringLiteral("cosine"));
    m_schedule->addItem(tr("Inverse time: ÷ (1 + t / N)"), QStringLiteral("inverse_time"));
    form->addRow(tr("Learning-rate schedule"), m_schedule);
    auto* decayRow = new QHBoxLayout;
    m_gamma = doubleSpinBox(4, 0.0001, 1.0, 0.01, {});
    m_gamma->setPrefix(tr("gamma "));
    m_stepEpochs = spinBox(1, kMaxScheduleEpochs, 10);
    m_stepEpochs->setPrefix(tr("N = "));
    m_stepEpochs->setSuffix(tr(" epochs"));
    m_lrMin = doubleSpinBox(6, 0.0, 10.0, 0.0001, {});
    m_lrMin->setPrefix(tr("floor "));
    decayRow->addWidget(m_gamma);
    decayRow->addWidget(m_stepEpochs);
    decayRow->addWidget(m_lrMin);
    form->addRow(tr("Decay"), decayRow);
    m_warmup = spinBox(0, 1000, 0);
    m_warmup->setSpecialValueText(tr("off"));
    m_warmup->setSuffix(tr(" epochs"));
    m_warmup->setToolTip(tr("Linear warm-up: epoch e of W trains at learning rate × e / (W + 1)"));
    form->addRow(tr("Warm-up"), m_warmup);

    auto* rampRow = new QHBoxLayout;
    m_momentumStart = doubleSpinBox(3, 0.0, 0.999, 0.05, {});
    m_momentumStart->setPrefix(tr("from "));
    m_rampEpochs = spinBox(0, kMaxScheduleEpochs, 0);
    m_rampEpochs->setSpecialValueText(tr("no ramp"));
    m_rampEpochs->setPrefix(tr("over "));
    m_rampEpochs->setSuffix(tr(" epochs"));
    rampRow->addWidget(m_momentumStart);
    rampRow->addWidget(m_rampEpochs);
    m_rampEpochs->setToolTip(tr("Momentum rises linearly from this value in epoch 1 to the Momentum above, as in "
                                "the dropout papers"));
    form->addRow(tr("Momentum ramp"), rampRow);
}

void ExperimentPanel::showOptimiser(const ExperimentConfig& c)
{
    const auto select = [](QComboBox* box, const std::string& value) {
        box->setCurrentIndex(std::max(0, box->findData(QString::fromStdString(value))));
    };
    select(m_activation, toString(c.activation));
    select(m_optimiser, toString(c.optimiser));
    select(m_schedule, toString(c.lrSchedule));
    m_nesterov->setChecked(c.nesterov);
    m_weightDecay->setValue(c.weightDecay);
    m_gamma->setValue(c.lrGamma);
    m_stepEpochs->setValue(c.lrStepEpochs);
    m_lrMin->setValue(c.lrMin);
    m_warmup->setValue(c.warmupEpochs);
    m_momentumStart->setValue(c.momentumStart);
    m_rampEpochs->setValue(c.momentumRampEpochs);
    m_maxNorm->setValue(c.maxNorm);
    QStringList layers;
    for (const auto& layer : c.maxNormLayers)
        layers << QString::fromStdString(layer);
    m_maxNormLayers->setText(layers.join(QLatin1Char(',')));
    // A config that uses any of these settings shows them (e.g. the papers' presets).
    ExperimentConfig plain;
    plain.learningRate = c.learningRate;
    plain.momentum = c.momentum;
    if (optimiserSummary(c) != optimiserSummary(plain) || c.activation != plain.activation)
        m_optimiserToggle->setChecked(true);
}

void ExperimentPanel::applyOptimiser(ExperimentConfig& c) const
{
    const auto chosen = [](const QComboBox* box) { return box->currentData().toString().toStdString(); };
    c.activation = parseActivation(chosen(m_activation), "hidden units");
    c.optimiser = parseOptimiserKind(chosen(m_optimiser), "optimiser");
    c.lrSchedule = parseLrSchedule(chosen(m_schedule), "learning-rate schedule");
    c.nesterov = m_nesterov->isChecked();
    c.weightDecay = m_weightDecay->value();
    c.lrGamma = m_gamma->value();
    c.lrStepEpochs = m_stepEpochs->value();
    c.lrMin = m_lrMin->value();
    c.warmupEpochs = m_warmup->value();
    c.momentumStart = m_momentumStart->value();
    c.momentumRampEpochs = m_rampEpochs->value();
    c.maxNorm = m_maxNorm->value();
    c.maxNormLayers.clear();
    for (const QString& layer : m_maxNormLayers->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        c.maxNormLayers.push_back(layer.trimmed().toStdString());
}

void ExperimentPanel::updateOptimiserSummary(const ExperimentConfig& c)
{
    const bool sgd = c.optimiser == OptimiserKind::Sgd;
    m_nesterov->setEnabled(sgd);
    m_momentum->setEnabled(sgd);
    m_momentumStart->setEnabled(sgd && c.momentumRampEpochs > 0);
    m_rampEpochs->setEnabled(sgd);
    m_gamma->setVisible(c.lrSchedule == LrSchedule::Step || c.lrSchedule == LrSchedule::Exponential);
    m_stepEpochs->setVisible(c.lrSchedule == LrSchedule::Step || c.lrSchedule == LrSchedule::InverseTime);
    m_lrMin->setVisible(c.lrSchedule == LrSchedule::Cosine);
    m_maxNormLayers->setEnabled(c.maxNorm > 0.0);
    QString text = QString::fromStdString(optimiserSummary(c));
    if (c.activation == Activation::Sigmoid)
        text += tr("; logistic hidden units");
    m_optimiserSummary->setText(text);
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
    applyNetwork(c);
    c.dropout = m_dropout->dropout();
    c.epochs = m_epochs->value();
    c.earlyStoppingPatience = m_patience->value();
    c.batchSize = m_batch->value();
    c.learningRate = m_lr->value();
    c.momentum = m_momentum->value();
    applyOptimiser(c);
    c.seeds.init = c.seeds.shuffle = c.seeds.dropout = static_cast<std::uint64_t>(m_seed->value());
    c.seeds.split = static_cast<std::uint64_t>(m_splitSeed->value());
    c.device = m_device->currentData().toString().toStdString();
    c.threads = m_threads->value();
    const QString name = m_name->text().trimmed();
    if (!name.isEmpty()) {
        c.name = name.toStdString();
    } else {
        const std::string summary = dropoutSummary(c);
        const std::string network = c.model == ModelKind::Cnn ? std::string() : networkName(c) + " ";
        c.name = network + (summary == "none" ? "no dropout" : summary);
    }
    return c;
}

void ExperimentPanel::showDataChoice(const QString& data)
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

void ExperimentPanel::setConfig(const ExperimentConfig& c)
{
    m_base = c;
    showDataChoice(QString::fromStdString(c.dataDir));
    m_subset->setValue(static_cast<int>(c.trainSubset));
    m_trainEval->setValue(static_cast<int>(std::min<std::int64_t>(c.trainEvalImages, m_trainEval->maximum())));
    showNetwork(c);
    m_dropout->setDropout(c.dropout);
    m_epochs->setValue(c.epochs);
    m_patience->setValue(c.earlyStoppingPatience);
    m_batch->setValue(c.batchSize);
    m_lr->setValue(c.learningRate);
    m_momentum->setValue(c.momentum);
    showOptimiser(c);
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

void ExperimentPanel::showPresetName(const QString& name)
{
    const int index = m_preset->findData(name);
    if (index >= 0)
        m_preset->setCurrentIndex(index);
}

QSize ExperimentPanel::sizeHint() const
{
    // Wide enough for the optimiser group when it is open, so opening it never cuts a row.
    QSize size = QWidget::sizeHint();
    if (!m_optimiserBody->isVisible())
        size.setWidth(std::max(size.width(), m_optimiserBody->sizeHint().width() + 40));
    return size;
}

void ExperimentPanel::changeEvent(QEvent* event)
{
    // A new palette (the theme changed): the status colours follow it. The panel's own palette
    // never changes from here (only its labels' do), so this cannot recurse.
    if (event->type() == QEvent::PaletteChange && m_dataStatus) {
        updateDatasetStatus();
        setTextColour(m_problemLabel, problemColor(palette()));
    }
    QWidget::changeEvent(event);
}

void ExperimentPanel::updateDatasetStatus()
{
    const std::string dir = resolveDataDir(dataDir().toStdString());
    try {
        if (m_dataset->currentIndex() == kFolder && m_folder->text().trimmed().isEmpty())
            throw DataError("choose a dataset folder or a CSV table (Choose… shows what each holds)");
        datasetFiles(dir);
        m_datasetOk = true;
        setTextColour(m_dataStatus, fineColor(palette()));
        m_dataStatus->setText(tr("Found in %1").arg(QString::fromStdString(dir)));
    } catch (const DataError& error) {
        m_datasetOk = false;
        QString hint;
        if (m_dataset->currentIndex() == kFashion)
            hint = tr("Install the Debian package dataset-fashion-mnist (in a source tree: "
                      "<code>scripts/setup.sh --fashion-mnist</code>).");
        setTextColour(m_dataStatus, problemColor(palette()));
        m_dataStatus->setText(tr("Dataset missing: %1 %2").arg(QString::fromStdString(error.what()).toHtmlEscaped(), hint));
    }
}

void ExperimentPanel::revalidate()
{
    const ExperimentConfig current = config();
    updateOptimiserSummary(current);
    QString problem;
    try {
        validateConfig(current);
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

void ExperimentPanel::applyNetwork(ExperimentConfig& c) const
{
    const QString chosen = m_model->currentData().toString();
    if (chosen == QLatin1String("cnn") || chosen == QLatin1String("mlp")) {
        c.model = chosen == QLatin1String("mlp") ? ModelKind::Mlp : ModelKind::Cnn;
        if (c.model == ModelKind::Cnn || m_base.model != ModelKind::Mlp)
            c.hiddenWidths = kDefaultHiddenWidths;  // widths belong to the MLP
        c.network = {};
    } else if (chosen == QLatin1String("custom")) {
        c = withNetwork(c, m_custom);
    } else {
        c = withNetwork(c, findNetwork(chosen.mid(8).toStdString()));
    }
}

void ExperimentPanel::showNetwork(const ExperimentConfig& c)
{
    const QSignalBlocker blocker(m_model);
    m_model->setItemText(1, tr("MLP %1").arg(QString::fromStdString(describeNetwork(networkSpec(
                                ModelKind::Mlp, c.model == ModelKind::Mlp ? c.hiddenWidths : kDefaultHiddenWidths)))));
    int index = c.model == ModelKind::Mlp ? 1 : 0;
    if (c.model == ModelKind::Custom) {
        const QString name = QString::fromStdString(c.network.name);
        const int shipped = m_model->findData(QStringLiteral("network:") + name);
        const bool same = shipped >= 0 && findNetwork(c.network.name) == c.network;
        if (same) {
            index = shipped;
        } else {
            m_custom = c.network;
            index = m_model->findData(QStringLiteral("custom"));
            if (index < 0) {
                m_model->addItem(QString(), QStringLiteral("custom"));
                index = m_model->count() - 1;
            }
            m_model->setItemText(index, tr("%1 (own network)").arg(name.isEmpty() ? tr("unnamed") : name));
            m_model->setItemData(index, QString::fromStdString(c.network.description), Qt::ToolTipRole);
        }
    }
    m_model->setCurrentIndex(index);
    updateSites();
}

void ExperimentPanel::updateSites()
{
    ExperimentConfig c = m_base;
    applyNetwork(c);
    try {
        m_dropout->setSites(dropoutSites(c));
    } catch (const Error&) {
        m_dropout->setSites({});  // revalidate() says why
    }
}

void ExperimentPanel::setNetwork(const NetworkSpec& definition)
{
    ExperimentConfig c = config();
    showNetwork(withNetwork(c, definition));
    revalidate();
}

void ExperimentPanel::editNetwork()
{
    ExperimentConfig c = config();
    NetworkSpec start;
    try {
        start = networkDefinition(c);
    } catch (const Error&) {
        start = findNetwork("reference-cnn");
    }
    if (c.model != ModelKind::Custom)
        start.name = c.model == ModelKind::Mlp ? "my-mlp" : "my-cnn";  // an edit is a new network, not a built-in
    NetworkEditor editor(start, this);
    if (editor.exec() == QDialog::Accepted)
        setNetwork(editor.definition());
}

} // namespace dropoutlab::ui
