#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

namespace dropoutlab::ui {

/// Measures how responsive the GUI thread is: a 10 ms timer notes how late each of its ticks
/// comes. A stall is the time the event loop could not answer (a tick's delay beyond its interval).
/// Start and summarise it on the GUI thread (the summary counts that thread's CPU time).
class EventLoopMonitor final : public QObject {
    Q_OBJECT

public:
    explicit EventLoopMonitor(QObject* parent = nullptr);
    void start();
    double longestStallMs() const { return m_longestNs / 1e6; }
    long long ticks() const { return m_ticks; }
    /// The longest stall since the previous call (or start), to tell which action caused one.
    double takeRecentStallMs();
    /// One line: ticks, the longest stall, how many stalls exceeded 50 and 100 ms, the thread's CPU time.
    QString summary() const;

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    double m_cpuAtStart = 0.0;
    qint64 m_longestNs = 0;
    qint64 m_recentNs = 0;
    long long m_ticks = 0;
    int m_over50 = 0;
    int m_over100 = 0;
};

} // namespace dropoutlab::ui
