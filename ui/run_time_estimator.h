#pragma once

#include "dropoutlab/core/experiment_config.h"

namespace dropoutlab::ui {

class RunsModel;

/// Estimates how long runs take, from the latest run of the session with a finished epoch: its
/// time per training image (validation counted at a third of a training image: forward only)
/// and its dataset's real size (from the run's validation count and fraction). Used by the
/// status bar's sweep estimate and the sweep dialog.
class RunTimeEstimator {
public:
    /// No measurement yet: hasMeasurement() is false and estimates are 0.
    RunTimeEstimator() = default;
    explicit RunTimeEstimator(const RunsModel& model);

    bool hasMeasurement() const { return m_secondsPerImage > 0.0; }
    /// Seconds per training image, validation included as described above.
    double secondsPerImage() const { return m_secondsPerImage; }
    /// Images in the training file of the measured run's dataset (60,000 for MNIST).
    double trainFileImages() const { return m_trainFileImages; }
    /// Estimated seconds of a whole run of `config` at the measured speed.
    double runSeconds(const ExperimentConfig& config) const;

private:
    double m_secondsPerImage = 0.0;
    double m_trainFileImages = 60000.0;  ///< MNIST's until a run says otherwise
};

} // namespace dropoutlab::ui
