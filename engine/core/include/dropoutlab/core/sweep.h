#pragma once
// Sweeps in the core library: the grid, its statistics and its folder. Training a sweep is the
// torch library's (dropoutlab/sweep_runner.h).

#include "dropoutlab/core/sweep_folder.h"
#include "dropoutlab/core/sweep_spec.h"
#include "dropoutlab/core/sweep_stats.h"
