#pragma once

#include "run_entry.h"

#include <QAbstractTableModel>
#include <QStringView>
#include <QTimer>

#include <array>
#include <functional>
#include <optional>
#include <vector>

namespace dropoutlab::ui {

/// The charts draw at most this many runs, the most recent (readable and fast with thousands).
inline constexpr std::size_t kMaxChartedRuns = 40;

/// All runs of the session (queued, running, finished, loaded), as a sortable table.
/// The single source of truth for the charts and the table.
class RunsModel final : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Show, Name, Dropout, Status, Progress, BestVal, TestAcc, Gap, Time, Device, Notes,
        // The hyper-parameters (RunsTable shows a few by default; its header's menu the rest).
        Model, Data, LearningRate, Momentum, Optimiser, WeightDecay, BatchSize, Subset, Epochs, Seeds,
        ColumnCount
    };
    static constexpr int kFirstSetting = Model;
    static constexpr int kSortRole = Qt::UserRole + 1;
    static constexpr int kIdRole = Qt::UserRole + 2;

    explicit RunsModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

    /// Adds a run and returns its id.
    int addRun(const ExperimentConfig& config, RunState state = RunState::Queued);
    void removeRun(int id);
    void clear();

    const std::vector<RunEntry>& entries() const { return m_entries; }
    const RunEntry* find(int id) const;
    /// The most recent runs that `keep` accepts, newest first, at most `limit`; `total` (when
    /// given) gets how many it accepts in all.
    std::vector<const RunEntry*> recentEntries(std::size_t limit, const std::function<bool(const RunEntry&)>& keep,
                                               int* total = nullptr) const;
    /// Changes a run through `change` and announces it.
    template <typename Change>
    void update(int id, Change&& change)
    {
        if (RunEntry* entry = findMutable(id)) {
            const RunState before = entry->state;
            change(*entry);
            recount(before, entry->state);
            announce(id);
        }
    }
    /// How many runs are in `state` (kept up to date, so asking is free with 100,000 runs).
    int countIn(RunState state) const { return m_stateCounts[static_cast<std::size_t>(state)]; }
    void setVisible(int id, bool visible);
    int rowOf(int id) const;

    /// For sorting and filtering many runs without a QVariant per comparison: whether row `left`
    /// sorts before row `right` by `column` (numbers as numbers, texts as the table shows them),
    /// and whether row `row` shows `text` in any column (case-insensitive). Each row's texts are
    /// made once (ahead, a slice per event-loop turn, once rows arrive) and kept until the run changes.
    bool lessThan(int left, int right, int column) const;
    bool rowContains(int row, const QString& text) const;
    /// Readies a sort by `column`: a text column's texts are ranked once, so that the sort
    /// compares numbers (the table's proxy calls it before it sorts).
    void prepareSort(int column) const;
    /// The text row `row` shows in `column`, kept (valid until the model changes).
    QStringView columnText(int row, int column) const;
    /// Rows whose texts are not made yet (0 once the model has caught up).
    int rowsWithoutTexts() const;

    /// A queued, running or finished run whose settings equal `config`'s in everything but the name
    /// (seeds included): it would give the same curves. -1 when there is none.
    int findIdentical(const ExperimentConfig& config) const;
    /// Sets a run's notes and writes them to notes.txt in its folder (atomically). A run without a
    /// folder yet (queued) cannot take notes: false with the reason in `error`, as for a write failure.
    bool setNotes(int id, const QString& notes, QString* error = nullptr);
    /// Notes longer than this are refused (also when read back).
    static constexpr qint64 kMaxNotesBytes = 64 * 1024;
    /// The notes kept in `runDir` (empty without notes.txt, or when it is unreadable or too large).
    static QString readNotes(const QString& runDir);

Q_SIGNALS:
    /// Editing a run's notes in the table failed (e.g. its folder is read-only).
    void notesFailed(const QString& error);
    void runAdded(int id);
    void runChanged(int id);
    void runRemoved(int id);

private:
    RunEntry* findMutable(int id);
    void recount(RunState before, RunState after);
    void announce(int id);
    QVariant displayData(const RunEntry& entry, int column) const;
    /// The Network column's tooltip: the network's name, layers and parameter count.
    static QString networkTooltip(const dropoutlab::ExperimentConfig& config);
    static QString dataTooltip(const RunEntry& entry);
    /// The text of a hyper-parameter column for `config`.
    static QString settingText(const ExperimentConfig& config, int column);
    QVariant sortData(const RunEntry& entry, int column) const;
    /// The sort key of a numeric column; none for a text column.
    static std::optional<double> numericSortKey(const RunEntry& entry, int column);
    static bool isNumericColumn(int column);
    /// Every column's text of a row, kept for lessThan() and rowContains().
    struct RowTexts {
        QString all;                                ///< each column's text followed by U+001F
        std::array<int, ColumnCount + 1> start{};  ///< where column c's text starts in `all`
        bool valid = false;
    };
    const RowTexts& rowTexts(int row) const;
    /// Makes m_sortKeyColumn `column` (forgetting the keys of another one).
    void useSortColumn(int column) const;
    double sortNumber(int row, int column) const;
    /// A row changed or came: its texts and key are made again.
    void forgetTexts(std::size_t row);
    /// Makes the texts of rows not made yet, for a few milliseconds (m_warmTimer).
    void makeTexts();

    /// In order of id (ids only grow and runs are appended), so find() is a binary search.
    std::vector<RunEntry> m_entries;
    int m_nextId = 1;
    std::array<int, kRunStateCount> m_stateCounts{};
    mutable std::vector<RowTexts> m_texts;  ///< parallel to m_entries
    mutable int m_sortKeyColumn = -1;
    /// Keys of m_sortKeyColumn, dense (a sort reads them in random order; RunEntry is large): the
    /// number, or for a text column the text's rank among all rows' texts at prepareSort().
    mutable std::vector<double> m_sortNumbers;     ///< parallel to m_entries
    mutable std::vector<char> m_sortNumberValid;  ///< parallel to m_entries
    QTimer m_warmTimer;
    std::size_t m_warmFrom = 0;  ///< rows before it have their texts made
};

/// A distinct colour for the n-th run (a qualitative palette, then hue steps).
QColor runColor(int index);

} // namespace dropoutlab::ui
