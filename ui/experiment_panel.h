#pragma once

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/layer_spec.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace dropoutlab::ui {

class DropoutEditor;

/// The form that defines the next run: preset, dataset, model and per-layer dropout,
/// optimiser, seeds and compute. Refuses invalid settings with a reason before anything runs.
class ExperimentPanel final : public QWidget {
    Q_OBJECT

public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    /// The current settings (run name filled in automatically when left empty).
    dropoutlab::ExperimentConfig config() const;
    void setConfig(const dropoutlab::ExperimentConfig& config);
    /// Loads the first run of a built-in preset; returns false for an unknown name.
    bool loadPreset(const QString& name);
    /// Selects `name` in the preset chooser without loading it (the runs came from it).
    void showPresetName(const QString& name);
    QSize sizeHint() const override;

    bool isValid() const { return m_problem.isEmpty(); }
    /// Why the settings cannot run (empty when they can).
    const QString& problem() const { return m_problem; }
    /// Opens the network editor on the chosen network; accepting it chooses the edited network.
    void editNetwork();
    /// Chooses `definition` as the network (a shipped one by its name when it is one).
    void setNetwork(const dropoutlab::NetworkSpec& definition);
    /// The custom dataset folder (for QSettings).
    QString customDataFolder() const;
    void setCustomDataFolder(const QString& folder);

Q_SIGNALS:
    void changed();
    void validityChanged(bool valid);
    void presetLoaded(const QString& name);

protected:
    void changeEvent(QEvent* event) override;

private:
    /// Shows `data` ("", "mnist", "fashion-mnist" or a path) in the data controls, without signals.
    void showDataChoice(const QString& data);
    QWidget* buildPresetRow();
    QWidget* buildDataGroup();
    QWidget* buildModelGroup();
    QWidget* buildTrainingGroup();
    QWidget* buildComputeGroup();
    /// The collapsible "Optimiser and regularisation" group.
    QWidget* buildOptimiserGroup();
    void addOptimiserRows(QFormLayout* form);
    void addScheduleRows(QFormLayout* form);
    void showOptimiser(const dropoutlab::ExperimentConfig& config);
    void applyOptimiser(dropoutlab::ExperimentConfig& config) const;
    /// The group's one-line summary and which of its fields apply to `config`.
    void updateOptimiserSummary(const dropoutlab::ExperimentConfig& config);
    void revalidate();
    void updateDatasetStatus();
    /// The chooser's network applied to `config` (model, widths or network).
    void applyNetwork(dropoutlab::ExperimentConfig& config) const;
    /// Selects `config`'s network in the chooser (adding a "custom" entry for an own network).
    void showNetwork(const dropoutlab::ExperimentConfig& config);
    void updateSites();
    QString dataDir() const;

    QComboBox* m_preset = nullptr;
    QComboBox* m_dataset = nullptr;
    QLineEdit* m_folder = nullptr;
    QPushButton* m_browse = nullptr;
    QPushButton* m_chooseData = nullptr;  ///< opens the DatasetChooser
    QLabel* m_dataStatus = nullptr;
    QSpinBox* m_subset = nullptr;
    QSpinBox* m_trainEval = nullptr;
    QComboBox* m_model = nullptr;
    QToolButton* m_editNetwork = nullptr;
    dropoutlab::NetworkSpec m_custom;  ///< the "custom" entry's network (an own one, edited or read)
    DropoutEditor* m_dropout = nullptr;
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_patience = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_lr = nullptr;
    QDoubleSpinBox* m_momentum = nullptr;
    QSpinBox* m_seed = nullptr;
    QSpinBox* m_splitSeed = nullptr;
    QToolButton* m_optimiserToggle = nullptr;
    QLabel* m_optimiserSummary = nullptr;
    QWidget* m_optimiserBody = nullptr;
    QComboBox* m_activation = nullptr;
    QComboBox* m_optimiser = nullptr;
    QCheckBox* m_nesterov = nullptr;
    QDoubleSpinBox* m_weightDecay = nullptr;
    QComboBox* m_schedule = nullptr;
    QDoubleSpinBox* m_gamma = nullptr;
    QSpinBox* m_stepEpochs = nullptr;
    QDoubleSpinBox* m_lrMin = nullptr;
    QSpinBox* m_warmup = nullptr;
    QDoubleSpinBox* m_momentumStart = nullptr;
    QSpinBox* m_rampEpochs = nullptr;
    QDoubleSpinBox* m_maxNorm = nullptr;
    QLineEdit* m_maxNormLayers = nullptr;
    QComboBox* m_device = nullptr;
    QSpinBox* m_threads = nullptr;
    QLineEdit* m_name = nullptr;
    QLabel* m_problemLabel = nullptr;
    QString m_problem;
    bool m_datasetOk = false;
    dropoutlab::ExperimentConfig m_base;  ///< fields the form does not show are kept from here
};

} // namespace dropoutlab::ui
