#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace dropoutlab::ui {

class RunQueue;
class RunsModel;

/// For unattended runs (--quit-when-done): nobody watches the window, so each epoch and each
/// run's end is reported as a line (on stderr unless another sink is given).
class HeadlessReporter final : public QObject {
    Q_OBJECT

public:
    using Sink = std::function<void(const QString& line)>;
    HeadlessReporter(const RunsModel* model, const RunQueue* queue, Sink sink = {}, QObject* parent = nullptr);

private:
    void write(const QString& line) const;

    const RunsModel* m_model;
    Sink m_sink;
};

} // namespace dropoutlab::ui
