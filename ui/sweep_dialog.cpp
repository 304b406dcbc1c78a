#include "sweep_dialog.h"

#include "theme.h"

#include "dropoutlab/core/errors.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dropoutlab::ui {
namespace {

QString formatDuration(double seconds)
{
    const long s = static_cast<long>(seconds + 0.5);
    if (s >= 3600)
        return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60);
    if (s >= 60)
        return QObject::tr("%1 min").arg((s + 30) / 60);
    return QObject::tr("%1 s").arg(s);
}

} // namespace

SweepDialog::SweepDialog(const ExperimentConfig& base, const RunTimeEstimator& estimator, QWidget* parent)
    : QDialog(parent), m_base(base), m_estimator(estimator)
{
    setWindowTitle(tr("Dropout Sweep"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Varies the settings below over a grid, with the current panel settings as the base. "
                                "Values: a list <code>0, 0.25, 0.5</code> or a range <code>0:0.5:0.1</code> "
                                "(start:stop:step)."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* axesBox = new QGroupBox(tr("Axes"));
    auto* grid = new QGridLayout(axesBox);
    auto addRow = [&](const QString& parameter, const QString& label, const QString& tip, const QString& defaults) {
        AxisRow row;
        row.parameter = parameter;
        row.enabled = new QCheckBox(label);
        row.enabled->setToolTip(tip);
        row.values = new QLineEdit(defaults);
        row.values->setEnabled(false);
        const int line = grid->rowCount();
        grid->addWidget(row.enabled, line, 0);
        grid->addWidget(row.values, line, 1);
        QLineEdit* values = row.values;
        connect(row.enabled, &QCheckBox::toggled, this, [this, values](bool on) {
            values->setEnabled(on);
            updatePreview();
        });
        connect(row.values, &QLineEdit::textChanged, this, &SweepDialog::updatePreview);
        m_rows.push_back(row);
    };
    for (const auto& site : dropoutSites(base))
        addRow(QString::fromStdString(site.name), tr("%1 rate").arg(QString::fromStdString(site.name)),
               QString::fromStdString(site.description), QStringLiteral("0, 0.25, 0.5"));
    addRow(QStringLiteral("learning_rate"), tr("learning rate"), tr("The base learning rate"), QStringLiteral("0.005, 0.01, 0.02"));
    addRow(QStringLiteral("momentum"), tr("momentum"), tr("SGD momentum"), QStringLiteral("0.5, 0.9, 0.95"));
    addRow(QStringLiteral("weight_decay"), tr("weight decay"), tr("L2 penalty added to every gradient (0: off)"),
           QStringLiteral("0, 0.0001, 0.001"));
    addRow(QStringLiteral("max_norm"), tr("max-norm"),
           tr("Bound on each hidden unit's incoming weight norm after every step (0: off)"), QStringLiteral("0, 3, 4"));
    addRow(QStringLiteral("train_subset"), tr("training images"),
           tr("Size of the class-balanced training subset"), QStringLiteral("1000, 5000, 20000"));
    layout->addWidget(axesBox);

    layout->addLayout(settingsForm(base));
    for (QSpinBox* box : {m_repeats, m_firstSeed, m_halving})
        connect(box, &QSpinBox::valueChanged, this, &SweepDialog::updatePreview);

    m_preview = new QLabel;
    m_preview->setWordWrap(true);
    layout->addWidget(m_preview);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Queue sweep"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);

    // The published question: fc1 with and without dropout.
    setAxis(QStringLiteral("fc1"), QStringLiteral("0, 0.25, 0.5"));
    updatePreview();
}

QFormLayout* SweepDialog::settingsForm(const ExperimentConfig& base)
{
    auto* form = new QFormLayout;
    m_name = new QLineEdit(tr("dropout sweep"));
    m_repeats = new QSpinBox;
    m_repeats->setRange(1, 100);
    m_repeats->setValue(3);
    m_repeats->setToolTip(tr("Runs per grid point with different seeds: the spread over seeds tells whether a "
                             "difference between points is real"));
    m_firstSeed = new QSpinBox;
    m_firstSeed->setRange(0, 1'000'000);
    m_firstSeed->setValue(static_cast<int>(base.seeds.init));
    m_halving = new QSpinBox;
    m_halving->setRange(0, std::max(0, base.epochs - 1));
    m_halving->setSpecialValueText(tr("off"));
    m_halving->setToolTip(tr("After this epoch, stop the worse half of the points (by mean validation accuracy)"));
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Seeds per point"), m_repeats);
    form->addRow(tr("First seed"), m_firstSeed);
    form->addRow(tr("Successive halving after epoch"), m_halving);
    m_varySplit = new QCheckBox(tr("Each seed also draws another training/validation split"));
    m_varySplit->setToolTip(tr("Split seed + repeat: the spread over seeds then includes the split's noise, "
                               "which dominates on small datasets. The test set stays the same."));
    form->addRow(tr("Split"), m_varySplit);
    return form;
}

void SweepDialog::setAxis(const QString& parameter, const QString& values)
{
    for (auto& row : m_rows) {
        if (row.parameter == parameter) {
            row.values->setText(values);
            row.enabled->setChecked(true);
        }
    }
    updatePreview();
}

void SweepDialog::setRepeats(int repeats)
{
    m_repeats->setValue(repeats);
}

SweepSpec SweepDialog::buildSpec() const
{
    SweepSpec spec;
    spec.name = m_name->text().trimmed().toStdString();
    if (spec.name.empty())
        spec.name = "sweep";
    spec.base = m_base;
    spec.repeats = m_repeats->value();
    spec.firstSeed = static_cast<std::uint64_t>(m_firstSeed->value());
    spec.halving.atEpoch = m_halving->value();
    spec.varySplit = m_varySplit->isChecked();
    for (const auto& row : m_rows) {
        if (row.enabled->isChecked())
            spec.axes.push_back(parseSweepAxis(row.parameter.toStdString() + "=" +
                                               row.values->text().remove(QLatin1Char(' ')).toStdString()));
    }
    if (spec.axes.empty())
        throw ConfigError("tick at least one axis");
    validateSweep(spec);
    return spec;
}

SweepSpec SweepDialog::spec() const
{
    return buildSpec();
}

QString SweepDialog::preview() const
{
    return m_previewText;
}

void SweepDialog::updatePreview()
{
    if (!m_preview)
        return;
    bool ok = false;
    try {
        const SweepSpec spec = buildSpec();
        const auto points = expandPoints(spec);
        const auto runs = expandSweep(spec);
        m_previewText = tr("%1 point(s) × %2 seed(s) = <b>%3 runs</b>")
                            .arg(points.size())
                            .arg(spec.repeats)
                            .arg(runs.size());
        if (m_estimator.hasMeasurement()) {
            double seconds = 0.0;
            for (const auto& run : runs)
                seconds += m_estimator.runSeconds(run.config);
            if (spec.halving.atEpoch > 0)
                seconds *= (spec.halving.atEpoch + 0.5 * (spec.base.epochs - spec.halving.atEpoch)) / spec.base.epochs;
            m_previewText += tr(" · about %1 at the measured speed").arg(formatDuration(seconds));
        } else {
            m_previewText += tr(" · time estimate after the first run");
        }
        m_preview->setPalette(QPalette());  // the inherited colours again
        ok = true;
    } catch (const Error& error) {
        m_previewText = QString::fromStdString(error.what());
        setTextColour(m_preview, problemColor(palette()));
    }
    m_preview->setText(m_previewText);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

} // namespace dropoutlab::ui
