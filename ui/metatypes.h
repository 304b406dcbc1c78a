#pragma once
// Engine value types that cross threads in queued signals.

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/run_result.h"

#include <QMetaType>

Q_DECLARE_METATYPE(dropoutlab::ExperimentConfig)
Q_DECLARE_METATYPE(dropoutlab::RunInfo)
Q_DECLARE_METATYPE(dropoutlab::BatchProgress)
Q_DECLARE_METATYPE(dropoutlab::EpochMetrics)
Q_DECLARE_METATYPE(dropoutlab::RunResult)

namespace dropoutlab::ui {

/// Registers the engine types for queued connections; safe to call more than once.
void registerMetaTypes();

} // namespace dropoutlab::ui
