#pragma once
// Precompiled for the engine: parsing the torch headers costs ~25 s per translation unit.
#include <torch/torch.h>
