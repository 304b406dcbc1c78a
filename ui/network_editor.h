#pragma once

#include "dropoutlab/core/layer_spec.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QToolButton;

namespace dropoutlab::ui {

/// Builds a network as a stack of layers (docs/network-files.md): add, remove, reorder and edit
/// layers, insert dropout sites anywhere; every layer shows its output shape, parameters and
/// FLOPs, the totals sit below, and the first error is shown at its layer. Opens and saves
/// network files. The input shape and classes are the dataset's and stay as given.
class NetworkEditor final : public QDialog {
    Q_OBJECT

public:
    enum Column { LayerColumn, SettingsColumn, OutputColumn, ParametersColumn, FlopsColumn, ColumnCount };

    explicit NetworkEditor(const dropoutlab::NetworkSpec& definition, QWidget* parent = nullptr);

    /// The network as edited (a definition: file fields only).
    dropoutlab::NetworkSpec definition() const;
    /// Whether the network is valid (OK is enabled only then); the error text otherwise.
    bool isValid() const;
    QString errorText() const;
    /// The table row of the selected layer (-1: none).
    int currentLayer() const;
    void setCurrentLayer(int row);

    /// Inserts `layer` after the selected one (at the end when none is selected) and selects it.
    void insertLayer(const dropoutlab::LayerSpec& layer);
    /// A layer of `kind` with the settings a new one starts with (conv: 32 maps 3x3 padding 1, ...).
    static dropoutlab::LayerSpec newLayer(dropoutlab::LayerSpec::Kind kind);
    /// Removes or moves the selected layer (by `delta` rows).
    void removeCurrentLayer();
    void moveCurrentLayer(int delta);
    /// Moves layer `from` to row `to` (what dragging a row onto another does) and selects it.
    void moveLayer(int from, int to);
    /// Replaces the whole stack (and name and description), keeping the input shape.
    void setDefinition(const dropoutlab::NetworkSpec& definition);

    /// Reads / writes a network file; false with `error` when it could not.
    bool openFile(const QString& path, QString* error);
    bool saveFile(const QString& path, QString* error);

Q_SIGNALS:
    void networkChanged();

private:
    QWidget* buildLayerButtons();
    QWidget* buildProperties();
    /// "conv3": the first name of `kind`'s pattern that no layer (or site) uses yet.
    QString uniqueName(dropoutlab::LayerSpec::Kind kind) const;
    void refresh();
    void fillRow(int row, const dropoutlab::LayerSpec& shown, bool inferred);
    void showProperties();
    void applyProperties();
    void openDialog();
    void saveDialog();

    dropoutlab::NetworkSpec m_definition;
    bool m_valid = false;
    QString m_error;
    bool m_updating = false;

    QLineEdit* m_name = nullptr;
    QLineEdit* m_description = nullptr;
    QLabel* m_input = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_errorLabel = nullptr;
    QLabel* m_totals = nullptr;
    QToolButton* m_add = nullptr;
    QPushButton* m_dropout = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_up = nullptr;
    QPushButton* m_down = nullptr;

    QFormLayout* m_form = nullptr;
    QLabel* m_type = nullptr;
    QLineEdit* m_layerName = nullptr;
    QSpinBox* m_out = nullptr;
    QSpinBox* m_kernel = nullptr;
    QSpinBox* m_stride = nullptr;
    QSpinBox* m_padding = nullptr;
    QDoubleSpinBox* m_slope = nullptr;
    QComboBox* m_kind = nullptr;
    QLineEdit* m_siteDescription = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace dropoutlab::ui
