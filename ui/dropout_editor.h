#pragma once

#include "dropoutlab/core/experiment_config.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QSlider;

namespace dropoutlab::ui {

/// One row per dropout site of a model: on/off, rate (slider + spin box, 0 to 0.95) and kind.
class DropoutEditor final : public QWidget {
    Q_OBJECT

public:
    static constexpr double kMaxRate = 0.95;

    explicit DropoutEditor(QWidget* parent = nullptr);

    /// Rebuilds the rows for `model`, keeping the rates of sites both models share.
    /// Shows the sites of `model` (an MLP's follow its hidden layers).
    void setModel(dropoutlab::ModelKind model,
                  const std::vector<int>& hiddenWidths = dropoutlab::kDefaultHiddenWidths);
    dropoutlab::ModelKind model() const { return m_model; }
    /// Shows one row per site (any network's), keeping the rates of sites with the same name.
    void setSites(const std::vector<dropoutlab::DropoutSite>& sites);
    /// The sites shown, in forward order.
    std::vector<std::string> siteNames() const;
    /// Sets every row from `dropout` (absent sites: off).
    void setDropout(const std::map<std::string, dropoutlab::DropoutSetting>& dropout);
    /// The enabled sites with a rate above 0.
    std::map<std::string, dropoutlab::DropoutSetting> dropout() const;

Q_SIGNALS:
    void changed();

private:
    struct Row {
        std::string site;
        QCheckBox* enabled = nullptr;
        QSlider* slider = nullptr;
        QDoubleSpinBox* rate = nullptr;
        QComboBox* kind = nullptr;
        dropoutlab::DropoutKind defaultKind = dropoutlab::DropoutKind::Element;
        dropoutlab::DropoutSetting setting;  ///< as last set (its schedule and block size are kept)
    };
    void clearRows();
    void addRow(const dropoutlab::DropoutSite& site);

    dropoutlab::ModelKind m_model = dropoutlab::ModelKind::Cnn;
    QGridLayout* m_layout = nullptr;
    std::vector<Row> m_rows;
};

} // namespace dropoutlab::ui
