#include "runs_model.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/network.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QFileInfo>
#include <QLocale>
#include <QSaveFile>

#include <algorithm>
#include <array>

namespace dropoutlab::ui {

QString displayName(RunState state)
{
    switch (state) {
    case RunState::Queued: return QObject::tr("queued");
    case RunState::Running: return QObject::tr("running");
    case RunState::Completed: return QObject::tr("completed");
    case RunState::Cancelled: return QObject::tr("cancelled");
    case RunState::Diverged: return QObject::tr("diverged");
    case RunState::Failed: return QObject::tr("failed");
    case RunState::Stopped: return QObject::tr("stopped");
    case RunState::Interrupted: return QObject::tr("interrupted");
    case RunState::Planned: return QObject::tr("not started");
    }
    return {};
}

void tagSweepRun(RunEntry& entry, const QString& folder, const SweepRun& run, const std::vector<SweepPoint>& points)
{
    entry.sweepFolder = folder;
    entry.runKey = QString::fromStdString(run.id);
    entry.point = run.point;
    entry.pointLabel = QString::fromStdString(points.at(static_cast<std::size_t>(run.point)).label());
    entry.dir = QString::fromStdString(SweepFolder(folder.toStdString()).runDir(run.id));
}

RunState stateFromStatus(RunStatus status)
{
    switch (status) {
    case RunStatus::Completed: return RunState::Completed;
    case RunStatus::Cancelled: return RunState::Cancelled;
    case RunStatus::Diverged: return RunState::Diverged;
    case RunStatus::Failed: return RunState::Failed;
    case RunStatus::Stopped: return RunState::Stopped;
    case RunStatus::Interrupted: return RunState::Interrupted;
    }
    return RunState::Failed;
}

RunStatus statusFromState(RunState state)
{
    switch (state) {
    case RunState::Completed: return RunStatus::Completed;
    case RunState::Cancelled: return RunStatus::Cancelled;
    case RunState::Diverged: return RunStatus::Diverged;
    case RunState::Failed: return RunStatus::Failed;
    case RunState::Stopped: return RunStatus::Stopped;
    case RunState::Queued:
    case RunState::Running:
    case RunState::Interrupted:
    case RunState::Planned: return RunStatus::Interrupted;
    }
    return RunStatus::Interrupted;
}

RunRecord toRunRecord(const RunEntry& entry)
{
    RunRecord record;
    record.dir = entry.dir.toStdString();
    record.id = entry.runKey.isEmpty() ? QDir(entry.dir).dirName().toStdString() : entry.runKey.toStdString();
    record.config = entry.config;
    record.result = entry.result;
    record.result.status = statusFromState(entry.state);
    return record;
}

bool isFinished(RunState state)
{
    return state != RunState::Queued && state != RunState::Running && state != RunState::Planned;
}

void RunEntry::addProgress(const BatchProgress& report)
{
    // The engine reports running means of the epoch so far; the mean of the batches since the
    // previous report of the same epoch follows from two of them.
    if (report.epoch == progress.epoch && report.batch <= progress.batch)
        return;  // nothing new (a repeated report)
    const bool sameEpoch = progress.epoch == report.epoch && progress.batch > 0;
    const double before = sameEpoch ? progress.batch : 0.0;
    const double batches = report.batch - before;
    if (report.batch > 0 && report.batchesPerEpoch > 0 && batches > 0) {
        TracePoint point;
        point.epoch = report.epoch - 1 + static_cast<double>(report.batch) / report.batchesPerEpoch;
        point.loss = (report.loss * report.batch - (sameEpoch ? progress.loss * before : 0.0)) / batches;
        point.accuracy = (report.accuracy * report.batch - (sameEpoch ? progress.accuracy * before : 0.0)) / batches;
        trace.push_back(point);
        if (trace.size() > kMaxTracePoints) {
            // Every other point goes; the newest stays, so that the curve reaches the present.
            const TracePoint newest = trace.back();
            std::size_t kept = 0;
            for (std::size_t i = 0; i + 1 < trace.size(); i += 2)
                trace[kept++] = trace[i];
            trace.resize(kept);
            trace.push_back(newest);
        }
    }
    progress = report;
}

void RunEntry::resetProgress()
{
    progress = {};
    trace.clear();
}

double RunEntry::trainValGap() const
{
    if (result.epochs.empty())
        return 0.0;
    return dropoutlab::trainValGap(result.epochs.back());
}

QColor runColor(int index)
{
    // Tableau 10: distinguishable, print-friendly.
    static const std::array<QRgb, 10> palette = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                                 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    if (index < static_cast<int>(palette.size()))
        return QColor(palette[static_cast<std::size_t>(index)]);
    return QColor::fromHsv((index * 47) % 360, 170, 200);
}

RunsModel::RunsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
    m_warmTimer.setInterval(0);
    connect(&m_warmTimer, &QTimer::timeout, this, &RunsModel::makeTexts);
}

int RunsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const std::array<const char*, ColumnCount> titles = {
        "", "Run", "Dropout", "Status", "Epoch", "Best val. acc.", "Test acc.", "Train−val gap (dropout off)", "Time", "Device",
        "Notes",
        "Network", "Data", "Learning rate", "Momentum", "Optimiser", "Weight decay", "Batch", "Training images", "Epochs", "Seeds"};
    return tr(titles.at(static_cast<std::size_t>(section)));
}

Qt::ItemFlags RunsModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == Show)
        f |= Qt::ItemIsUserCheckable;
    if (index.column() == Notes && index.row() < rowCount() && !m_entries[static_cast<std::size_t>(index.row())].dir.isEmpty())
        f |= Qt::ItemIsEditable;
    return f;
}

QString RunsModel::dataTooltip(const RunEntry& e)
{
    const std::string& dir = e.config.dataDir;
    QString text = QString::fromStdString(resolveDataDir(dir));
    const auto& names = e.result.classNames;
    if (!names.empty()) {
        QStringList shown;
        for (std::size_t c = 0; c < names.size() && c < 24; ++c)
            shown << QString::fromStdString(names[c]);
        text += QLatin1Char('\n') + tr("Classes: %1%2").arg(shown.join(QStringLiteral(", ")),
                                                            names.size() > 24 ? tr(", … (%1 in all)").arg(names.size()) : QString());
    }
    return text;
}

QString RunsModel::networkTooltip(const ExperimentConfig& c)
{
    try {
        const NetworkSpec spec = networkSpec(c);
        return tr("%1: %2, %3 parameters").arg(QString::fromStdString(networkName(c)),
                                               QString::fromStdString(describeNetwork(spec)),
                                               QLocale().toString(static_cast<qlonglong>(parameterCount(spec))));
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
}

QVariant RunsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const RunEntry& entry = m_entries[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole: return displayData(entry, index.column());
    case kSortRole: return sortData(entry, index.column());
    case kIdRole: return entry.id;
    case Qt::CheckStateRole:
        return index.column() == Show ? QVariant(entry.visible ? Qt::Checked : Qt::Unchecked) : QVariant();
    case Qt::DecorationRole: return index.column() == Show ? QVariant(entry.color) : QVariant();
    case Qt::ToolTipRole:
        if (index.column() == Status && !entry.result.message.empty())
            return QString::fromStdString(entry.result.message);
        if (index.column() == Name)
            return entry.dir;
        if (index.column() == Model)
            return networkTooltip(entry.config);
        if (index.column() == Data)
            return dataTooltip(entry);
        if (index.column() == Notes)
            return entry.dir.isEmpty() ? tr("Notes can be added once the run has started (they go into its folder)")
                                       : tr("Double-click to edit; kept in notes.txt in the run's folder");
        return {};
    case Qt::TextAlignmentRole:
        return index.column() >= Progress ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    default: return {};
    }
}

