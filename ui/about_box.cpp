#include "about_box.h"

#include "dropoutlab_build.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace dropoutlab::ui {
namespace {

BuildInfo appBuild()
{
    BuildInfo build = thisBuild();
    build.qt = qVersion();  // the Qt in use, which may be newer than the one built against
    return build;
}

} // namespace

QString appVersionReport()
{
    return QString::fromStdString(versionReportText("dropoutlab", appBuild(), systemInfo()));
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("About DropoutLab"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("<h3>DropoutLab %1</h3><p>A workbench for dropout experiments: per-layer dropout, "
                                "live training curves, sweeps over rates and seeds, MC-dropout uncertainty.</p>"
                                "<p>Reference: the MNIST CNN trained with and without dropout (published 99.07 % "
                                "and 99.12 %).</p>")
                                 .arg(QString::fromStdString(thisBuild().version).toHtmlEscaped()));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    const SystemInfo system = systemInfo();
    for (const auto& [label, value] : versionReport("dropoutlab", appBuild(), system)) {
        auto* field = new QLabel(QString::fromStdString(value));
        field->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        field->setWordWrap(true);
        form->addRow(QString::fromStdString(label) + QLatin1Char(':'), field);
    }
    m_report = QString::fromStdString(versionReportText("dropoutlab", appBuild(), system));
    layout->addLayout(form);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    copy->setObjectName(QStringLiteral("copyReport"));
    copy->setToolTip(tr("Copy these lines to the clipboard, for a bug report"));
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_report); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    setMinimumWidth(560);
}

void showAbout(QWidget* parent)
{
    auto* dialog = new AboutDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

} // namespace dropoutlab::ui
