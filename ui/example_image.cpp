#include "example_image.h"

namespace dropoutlab::ui {

QImage exampleImage(const DatasetBytes& data, bool test, std::size_t index)
{
    const int w = data.shape.width, h = data.shape.height, channels = data.shape.channels;
    const std::size_t plane = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    const auto& images = test ? data.testImages : data.trainImages;
    const std::uint8_t* pixels = images.data() + index * static_cast<std::size_t>(data.imageBytes());
    QImage image(w, h, channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    for (int y = 0; y < h; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c)
                line[channels * x + c] = pixels[static_cast<std::size_t>(c) * plane + static_cast<std::size_t>(y * w + x)];
    }
    return image;
}

} // namespace dropoutlab::ui