QVariant RunsModel::displayData(const RunEntry& e, int column) const
{
    // A QLocale is made only where a number is formatted: sorting and filtering 100,000 runs
    // asks for every row's text of a column.
    const auto percent = [](double fraction) { return QLocale().toString(100.0 * fraction, 'f', 2) + " %"; };
    switch (column) {
    case Name: return e.name();
    case Dropout: {
        const std::string learned = learnedRatesSummary(e.config, e.result);
        return QString::fromStdString(dropoutSummary(e.config)) +
               (learned.empty() ? QString() : tr("; learned: %1").arg(QString::fromStdString(learned)));
    }
    case Status:
        return e.result.stoppedEarly && e.state == RunState::Completed
                   ? tr("completed (early stop, epoch %1)").arg(e.result.bestEpoch)
                   : displayName(e.state);
    case Progress: {
        const int done = static_cast<int>(e.result.epochs.size());
        return QStringLiteral("%1/%2").arg(e.state == RunState::Running ? std::max(done, e.progress.epoch - 1) : done)
            .arg(e.config.epochs);
    }
    case BestVal: return e.result.epochs.empty() ? QVariant() : percent(e.result.bestValAccuracy);
    case TestAcc: return e.result.testAccuracy ? percent(*e.result.testAccuracy) : QVariant();
    case Gap: {
        if (e.result.epochs.empty())
            return {};
        bool dropoutOff = false;
        dropoutlab::trainValGap(e.result.epochs.back(), &dropoutOff);
        // Runs recorded before the dropout-off metric existed show the running (dropout-on) gap.
        return QLocale().toString(100.0 * e.trainValGap(), 'f', 2) + (dropoutOff ? tr(" pts") : tr(" pts (dropout on)"));
    }
    case Time: {
        const double seconds = e.state == RunState::Running ? e.progress.elapsedSeconds : e.result.wallSeconds;
        if (seconds <= 0)
            return {};
        const int s = static_cast<int>(seconds + 0.5);
        return s >= 60 ? QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'))
                       : QStringLiteral("%1 s").arg(s);
    }
    case Device: return QString::fromStdString(e.result.device.empty() ? e.info.device : e.result.device);
    case Notes: return e.notes;
    default: return settingText(e.config, column);
    }
}

QString RunsModel::settingText(const ExperimentConfig& c, int column)
{
    const auto number = [](double v) { return QString::number(v, 'g', 6); };
    switch (column) {
    case Model: {
        if (c.model == ModelKind::Cnn)
            return tr("CNN");
        if (c.model == ModelKind::Custom)
            return QString::fromStdString(networkName(c));
        QStringList widths;
        for (const int w : c.hiddenWidths)
            widths << QString::number(w);
        return tr("MLP %1%2").arg(widths.join(QLatin1Char('-')),
                                  c.activation == Activation::Sigmoid ? tr(" logistic") : QString());
    }
    case LearningRate:
        return c.lrSchedule == LrSchedule::Constant && c.warmupEpochs == 0
                   ? number(c.learningRate)
                   : QStringLiteral("%1 (%2%3)").arg(number(c.learningRate), QString::fromStdString(toString(c.lrSchedule)),
                                                     c.warmupEpochs > 0 ? tr(", warm-up %1").arg(c.warmupEpochs) : QString());
    case Momentum:
        if (c.optimiser != OptimiserKind::Sgd)
            return QStringLiteral("–");
        return c.momentumRampEpochs > 0 ? tr("%1 → %2").arg(number(c.momentumStart), number(c.momentum)) : number(c.momentum);
    case Optimiser: {
        QString text = QString::fromStdString(toString(c.optimiser));
        if (c.optimiser == OptimiserKind::Sgd && c.nesterov)
            text += tr(" Nesterov");
        if (c.maxNorm > 0)
            text += tr(", max-norm %1").arg(number(c.maxNorm));
        return text;
    }
    case Data: {
        const QString data = QString::fromStdString(c.dataDir);
        if (data.isEmpty() || data == QLatin1String("mnist"))
            return tr("MNIST");
        const QString name = data == QLatin1String("fashion-mnist") ? tr("Fashion-MNIST") : QFileInfo(data).fileName();
        if (c.input == DataShape{})
            return name;
        return tr("%1, %2, %3 classes").arg(name, QString::fromStdString(shapeText(c.input))).arg(c.input.classes);
    }
    case WeightDecay: return c.weightDecay > 0 ? number(c.weightDecay) : tr("off");
    case BatchSize: return QString::number(c.batchSize);
    case Subset: return c.trainSubset > 0 ? QLocale().toString(static_cast<qlonglong>(c.trainSubset)) : tr("all");
    case Epochs: return QString::number(c.epochs);
    case Seeds: {
        const dropoutlab::Seeds& s = c.seeds;
        if (s.init == s.shuffle && s.init == s.dropout)
            return tr("%1, split %2").arg(s.init).arg(s.split);
        return tr("init %1, shuffle %2, dropout %3, split %4").arg(s.init).arg(s.shuffle).arg(s.dropout).arg(s.split);
    }
    default: return {};
    }
}

