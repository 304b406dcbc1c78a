#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/sweep.h"
#include "dropoutlab/train/sweep_runner.h"
#include "fused_trainer.h"
#include "models.h"
#include "training_session.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

namespace dropoutlab {
namespace fs = std::filesystem;
namespace {

/// One run in flight: its folder writer, the recording observer and the training session.
struct ActiveRun {
    const SweepRun* run = nullptr;
    std::unique_ptr<RunWriter> writer;
    std::unique_ptr<RecordingObserver> recorder;
    std::unique_ptr<detail::TrainingSession> session;
};

RunResult finishRun(ActiveRun& active, SweepProgress& progress, bool stop, const std::string& reason)
{
    const RunResult result = stop ? active.session->stop(RunStatus::Stopped, reason) : active.session->finish();
    active.writer->writeResult(result);
    progress.onRunEnd(*active.run, result);
    active.session.reset();  // frees the model at once
    return result;
}

std::unique_ptr<ActiveRun> begin(const SweepRun& run, SweepFolder& folder, SweepProgress& progress,
                                 const CancelToken& cancel)
{
    const std::string dir = folder.runDir(run.id);
    std::error_code ec;
    fs::remove_all(dir, ec);  // an interrupted or cancelled attempt is redone from scratch
    auto active = std::make_unique<ActiveRun>();
    active->run = &run;
    const ExperimentConfig config = withDataShape(run.config);  // config.json records the data's shape
    active->writer = std::make_unique<RunWriter>(dir, config);
    active->recorder = std::make_unique<RecordingObserver>(*active->writer, progress.observer());
    try {
        active->session = std::make_unique<detail::TrainingSession>(config, *active->recorder, cancel);
    } catch (const Error& error) {
        RunResult failed;
        failed.status = RunStatus::Failed;
        failed.message = error.what();
        active->writer->writeResult(failed);
        throw;
    }
    return active;
}

/// Mean validation accuracy at `epoch` of each point, over the given results.
std::map<int, double> pointScores(const std::vector<std::pair<int, const RunResult*>>& results, int epoch)
{
    std::map<int, std::pair<double, int>> sums;
    for (const auto& [point, result] : results) {
        if (static_cast<int>(result->epochs.size()) < epoch)
            continue;
        auto& [sum, count] = sums[point];
        sum += result->epochs[static_cast<std::size_t>(epoch - 1)].valAccuracy;
        ++count;
    }
    std::map<int, double> scores;
    for (const auto& [point, sumCount] : sums)
        scores[point] = sumCount.first / sumCount.second;
    return scores;
}

} // namespace

namespace {

/// Trains the runs in packs of up to `fuse` that can share a fused pass.
std::vector<RunResult> runFused(const std::vector<const SweepRun*>& todo, SweepFolder& folder, SweepProgress& progress,
                                const CancelToken& cancel, int fuse)
{
    std::vector<RunResult> results;
    std::size_t i = 0;
    while (i < todo.size() && !cancel.isCancelled()) {
        std::vector<const SweepRun*> pack{todo[i]};
        for (std::size_t j = i + 1; j < todo.size() && static_cast<int>(pack.size()) < fuse; ++j) {
            if (detail::canFuse(todo[i]->config, todo[j]->config))
                pack.push_back(todo[j]);
            else
                break;  // keep the order of the grid: the next pack starts here
        }
        progress.onRunStart(*pack.front(), static_cast<int>(i + 1), static_cast<int>(todo.size()));
        std::vector<std::unique_ptr<RunWriter>> writers;
        std::vector<std::unique_ptr<RecordingObserver>> recorders;
        std::vector<ExperimentConfig> configs;
        std::vector<ExperimentObserver*> observers;
        for (const SweepRun* run : pack) {
            std::error_code ec;
            fs::remove_all(folder.runDir(run->id), ec);
            configs.push_back(withDataShape(run->config));  // config.json records the data's shape
            writers.push_back(std::make_unique<RunWriter>(folder.runDir(run->id), configs.back()));
            recorders.push_back(std::make_unique<RecordingObserver>(*writers.back(), progress.observerFor(*run)));
            observers.push_back(recorders.back().get());
        }
        std::vector<RunResult> packResults;
        try {
            detail::FusedGroup group(configs, observers, progress.observer(), cancel);
            packResults = group.run();
        } catch (const Error& error) {
            for (auto& writer : writers) {
                RunResult failed;
                failed.status = RunStatus::Failed;
                failed.message = error.what();
                writer->writeResult(failed);
            }
            throw;
        }
        for (std::size_t k = 0; k < pack.size(); ++k) {
            writers[k]->writeResult(packResults[k]);
            progress.onRunEnd(*pack[k], packResults[k]);
            results.push_back(packResults[k]);
        }
        i += pack.size();
    }
    return results;
}

/// Mean validation accuracy at the rung epoch of each point, over this invocation's runs and the
/// earlier finished runs of the same points in the folder (unreadable ones are redone, not ranked).
std::map<int, double> rungScores(const std::vector<std::unique_ptr<ActiveRun>>& active,
                                 const std::vector<SweepRun>& runs, SweepFolder& folder, int epoch)
{
    std::vector<std::pair<int, const RunResult*>> rung;
    for (const auto& run : active) {
        if (run->session)
            rung.emplace_back(run->run->point, &run->session->result());
    }
    std::vector<std::string> unreadable;
    const std::vector<RunRecord> earlier = folder.loadRuns(&unreadable);
    std::map<std::string, int> pointOf;
    for (const auto& run : runs)
        pointOf[run.id] = run.point;
    for (const auto& record : earlier) {
        if (pointOf.count(record.id) && SweepFolder::keepsResult(record.result.status))
            rung.emplace_back(pointOf[record.id], &record.result);
    }
    return pointScores(rung, epoch);
}

/// Rank of each point by score, 1 for the best.
std::map<int, int> ranks(const std::map<int, double>& scores)
{
    std::vector<std::pair<double, int>> ranking;
    for (const auto& [point, score] : scores)
        ranking.emplace_back(score, point);
    std::sort(ranking.begin(), ranking.end(), std::greater<>());
    std::map<int, int> rankOf;
    for (std::size_t i = 0; i < ranking.size(); ++i)
        rankOf[ranking[i].second] = static_cast<int>(i) + 1;
    return rankOf;
}

} // namespace

std::vector<RunResult> runSweep(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepFolder& folder,
                                SweepProgress& progress, const CancelToken& cancel, int fuse)
{
    if (fuse > 1 && spec.halving.atEpoch > 0)
        throw ConfigError("fused training (--fuse) and successive halving cannot be combined; use one of them");
    if (fuse > 1) {
        for (const auto& run : runs) {
            const std::string refusal = detail::fusionRefusal(run.config);
            if (!refusal.empty())
                throw ConfigError("--fuse " + std::to_string(fuse) + ": " + refusal);
        }
    }
    std::vector<const SweepRun*> todo;
    for (const auto& run : runs) {
        if (folder.isDone(run.id))
            progress.onRunSkipped(run);
        else
            todo.push_back(&run);
    }
    std::vector<RunResult> results;
    const int count = static_cast<int>(todo.size());

    if (fuse > 1)
        return runFused(todo, folder, progress, cancel, fuse);
    if (spec.halving.atEpoch <= 0) {
        for (int i = 0; i < count && !cancel.isCancelled(); ++i) {
            progress.onRunStart(*todo[static_cast<std::size_t>(i)], i + 1, count);
            auto active = begin(*todo[static_cast<std::size_t>(i)], folder, progress, cancel);
            while (active->session->runEpoch()) {
            }
            results.push_back(finishRun(*active, progress, false, {}));
        }
        return results;
    }

    // Successive halving: every run trains to the rung epoch (models kept in memory), the
    // points are ranked by mean validation accuracy there, the worse half stops, the rest go on.
    std::vector<std::unique_ptr<ActiveRun>> active;
    for (int i = 0; i < count && !cancel.isCancelled(); ++i) {
        progress.onRunStart(*todo[static_cast<std::size_t>(i)], i + 1, count);
        active.push_back(begin(*todo[static_cast<std::size_t>(i)], folder, progress, cancel));
        ActiveRun& current = *active.back();
        while (current.session->epochsDone() < spec.halving.atEpoch && current.session->runEpoch()) {
        }
        if (current.session->hasEnded())
            results.push_back(finishRun(current, progress, false, {}));
    }
    if (cancel.isCancelled()) {
        for (auto& run : active) {
            if (run->session)
                results.push_back(finishRun(*run, progress, false, {}));
        }
        return results;
    }

    const auto scores = rungScores(active, runs, folder, spec.halving.atEpoch);
    const auto rankOf = ranks(scores);
    const int survivors = static_cast<int>((scores.size() + 1) / 2);

    for (auto& run : active) {
        if (!run->session)
            continue;
        const int point = run->run->point;
        const int rank = rankOf.count(point) ? rankOf.at(point) : 1;
        if (rank > survivors) {
            char score[32];
            std::snprintf(score, sizeof score, "%.2f %%", 100.0 * scores.at(point));
            results.push_back(finishRun(*run, progress, true,
                                        "stopped by successive halving after epoch " +
                                            std::to_string(spec.halving.atEpoch) + ": point ranked " +
                                            std::to_string(rank) + " of " + std::to_string(scores.size()) +
                                            " by mean validation accuracy (" + score + ")"));
            continue;
        }
        while (run->session->runEpoch()) {
        }
        results.push_back(finishRun(*run, progress, false, {}));
    }
    return results;
}

} // namespace dropoutlab
