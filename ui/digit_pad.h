#pragma once

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <vector>

namespace dropoutlab::ui {

/// A square canvas to draw a digit on with the mouse (white ink on black, like MNIST). Emits
/// `changed` with the digit made into a 28 x 28 MNIST image (dropoutlab/core/digit_image.h).
class DigitPad final : public QWidget {
    Q_OBJECT

public:
    explicit DigitPad(QWidget* parent = nullptr);
    /// The current drawing as an MNIST image (all zero when blank).
    std::vector<std::uint8_t> mnistImage() const;
    /// Draws a stroke through `points` (widget coordinates), as the mouse would (tests).
    void drawStroke(const QList<QPointF>& points);
    void clear();
    QSize sizeHint() const override { return {240, 240}; }

Q_SIGNALS:
    void changed(const std::vector<std::uint8_t>& image);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    void lineTo(const QPointF& point);
    QPointF toCanvas(const QPointF& widgetPoint) const;

    QImage m_canvas;  ///< fixed 280 x 280, grayscale ink
    QPointF m_last;
    bool m_drawing = false;
};

} // namespace dropoutlab::ui