std::optional<double> RunsModel::numericSortKey(const RunEntry& e, int column)
{
    switch (column) {
    case Show: return e.id;
    case Progress: return static_cast<double>(e.result.epochs.size());
    case BestVal: return e.result.bestValAccuracy;
    case TestAcc: return e.result.testAccuracy ? *e.result.testAccuracy : -1.0;
    case Gap: return e.trainValGap();
    case Time: return e.result.wallSeconds;
    case Status: return static_cast<int>(e.state);
    case LearningRate: return e.config.learningRate;
    case Momentum: return e.config.momentum;
    case WeightDecay: return e.config.weightDecay;
    case BatchSize: return e.config.batchSize;
    case Subset: return static_cast<double>(e.config.trainSubset);
    case Epochs: return e.config.epochs;
    default: return std::nullopt;
    }
}

QVariant RunsModel::sortData(const RunEntry& e, int column) const
{
    if (const auto key = numericSortKey(e, column))
        return *key;
    return displayData(e, column);
}

bool RunsModel::isNumericColumn(int column)
{
    static const RunEntry blank;
    return numericSortKey(blank, column).has_value();
}

void RunsModel::useSortColumn(int column) const
{
    if (column == m_sortKeyColumn)
        return;
    std::fill(m_sortNumberValid.begin(), m_sortNumberValid.end(), 0);
    m_sortKeyColumn = column;
}

double RunsModel::sortNumber(int row, int column) const
{
    useSortColumn(column);
    const auto i = static_cast<std::size_t>(row);
    if (!m_sortNumberValid[i]) {
        m_sortNumbers[i] = *numericSortKey(m_entries[i], column);
        m_sortNumberValid[i] = 1;
    }
    return m_sortNumbers[i];
}

const RunsModel::RowTexts& RunsModel::rowTexts(int row) const
{
    RowTexts& texts = m_texts[static_cast<std::size_t>(row)];
    if (!texts.valid) {
        const RunEntry& entry = m_entries[static_cast<std::size_t>(row)];
        texts.all.clear();
        for (int column = 0; column < ColumnCount; ++column) {
            texts.start[static_cast<std::size_t>(column)] = static_cast<int>(texts.all.size());
            // A separator no one types, so that a filter cannot match across two columns.
            texts.all += displayData(entry, column).toString() + QChar(0x1f);
        }
        texts.start[ColumnCount] = static_cast<int>(texts.all.size());
        texts.valid = true;
    }
    return texts;
}

QStringView RunsModel::columnText(int row, int column) const
{
    const RowTexts& texts = rowTexts(row);
    const auto c = static_cast<std::size_t>(column);
    return QStringView(texts.all).mid(texts.start[c], texts.start[c + 1] - texts.start[c] - 1);
}

bool RunsModel::lessThan(int left, int right, int column) const
{
    if (isNumericColumn(column))
        return sortNumber(left, column) < sortNumber(right, column);
    useSortColumn(column);
    const auto l = static_cast<std::size_t>(left);
    const auto r = static_cast<std::size_t>(right);
    // Ranks agree with the texts' order; a row changed since prepareSort() compares by its text.
    if (m_sortNumberValid[l] && m_sortNumberValid[r])
        return m_sortNumbers[l] < m_sortNumbers[r];
    return columnText(left, column) < columnText(right, column);
}

