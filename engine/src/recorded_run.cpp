#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"

namespace dropoutlab {

RunResult runExperimentRecorded(const ExperimentConfig& config, const std::string& runDir,
                                ExperimentObserver& observer, const CancelToken& cancel)
{
    RunWriter writer(runDir, config);
    RecordingObserver recorder(writer, observer);
    try {
        RunResult result = runExperiment(config, recorder, cancel);
        writer.writeResult(result);
        return result;
    } catch (const Error& error) {
        RunResult failed;
        failed.status = RunStatus::Failed;
        failed.message = error.what();
        writer.writeResult(failed);
        throw;
    }
}

} // namespace dropoutlab
