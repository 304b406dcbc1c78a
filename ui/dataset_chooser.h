#pragma once
// The dataset chooser: the installed datasets and any folder or CSV table the user picks, each
// shown before training with its format, shape, class count, class balance and a few samples
// (pictures, or a table's first rows). Datasets are read on a pool thread through the core's
// cache (cachedDataset), so the runs that follow reuse what was read here.

#include "dropoutlab/core/dataset.h"

#include <QDialog>

#include <memory>

class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;
class QTableWidget;

namespace dropoutlab::ui {

class ClassBalance;

class DatasetChooser final : public QDialog {
    Q_OBJECT

public:
    /// `current`: what the panel has now ("" or "mnist", "fashion-mnist", or a path).
    explicit DatasetChooser(const QString& current, QWidget* parent = nullptr);

    /// What --data takes for the chosen dataset: "mnist", "fashion-mnist" or a path.
    QString chosen() const { return m_chosen; }
    /// Shows `path` (a folder or a table) as if the user had picked it.
    void choosePath(const QString& path);
    /// True while a dataset is being read.
    bool busy() const { return m_busy; }
    /// The number of sample pictures (or table rows) shown.
    int sampleCount() const;

Q_SIGNALS:
    /// A dataset was read (or refused): the summary and samples are up to date.
    void shown();

private:
    QWidget* buildList();
    QWidget* buildPreview();
    void showEntry(const QString& name, const QString& path);
    void load(const QString& name, const QString& path);
    void present(const QString& name, std::shared_ptr<const DatasetBytes> data, const QString& error);
    void showSamples(const DatasetBytes& data);

    QListWidget* m_list = nullptr;
    QLabel* m_summary = nullptr;
    ClassBalance* m_balance = nullptr;
    QStackedWidget* m_samples = nullptr;
    QListWidget* m_pictures = nullptr;
    QTableWidget* m_rows = nullptr;
    QPushButton* m_ok = nullptr;
    QString m_chosen;
    QString m_pending;  ///< the dataset being read
    bool m_busy = false;
};

} // namespace dropoutlab::ui
