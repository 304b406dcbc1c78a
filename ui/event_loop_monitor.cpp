#include "event_loop_monitor.h"

#include <algorithm>
#include <ctime>

namespace dropoutlab::ui {
namespace {
constexpr int kIntervalMs = 10;

/// CPU seconds the calling thread has used.
double threadCpuSeconds()
{
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
        return 0.0;
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}
} // namespace

EventLoopMonitor::EventLoopMonitor(QObject* parent)
    : QObject(parent)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(kIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &EventLoopMonitor::tick);
}

void EventLoopMonitor::start()
{
    m_clock.start();
    m_cpuAtStart = threadCpuSeconds();
    m_last = 0;
    m_timer.start();
}

void EventLoopMonitor::tick()
{
    const qint64 now = m_clock.nsecsElapsed();
    const qint64 stall = now - m_last - qint64{kIntervalMs} * 1000000;
    m_last = now;
    ++m_ticks;
    m_longestNs = std::max(m_longestNs, stall);
    m_recentNs = std::max(m_recentNs, stall);
    m_over50 += stall > 50000000 ? 1 : 0;
    m_over100 += stall > 100000000 ? 1 : 0;
}

double EventLoopMonitor::takeRecentStallMs()
{
    const double recent = static_cast<double>(m_recentNs) / 1e6;
    m_recentNs = 0;
    return recent;
}

QString EventLoopMonitor::summary() const
{
    return QStringLiteral("event loop: %1 ticks of %2 ms over %3 s; longest stall %4 ms; stalls over 50 ms: %5, "
                          "over 100 ms: %6; GUI thread CPU %7 s")
        .arg(m_ticks)
        .arg(kIntervalMs)
        .arg(m_clock.isValid() ? m_clock.elapsed() / 1000.0 : 0.0, 0, 'f', 1)
        .arg(longestStallMs(), 0, 'f', 1)
        .arg(m_over50)
        .arg(m_over100)
        .arg(threadCpuSeconds() - m_cpuAtStart, 0, 'f', 2);
}

} // namespace dropoutlab::ui
