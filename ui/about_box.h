#pragma once

#include <QDialog>
#include <QString>

namespace dropoutlab::ui {

/// The app's build and system report: the rows of dropoutlab::versionReport with the Qt version
/// in use. The same text as `dropoutlab --version` and `dropoutlab-cli --version --verbose`.
QString appVersionReport();

/// Help > About: what DropoutLab is, then version, commit, build date, Qt, LibTorch, BLAS, CPU
/// threads, CUDA/cuDNN and GPU, with a Copy button for bug reports.
class AboutDialog final : public QDialog {
    Q_OBJECT

public:
    explicit AboutDialog(QWidget* parent = nullptr);
    /// What Copy puts on the clipboard.
    const QString& reportText() const { return m_report; }

private:
    QString m_report;
};

/// Opens the About dialog (not modal; it deletes itself when closed).
void showAbout(QWidget* parent);

} // namespace dropoutlab::ui
