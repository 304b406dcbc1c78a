#include "chart_export.h"

#include <QChartView>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QFileInfo>
#include <QImage>
#include <QObject>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

namespace dropoutlab::ui {
namespace {

constexpr qreal kPngScale = 2.0;

QString commit(QSaveFile& file)
{
    return file.commit() ? QString() : QObject::tr("cannot write %1: %2").arg(file.fileName(), file.errorString());
}

QString savePng(QWidget* widget, const QString& path)
{
    QImage image(widget->size() * kPngScale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(kPngScale);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        widget->render(&painter);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
    if (!image.save(&file, "PNG"))
        return QObject::tr("cannot encode %1 as PNG").arg(path);
    return commit(file);
}

QString saveSvg(QWidget* view, const QString& title, const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(view->size());
    generator.setViewBox(QRect(QPoint(0, 0), view->size()));
    generator.setTitle(title);
    generator.setDescription(QObject::tr("Exported by DropoutLab"));
    {
        QPainter painter(&generator);
        painter.setRenderHint(QPainter::Antialiasing);
        view->render(&painter);
    }
    return commit(file);
}

QString savePdf(QWidget* view, const QString& title, const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
    {
        QPdfWriter writer(&file);
        writer.setTitle(title);
        writer.setCreator(QStringLiteral("DropoutLab"));
        writer.setResolution(144);
        // A page the shape of the chart, at 72 pt per logical pixel.
        writer.setPageSize(QPageSize(QSizeF(view->width(), view->height()), QPageSize::Point));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter(&writer);
        painter.setRenderHint(QPainter::Antialiasing);
        const qreal scale = writer.resolution() / 72.0;
        painter.scale(scale, scale);
        view->render(&painter);
    }
    return commit(file);
}

} // namespace

QString exportPicture(QWidget* widget, const QString& title, const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png"))
        return savePng(widget, path);
    if (suffix == QLatin1String("svg"))
        return saveSvg(widget, title, path);
    if (suffix == QLatin1String("pdf"))
        return savePdf(widget, title, path);
    return QObject::tr("%1: unknown picture format '%2'; expected .png, .svg or .pdf").arg(path, suffix);
}

QString exportChart(QChartView* view, const QString& path)
{
    return exportPicture(view, view->chart()->title(), path);
}

void showExportMenu(QWidget* widget, const QPoint& globalPos, const QString& title, const QString& fileStem)
{
    QMenu menu(widget);
    menu.addAction(QObject::tr("Save picture as PNG, SVG or PDF…"), widget,
                   [widget, title, fileStem] { exportPictureWithDialog(widget, title, fileStem); });
    menu.exec(globalPos);
}

void exportPictureWithDialog(QWidget* widget, const QString& title, const QString& fileStem)
{
    const QString path = QFileDialog::getSaveFileName(widget, QObject::tr("Export “%1”").arg(title),
                                                      QDir::home().filePath(fileStem + ".png"), chartFileFilter());
    if (path.isEmpty())
        return;
    const QString error = exportPicture(widget, title, path);
    if (!error.isEmpty())
        QMessageBox::warning(widget, QObject::tr("Export failed"), error);
}

QString exportWidgetPng(QWidget* widget, const QString& path)
{
    return savePng(widget, path);
}

QString chartFileFilter()
{
    return QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

} // namespace dropoutlab::ui
