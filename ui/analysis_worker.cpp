#include "analysis_worker.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

#include <optional>

namespace dropoutlab::ui {

AnalysisWorker::AnalysisWorker(const CancelToken& cancel) : m_cancel(cancel)
{
}

void AnalysisWorker::analyse(const QStringList& runDirs, int samples, quint64 seed, const QString& ood)
{
    UncertaintyOptions options;
    options.samples = samples;
    options.seed = seed;
    options.ood = ood.toStdString();
    std::optional<DataShape> oodShape;
    if (!options.ood.empty()) {
        try {
            oodShape = cachedDataset(resolveDataDir(options.ood))->shape;
        } catch (const Error&) {
            // Then every run's analysis names the problem.
        }
    }
    for (int i = 0; i < runDirs.size(); ++i) {
        if (m_cancel.isCancelled())
            break;
        try {
            UncertaintyOptions runOptions = options;
            if (oodShape) {
                const DataShape input = loadRun(runDirs[i].toStdString()).config.input;
                if (input.channels != oodShape->channels || input.height != oodShape->height ||
                    input.width != oodShape->width) {
                    runOptions.ood.clear();
                    Q_EMIT noted(i, tr("without %1, whose images are %2 (the model takes %3)")
                                        .arg(ood, QString::fromStdString(shapeText(*oodShape)),
                                             QString::fromStdString(shapeText(input))));
                }
            }
            bool fromCache = false;
            auto report = analyseUncertaintyCached(
                runDirs[i].toStdString(), runOptions, m_cancel,
                [this, i](std::int64_t done, std::int64_t total) { Q_EMIT progress(i, done, total); }, &fromCache);
            if (!report)
                break;
            Q_EMIT analysed(i, std::make_shared<const UncertaintyReport>(std::move(*report)), fromCache);
        } catch (const Error& error) {
            Q_EMIT failed(i, QString::fromStdString(error.what()));
        } catch (const std::exception& error) {
            Q_EMIT failed(i, tr("internal error: %1").arg(QString::fromStdString(error.what())));
        }
    }
    Q_EMIT finished(m_cancel.isCancelled());
}

} // namespace dropoutlab::ui
