#pragma once
// Internal: the readers behind loadDataset() (dataset.h), one per format, and what they share.

#include "dropoutlab/core/dataset.h"

#include <string>
#include <vector>

namespace dropoutlab::detail {

/// Checks what every reader must (at least 2 training and 1 test example, labels in range, the
/// size limit) and sets the class count and names: `classes.txt` in the folder `where` (one name
/// per line) or names the reader set, otherwise "0" .. the largest label. `labelFiles` name the
/// training and test labels' files in errors (`where` when empty).
void finishDataset(DatasetBytes& data, const std::string& where, const std::vector<std::string>& labelFiles);

/// One class name per non-empty line (trailing blanks dropped); at most kMaxClasses.
std::vector<std::string> readClassNames(const std::string& path);

/// CIFAR-10 (data_batch_1.bin ... data_batch_5.bin, test_batch.bin, batches.meta.txt) or CIFAR-100
/// (train.bin, test.bin, fine_label_names.txt) binary batches in `dir`.
DatasetBytes loadCifar(const std::string& dir);
/// The files loadCifar reads.
std::vector<std::string> cifarFiles(const std::string& dir);

/// A table's path: the CSV file and the label column named after '#' (empty: the last column).
struct TablePath {
    std::string file;
    std::string labelColumn;
};
TablePath splitTablePath(const std::string& path);
/// True for `*.csv` and `*.csv#COLUMN`.
bool isTablePath(const std::string& path);
/// A CSV table (docs/datasets.md): numeric features, a label column, 20 % of each class held out
/// as the test set with a fixed seed.
DatasetBytes loadCsv(const std::string& path);

} // namespace dropoutlab::detail
