#include "digit_pad.h"

#include "dropoutlab/core/digit_image.h"

#include <QMouseEvent>
#include <QPainter>

namespace dropoutlab::ui {

namespace {
constexpr int kCanvas = 280;
constexpr double kPen = 22.0;  // a pen as wide as MNIST's strokes relative to the digit
} // namespace

DigitPad::DigitPad(QWidget* parent) : QWidget(parent), m_canvas(kCanvas, kCanvas, QImage::Format_Grayscale8)
{
    m_canvas.fill(0);
    setMinimumSize(160, 160);
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Draw a digit with the mouse; right-click clears"));
}

std::vector<std::uint8_t> DigitPad::mnistImage() const
{
    std::vector<float> ink(static_cast<std::size_t>(kCanvas) * kCanvas);
    for (int y = 0; y < kCanvas; ++y) {
        const uchar* row = m_canvas.constScanLine(y);
        for (int x = 0; x < kCanvas; ++x)
            ink[static_cast<std::size_t>(y) * kCanvas + x] = row[x] / 255.0f;
    }
    return mnistFromCanvas(ink, kCanvas, kCanvas);
}

void DigitPad::clear()
{
    m_canvas.fill(0);
    update();
    Q_EMIT changed(mnistImage());
}

void DigitPad::drawStroke(const QList<QPointF>& points)
{
    if (points.isEmpty())
        return;
    m_last = toCanvas(points.front());
    lineTo(points.front());
    for (const QPointF& point : points)
        lineTo(point);
    Q_EMIT changed(mnistImage());
}

QPointF DigitPad::toCanvas(const QPointF& widgetPoint) const
{
    const int side = std::min(width(), height());
    return widgetPoint * (static_cast<double>(kCanvas) / std::max(side, 1));
}

void DigitPad::lineTo(const QPointF& point)
{
    const QPointF target = toCanvas(point);
    QPainter p(&m_canvas);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(Qt::white, kPen, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawLine(m_last, target);
    m_last = target;
    update();
}

void DigitPad::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const int side = std::min(width(), height());
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(QRect(0, 0, side, side), m_canvas);
    p.setPen(palette().mid().color());
    p.drawRect(0, 0, side - 1, side - 1);
}

void DigitPad::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::RightButton) {
        clear();
        return;
    }
    m_drawing = true;
    m_last = toCanvas(event->position());
    lineTo(event->position());
}

void DigitPad::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_drawing)
        return;
    lineTo(event->position());
    Q_EMIT changed(mnistImage());  // live as you draw
}

void DigitPad::mouseReleaseEvent(QMouseEvent*)
{
    if (!m_drawing)
        return;
    m_drawing = false;
    Q_EMIT changed(mnistImage());
}

} // namespace dropoutlab::ui