void RunsModel::prepareSort(int column) const
{
    useSortColumn(column);
    if (isNumericColumn(column)) {
        // In row order: a sort would read the runs in random order, one cache miss each.
        for (std::size_t row = 0; row < m_entries.size(); ++row)
            sortNumber(static_cast<int>(row), column);
        return;
    }
    if (std::find(m_sortNumberValid.begin(), m_sortNumberValid.end(), 0) == m_sortNumberValid.end())
        return;  // ranked, and no run changed since (e.g. the same column again, reversed)
    // Texts to ranks: equal texts share one (most columns hold a few distinct values), distinct
    // ones are sorted once.
    const std::size_t rows = m_entries.size();
    QHash<QStringView, int> ids;
    ids.reserve(static_cast<qsizetype>(std::min<std::size_t>(rows, 1024)));
    std::vector<QStringView> distinct;
    std::vector<int> idOfRow(rows);
    for (std::size_t row = 0; row < rows; ++row) {
        const QStringView text = columnText(static_cast<int>(row), column);
        const auto it = ids.constFind(text);
        if (it != ids.constEnd()) {
            idOfRow[row] = *it;
            continue;
        }
        idOfRow[row] = static_cast<int>(distinct.size());
        ids.insert(text, idOfRow[row]);
        distinct.push_back(text);
    }
    // Sorted by their first 8 UTF-16 units packed into two integers, side by side in memory; the
    // full texts are compared only where those are equal (100,000 distinct names: 2-3x faster
    // than comparing texts spread over the heap).
    struct Key {
        quint64 head = 0;
        quint64 tail = 0;
        int id = 0;
    };
    std::vector<Key> keys(distinct.size());
    for (std::size_t id = 0; id < distinct.size(); ++id) {
        const QStringView text = distinct[id];
        Key& key = keys[id];
        for (qsizetype i = 0; i < 8; ++i) {
            const quint64 unit = i < text.size() ? text[i].unicode() : 0;
            (i < 4 ? key.head : key.tail) = ((i < 4 ? key.head : key.tail) << 16) | unit;
        }
        key.id = static_cast<int>(id);
    }
    std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
        if (a.head != b.head)
            return a.head < b.head;
        if (a.tail != b.tail)
            return a.tail < b.tail;
        return distinct[static_cast<std::size_t>(a.id)] < distinct[static_cast<std::size_t>(b.id)];
    });
    std::vector<double> rankOf(distinct.size());
    for (std::size_t rank = 0; rank < keys.size(); ++rank)
        rankOf[static_cast<std::size_t>(keys[rank].id)] = static_cast<double>(rank);
    for (std::size_t row = 0; row < rows; ++row) {
        m_sortNumbers[row] = rankOf[static_cast<std::size_t>(idOfRow[row])];
        m_sortNumberValid[row] = 1;
    }
}

bool RunsModel::rowContains(int row, const QString& text) const
{
    return rowTexts(row).all.contains(text, Qt::CaseInsensitive);
}

int RunsModel::rowsWithoutTexts() const
{
    return static_cast<int>(std::count_if(m_texts.begin(), m_texts.end(), [](const RowTexts& t) { return !t.valid; }));
}

void RunsModel::forgetTexts(std::size_t row)
{
    m_texts[row].valid = false;
    m_sortNumberValid[row] = 0;
    m_warmFrom = std::min(m_warmFrom, row);
    if (!m_warmTimer.isActive())
        m_warmTimer.start();
}

void RunsModel::makeTexts()
{
    QElapsedTimer clock;
    clock.start();
    const std::size_t rows = m_entries.size();
    while (m_warmFrom < rows) {
        rowTexts(static_cast<int>(m_warmFrom++));
        if (m_warmFrom % 64 == 0 && clock.nsecsElapsed() > 8'000'000)
            return;  // the rest in the next turn: the GUI stays responsive
    }
    m_warmTimer.stop();
}

bool RunsModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (index.isValid() && index.column() == Notes && role == Qt::EditRole) {
        QString error;
        const bool ok = setNotes(m_entries[static_cast<std::size_t>(index.row())].id, value.toString(), &error);
        if (!ok)
            Q_EMIT notesFailed(error);
        return ok;
    }
    if (!index.isValid() || index.column() != Show || role != Qt::CheckStateRole)
        return false;
    setVisible(m_entries[static_cast<std::size_t>(index.row())].id,
               value.value<Qt::CheckState>() == Qt::Checked);
    return true;
}

int RunsModel::findIdentical(const ExperimentConfig& config) const
{
    for (const RunEntry& e : m_entries) {
        // A stopped, cancelled, interrupted or failed run is worth running again.
        const bool same = e.state == RunState::Queued || e.state == RunState::Running || e.state == RunState::Planned ||
                          e.state == RunState::Completed || e.state == RunState::Diverged;
        if (!same)
            continue;
        ExperimentConfig renamed = config;
        renamed.name = e.config.name;
        if (renamed == e.config)
            return e.id;
    }
    return -1;
}

