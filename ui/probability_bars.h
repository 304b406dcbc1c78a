#pragma once

#include <QColor>
#include <QWidget>

#include <vector>

namespace dropoutlab::ui {

/// Class probabilities of one image as bars: the deterministic prediction (grey) beside the MC
/// mean (in the run's colour) with a ±1 standard deviation whisker. Exports from its context menu.
class ProbabilityBars final : public QWidget {
    Q_OBJECT

public:
    explicit ProbabilityBars(QWidget* parent = nullptr);
    /// `mcMean`/`mcStd` may be empty (no active dropout site). `title` names the image.
    void setProbabilities(const QString& title, const std::vector<double>& deterministic,
                          const std::vector<double>& mcMean, const std::vector<double>& mcStd, const QColor& color);
    void clear(const QString& message);
    /// Names drawn under the bars (elided to fit); empty: the class numbers.
    void setClassNames(const QStringList& names);
    const QString& title() const { return m_title; }
    QSize sizeHint() const override { return {420, 220}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    QString m_title;
    QStringList m_names;
    std::vector<double> m_deterministic;
    std::vector<double> m_mean;
    std::vector<double> m_std;
    QColor m_color;
};

} // namespace dropoutlab::ui
