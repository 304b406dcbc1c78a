#pragma once
// The dropout kind choosers of the panel's dropout rows and the network editor: one list of kinds,
// their labels and tooltips (docs/dropout-kinds.md).

#include "dropoutlab/core/experiment_config.h"

class QComboBox;

namespace dropoutlab::ui {

/// Fills `combo` with the kinds `site` can take (channel and DropBlock on feature maps only,
/// DropBlock's block sides that fit its maps, DropConnect where a weighted layer follows); with
/// no site, every kind (DropBlock with its default block).
void fillKindCombo(QComboBox* combo, const DropoutSite* site);
/// Selects `setting`'s kind (and block size) in `combo`, adding it when the list lacks it.
void selectKind(QComboBox* combo, const DropoutSetting& setting);
/// The kind (and DropBlock's block size) selected in `combo`, written into `setting`.
void readKind(const QComboBox* combo, DropoutSetting& setting);

} // namespace dropoutlab::ui
