#pragma once
// Sweeps in the core library: the grid, its statistics and its folder. Training a sweep is the
// torch library's (dropoutlab/sweep_runner.h).

#include "dropoutlab/sweep_folder.h"
#include "dropoutlab/sweep_spec.h"
#include "dropoutlab/sweep_stats.h"