bool RunsModel::setNotes(int id, const QString& notes, QString* error)
{
    const auto fail = [error](const QString& why) {
        if (error)
            *error = why;
        return false;
    };
    const RunEntry* entry = find(id);
    if (!entry)
        return fail(tr("no such run"));
    if (entry->dir.isEmpty())
        return fail(tr("“%1” has no folder yet: notes can be added once it has started").arg(entry->name()));
    const QByteArray bytes = notes.toUtf8();
    if (bytes.size() > kMaxNotesBytes)
        return fail(tr("notes of %1 bytes are too long (at most %2)").arg(bytes.size()).arg(kMaxNotesBytes));
    QSaveFile file(QDir(entry->dir).filePath(QStringLiteral("notes.txt")));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return fail(tr("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    update(id, [&](RunEntry& e) { e.notes = notes; });
    return true;
}

QString RunsModel::readNotes(const QString& runDir)
{
    QFile file(QDir(runDir).filePath(QStringLiteral("notes.txt")));
    if (!file.exists() || file.size() > kMaxNotesBytes || !file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

int RunsModel::addRun(const ExperimentConfig& config, RunState state)
{
    const int row = rowCount();
    beginInsertRows({}, row, row);
    RunEntry entry;
    entry.id = m_nextId++;
    entry.config = config;
    entry.state = state;
    entry.color = runColor(entry.id - 1);
    m_entries.push_back(std::move(entry));
    m_texts.emplace_back();
    m_sortNumbers.push_back(0.0);
    m_sortNumberValid.push_back(0);
    forgetTexts(m_entries.size() - 1);
    ++m_stateCounts[static_cast<std::size_t>(state)];
    endInsertRows();
    Q_EMIT runAdded(m_entries.back().id);
    return m_entries.back().id;
}

void RunsModel::removeRun(int id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    --m_stateCounts[static_cast<std::size_t>(m_entries[static_cast<std::size_t>(row)].state)];
    m_entries.erase(m_entries.begin() + row);
    m_texts.erase(m_texts.begin() + row);
    m_sortNumbers.erase(m_sortNumbers.begin() + row);
    m_sortNumberValid.erase(m_sortNumberValid.begin() + row);
    m_warmFrom = std::min(m_warmFrom, static_cast<std::size_t>(row));
    endRemoveRows();
    Q_EMIT runRemoved(id);
}

void RunsModel::clear()
{
    std::vector<int> ids;
    for (const auto& e : m_entries)
        ids.push_back(e.id);
    beginResetModel();
    m_entries.clear();
    m_texts.clear();
    m_sortNumbers.clear();
    m_sortNumberValid.clear();
    m_warmFrom = 0;
    m_stateCounts = {};
    endResetModel();
    for (const int id : ids)
        Q_EMIT runRemoved(id);
}

std::vector<const RunEntry*> RunsModel::recentEntries(std::size_t limit,
                                                      const std::function<bool(const RunEntry&)>& keep, int* total) const
{
    std::vector<const RunEntry*> recent;
    int accepted = 0;
    for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
        if (!keep(*it))
            continue;
        ++accepted;
        if (recent.size() < limit)
            recent.push_back(&*it);
        else if (!total)
            break;
    }
    if (total)
        *total = accepted;
    return recent;
}

const RunEntry* RunsModel::find(int id) const
{
    const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), id,
                                     [](const RunEntry& e, int wanted) { return e.id < wanted; });
    return it == m_entries.end() || it->id != id ? nullptr : &*it;
}

RunEntry* RunsModel::findMutable(int id)
{
    return const_cast<RunEntry*>(std::as_const(*this).find(id));
}

int RunsModel::rowOf(int id) const
{
    const RunEntry* entry = find(id);
    return entry ? static_cast<int>(entry - m_entries.data()) : -1;
}

void RunsModel::recount(RunState before, RunState after)
{
    --m_stateCounts[static_cast<std::size_t>(before)];
    ++m_stateCounts[static_cast<std::size_t>(after)];
}

void RunsModel::setVisible(int id, bool visible)
{
    update(id, [visible](RunEntry& e) { e.visible = visible; });
}

void RunsModel::announce(int id)
{
    const int row = rowOf(id);
    // Before the proxies re-sort and re-filter the row.
    forgetTexts(static_cast<std::size_t>(row));
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    Q_EMIT runChanged(id);
}

} // namespace dropoutlab::ui
