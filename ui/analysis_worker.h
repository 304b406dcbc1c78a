#pragma once

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/train/uncertainty.h"

#include <QMetaType>
#include <QObject>
#include <QStringList>

#include <memory>

using UncertaintyReportPtr = std::shared_ptr<const dropoutlab::UncertaintyReport>;
Q_DECLARE_METATYPE(UncertaintyReportPtr)

namespace dropoutlab::ui {

/// Lives on the analysis thread: runs MC dropout over saved models (analysis.json caches the
/// results) and reports by queued signals. Catches everything.
class AnalysisWorker final : public QObject {
    Q_OBJECT

public:
    explicit AnalysisWorker(const CancelToken& cancel);

public Q_SLOTS:
    /// Analyses each run folder in turn with T = `samples` passes and `ood` (empty: none). A run
    /// whose images have another shape than the OOD set's is analysed without it (noted).
    void analyse(const QStringList& runDirs, int samples, quint64 seed, const QString& ood);

Q_SIGNALS:
    void progress(int index, qint64 done, qint64 total);
    void analysed(int index, const UncertaintyReportPtr& report, bool fromCache);
    void failed(int index, const QString& message);
    /// Run `index` was analysed, with a remark (e.g. without the OOD set, whose images differ).
    void noted(int index, const QString& message);
    void finished(bool cancelled);

private:
    const CancelToken& m_cancel;
};

} // namespace dropoutlab::ui
