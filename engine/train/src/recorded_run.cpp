#include "dropoutlab/train/recorded_run.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

namespace dropoutlab {

RunResult runExperimentRecorded(const ExperimentConfig& given, const std::string& runDir,
                                ExperimentObserver& observer, const CancelToken& cancel)
{
    const ExperimentConfig config = withDataShape(given);  // config.json records the data's shape
    RunWriter writer(runDir, config);
    RecordingObserver recorder(writer, observer);
    RunResult result;
    try {
        result = runExperiment(config, recorder, cancel);
    } catch (const Error& error) {
        RunResult failed;
        failed.status = RunStatus::Failed;
        failed.message = error.what();
        try {
            writer.writeResult(failed);
        } catch (const Error&) {
            // the disk refused this too; the original error is the one to report
        }
        throw;
    }
    try {
        writer.writeResult(result);
    } catch (const IoError& error) {
        throw IoError(std::string(error.what()) + "; the " + std::to_string(result.epochs.size()) +
                      " finished epoch(s) are kept in " + runDir + "/metrics.jsonl");
    }
    return result;
}

} // namespace dropoutlab
