#pragma once
// A dataset's picture (grey or RGB planes, as the core holds them) as a QImage: the dataset
// chooser's samples and the analysis gallery draw through it.

#include "dropoutlab/core/dataset.h"

#include <QImage>

namespace dropoutlab::ui {

/// Picture `index` of the test images (`test`) or of the training images; not for tables.
QImage exampleImage(const DatasetBytes& data, bool test, std::size_t index);

} // namespace dropoutlab::ui
