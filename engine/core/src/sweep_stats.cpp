#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/sweep.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace dropoutlab {
namespace {

/// Continued fraction of the regularised incomplete beta function (modified Lentz).
/// Written here rather than taken from Boost.Math so the engine still builds on GPU nodes
/// that have only LibTorch and two small header-only libraries.
double betaContinuedFraction(double a, double b, double x)
{
    constexpr int kMaxIterations = 300;
    constexpr double kEpsilon = 1e-15;
    constexpr double kTiny = 1e-300;
    const double qab = a + b;
    const double qap = a + 1.0;
    const double qam = a - 1.0;
    double c = 1.0;
    double d = 1.0 - qab * x / qap;
    d = 1.0 / (std::abs(d) < kTiny ? kTiny : d);
    double h = d;
    for (int m = 1; m <= kMaxIterations; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = 1.0 / (std::abs(d) < kTiny ? kTiny : d);
        c = 1.0 + aa / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = 1.0 / (std::abs(d) < kTiny ? kTiny : d);
        c = 1.0 + aa / c;
        c = std::abs(c) < kTiny ? kTiny : c;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < kEpsilon)
            break;
    }
    return h;
}

/// I_x(a, b), the regularised incomplete beta function.
double incompleteBeta(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    const double front =
        std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * betaContinuedFraction(a, b, x) / a;
    return 1.0 - front * betaContinuedFraction(b, a, 1.0 - x) / b;
}

} // namespace

Stats computeStats(const std::vector<double>& values)
{
    Stats stats;
    stats.count = static_cast<int>(values.size());
    if (values.empty())
        return stats;
    stats.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    stats.min = *std::min_element(values.begin(), values.end());
    stats.max = *std::max_element(values.begin(), values.end());
    if (values.size() > 1) {
        double squares = 0.0;
        for (const double v : values)
            squares += (v - stats.mean) * (v - stats.mean);
        stats.std = std::sqrt(squares / static_cast<double>(values.size() - 1));
    }
    return stats;
}

double studentTwoSidedP(double t, double df)
{
    if (std::isnan(t) || !(df > 0))
        return std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(t))
        return 0.0;
    return incompleteBeta(df / 2.0, 0.5, df / (df + t * t));
}

double studentQuantile(double q, double df)
{
    if (!(q > 0.0 && q < 1.0) || !(df > 0))
        return std::numeric_limits<double>::quiet_NaN();
    if (q == 0.5)
        return 0.0;
    // CDF(t) = 1 - p/2 for t > 0, with p the two-sided tail; bisect on t.
    const double upper = q > 0.5 ? q : 1.0 - q;
    const double targetTail = 2.0 * (1.0 - upper);
    double lo = 0.0;
    double hi = 1.0;
    while (studentTwoSidedP(hi, df) > targetTail && hi < 1e12)
        hi *= 2.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (studentTwoSidedP(mid, df) > targetTail)
            lo = mid;
        else
            hi = mid;
    }
    const double t = 0.5 * (lo + hi);
    return q > 0.5 ? t : -t;
}

WelchResult welchTest(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() < 2 || b.size() < 2)
        throw ConfigError("Welch's t-test needs at least two runs on each side (have " + std::to_string(a.size()) +
                          " and " + std::to_string(b.size()) + ")");
    const Stats sa = computeStats(a);
    const Stats sb = computeStats(b);
    const double va = sa.std * sa.std / sa.count;
    const double vb = sb.std * sb.std / sb.count;
    WelchResult result;
    result.difference = sa.mean - sb.mean;
    const double se = std::sqrt(va + vb);
    if (se == 0.0) {
        // No spread at all: the difference is exact.
        result.t = result.difference == 0.0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), result.difference);
        result.degreesOfFreedom = static_cast<double>(sa.count + sb.count - 2);
        result.pValue = result.difference == 0.0 ? 1.0 : 0.0;
        result.ciLow = result.ciHigh = result.difference;
        return result;
    }
    result.t = result.difference / se;
    result.degreesOfFreedom =
        (va + vb) * (va + vb) / (va * va / (sa.count - 1) + vb * vb / (sb.count - 1));
    result.pValue = studentTwoSidedP(result.t, result.degreesOfFreedom);
    const double margin = studentQuantile(0.975, result.degreesOfFreedom) * se;
    result.ciLow = result.difference - margin;
    result.ciHigh = result.difference + margin;
    return result;
}

std::vector<PointSummary> aggregateSweep(const SweepSpec& spec, const std::vector<RunRecord>& records)
{
    const auto points = expandPoints(spec);
    std::vector<PointSummary> summaries(points.size());
    for (std::size_t p = 0; p < points.size(); ++p) {
        summaries[p].point = points[p];
        summaries[p].plannedRuns = spec.repeats;
    }
    std::map<std::string, int> pointOfRun;
    for (const auto& run : expandSweep(spec))
        pointOfRun[run.id] = run.point;

    std::vector<std::vector<double>> best(points.size()), gaps(points.size()), lossGaps(points.size());
    for (const auto& record : records) {
        const auto it = pointOfRun.find(record.id);
        if (it == pointOfRun.end())
            continue;
        PointSummary& summary = summaries[static_cast<std::size_t>(it->second)];
        const RunResult& r = record.result;
        if (r.status == RunStatus::Stopped) {
            ++summary.stoppedRuns;
            continue;
        }
        if (r.status != RunStatus::Completed || !r.testAccuracy || r.epochs.empty())
            continue;
        ++summary.completedRuns;
        summary.testAccuracies.push_back(*r.testAccuracy);
        best[static_cast<std::size_t>(it->second)].push_back(r.bestValAccuracy);
        bool dropoutOff = false;
        gaps[static_cast<std::size_t>(it->second)].push_back(trainValGap(r.epochs.back(), &dropoutOff));
        if (!dropoutOff)
            ++summary.gapsWithDropout;
        if (const auto lossGap = valTrainLossGap(r.epochs.back()))
            lossGaps[static_cast<std::size_t>(it->second)].push_back(*lossGap);
    }
    for (std::size_t p = 0; p < points.size(); ++p) {
        summaries[p].testAccuracy = computeStats(summaries[p].testAccuracies);
        summaries[p].bestValAccuracy = computeStats(best[p]);
        summaries[p].gap = computeStats(gaps[p]);
        summaries[p].lossGap = computeStats(lossGaps[p]);
    }
    return summaries;
}

std::vector<std::vector<Stats>> marginalTestAccuracy(const SweepSpec& spec, const std::vector<PointSummary>& points)
{
    std::vector<std::vector<Stats>> result;
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
        const SweepAxis& axis = spec.axes[a];
        std::vector<std::vector<double>> means(axis.values.size());
        for (const PointSummary& p : points) {
            if (p.completedRuns == 0 || a >= p.point.values.size())
                continue;
            for (std::size_t v = 0; v < axis.values.size(); ++v) {
                if (p.point.values[a].second == axis.values[v])
                    means[v].push_back(p.testAccuracy.mean);
            }
        }
        std::vector<Stats> stats;
        for (const auto& m : means)
            stats.push_back(computeStats(m));
        result.push_back(std::move(stats));
    }
    return result;
}

} // namespace dropoutlab
