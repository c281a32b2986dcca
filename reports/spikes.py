"""Is the latest count unusual? Counts per window against a seasonal baseline.

With four weeks of history or more, the baseline is a count model: expected count = recent level
x day-of-week factor (x hour-of-day factor for hourly windows). Factors come from up to 26 weeks
(8 for hourly windows) and are shrunk toward 1 when counts are low; the level comes from the
last four weeks. Past spikes are capped before fitting. Extra-Poisson variation is measured from
the history (quasi-Poisson dispersion), the uncertainty of the estimates is added, and the tail
probability of the observed count is read from a negative binomial with that mean and variance
(Poisson when there is no excess variance).

With nine days to four weeks of history, an EARS C2-style test stands in: mean and spread of the
same window on the seven days before, skipping the two most recent days.

`sensitivity` sets the tail probability below which a day is a spike; hourly windows are tested
24 times a day, so their threshold is 24 times smaller. `min_count` keeps tiny counts quiet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean, median, pstdev

# Tail probability per daily test. "medium" is tuned with bench/spikes.py: at most one false alert
# per metric per 90 days, and 2x spikes caught at baselines of 20 a day and more.
SENSITIVITY = {"low": 0.002, "medium": 0.01, "high": 0.03}
MODEL_DAYS = 28  # history needed for the count model
LEVEL_DAYS = 28  # the level comes from the last four weeks
EARS_DAYS = 9  # history needed for the EARS-style test: 7 baseline days + 2 guard days
FACTOR_DAYS = {1: 182, 24: 56}  # history for the seasonal factors: daily and hourly windows
GUARD_DAYS = 2  # most recent days left out of the baseline, so a spike does not raise its own
SPAN_SHARES = {1: 0.7, 2: 0.3}  # daily tests: the last day, the last two days; share of alpha
PRIOR = 5.0  # pseudo-count pulling seasonal factors toward 1 when counts are low
CHI2_MEDIAN = 0.4549  # median of chi-squared with one degree of freedom
OUTLIER_SIGMA = 2.5  # past windows further above their fit than this are capped


@dataclass(frozen=True)
class Verdict:
    observed: float
    expected: float
    p_value: float
    spike: bool
    method: str  # "count-model", "ears", "binomial", or "too-little-history"
    windows: int = 1  # how many of the latest windows the counts cover

    @property
    def ratio(self) -> float | None:
        return None if self.expected <= 0 else self.observed / self.expected


def _log_pmf(k: int, mean: float, variance: float) -> float:
    if variance <= mean * (1 + 1e-9):
        return -mean + k * math.log(mean) - math.lgamma(k + 1)
    r = mean * mean / (variance - mean)
    p = r / (r + mean)
    return (math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1)
            + r * math.log(p) + k * math.log1p(-p))


def upper_tail(observed: int, mean: float, variance: float) -> float:
    """P(X >= observed) for a count with this mean and variance (Poisson or negative binomial).

    Only tails beyond the mean are computed exactly; at or below the mean the answer is 1.
    """
    mean = max(mean, 1e-6)
    if observed <= mean:
        return 1.0
    total, k = 0.0, observed
    while True:
        term = math.exp(_log_pmf(k, mean, variance))
        total += term
        k += 1
        if term <= total * 1e-12 or k > observed + 100_000:
            return min(1.0, total)


@dataclass(frozen=True)
class Seasons:
    """For each window: its level in each seasonal factor (weekday 0-6; hour of day 0-23)."""

    indices: Sequence[Sequence[int]]  # one sequence per factor, aligned with the counts
    sizes: Sequence[int]  # number of levels of each factor


def _factors(
    values: Sequence[float], seasons: Seasons
) -> tuple[list[list[float]], list[list[float]], list[float]]:
    """Multiplicative factors fitted on the values, their level sums, and fitted shapes."""
    n = len(values)
    fitted = [1.0] * n
    factors, sums_by_factor = [], []
    total = float(sum(values))
    for indices, size in zip(seasons.indices, seasons.sizes, strict=True):
        shape_total = sum(fitted)
        scale = total / shape_total if shape_total else 0.0
        sums, expected = [0.0] * size, [0.0] * size
        for t in range(n):
            sums[indices[t]] += values[t]
            expected[indices[t]] += fitted[t] * scale
        factor = [(sums[s] + PRIOR) / (expected[s] + PRIOR) for s in range(size)]
        weight = sum(expected)
        norm = sum(f * e for f, e in zip(factor, expected, strict=True)) / weight if weight else 1.0
        factor = [f / norm for f in factor]
        fitted = [fitted[t] * factor[indices[t]] for t in range(n)]
        factors.append(factor)
        sums_by_factor.append(sums)
    return factors, sums_by_factor, fitted


def _block_levels(values: Sequence[float], fitted: Sequence[float], span: int) -> list[float]:
    """The level of each window: one level per block of `span` windows, counted from the end."""
    levels = [0.0] * len(values)
    for stop in range(len(values), 0, -span):
        block = range(max(0, stop - span), stop)
        observed = sum(values[t] for t in block)
        shape = sum(fitted[t] for t in block)
        for t in block:
            levels[t] = observed / shape if shape else 0.0
    return levels


def _dispersion(
    values: Sequence[float],
    means: Sequence[float],
    capped: Sequence[bool],
    parameters: int,
    robust: bool = False,
) -> float:
    """Pearson dispersion over windows not capped as outliers (at least 1, as for Poisson).

    `robust` uses the median squared residual instead: a first pass, before past spikes are
    known, that they cannot inflate.
    """
    squares = [
        (y - mean) ** 2 / mean
        for y, mean, cap in zip(values, means, capped, strict=True)
        if mean > 0 and not cap
    ]
    if robust:
        return max(1.0, median(squares) / CHI2_MEDIAN) if squares else 1.0
    freedom = len(squares) - parameters
    return max(1.0, sum(squares) / freedom) if freedom > 0 else 1.0


@dataclass(frozen=True)
class Baseline:
    """A fitted count model: what the windows after its history should hold."""

    level: float
    factors: list[list[float]]
    factor_sums: list[list[float]]
    dispersion: float
    recent_total: int

    def expect(self, seasons: Sequence[Sequence[int]]) -> tuple[float, float]:
        """Mean and predictive variance of the sum of windows with these seasonal levels."""
        mean, relative = 0.0, self.dispersion / max(self.recent_total, 1)
        for levels in seasons:
            shape = math.prod(f[i] for f, i in zip(self.factors, levels, strict=True))
            mean += self.level * shape
        for factor_index, factor_sums in enumerate(self.factor_sums):
            used = {levels[factor_index] for levels in seasons}
            relative += self.dispersion / (sum(factor_sums[i] for i in used) + PRIOR)
        return mean, self.dispersion * mean + mean * mean * relative


def fit_baseline(history: Sequence[int], seasons: Seasons, per_day: int) -> Baseline:
    """Fit level, seasonal factors and dispersion to `history` (oldest first).

    Fitted three times. After each fit, windows far above it (past spikes) are capped at
    OUTLIER_SIGMA standard deviations above their fitted mean for the next fit, so an earlier
    episode neither raises the baseline nor makes ordinary days look noisier than they are;
    capping rather than dropping keeps the level and factors nearly unbiased. The first pass
    measures dispersion by the median residual, which spikes cannot inflate.
    """
    span = LEVEL_DAYS * per_day
    parameters = sum(size - 1 for size in seasons.sizes) + math.ceil(len(history) / span)
    values: list[float] = [float(y) for y in history]
    capped = [False] * len(history)
    for robust in (True, False, False):
        factors, sums, fitted = _factors(values, seasons)
        levels = _block_levels(values, fitted, span)
        means = [level * shape for level, shape in zip(levels, fitted, strict=True)]
        dispersion = _dispersion(values, means, capped, parameters, robust=robust)
        caps = [mean + OUTLIER_SIGMA * math.sqrt(dispersion * mean) for mean in means]
        capped = [mean > 0 and y > cap for y, mean, cap in zip(history, means, caps, strict=True)]
        values = [min(float(y), cap) if cut else float(y)
                  for y, cap, cut in zip(history, caps, capped, strict=True)]
    return Baseline(levels[-1], factors, sums, dispersion, round(sum(values[-span:])))


def _ears(counts: Sequence[int], per_day: int, alpha: float, min_count: int) -> Verdict:
    observed = counts[-1]
    baseline = [counts[-1 - per_day * day] for day in range(1 + GUARD_DAYS, 8 + GUARD_DAYS)]
    mean = fmean(baseline)
    spread = max(pstdev(baseline), math.sqrt(max(mean, 0.5)))
    z = (observed - mean) / spread
    p_value = NormalDist().cdf(-z)
    return Verdict(observed, mean, p_value, observed >= min_count and p_value < alpha, "ears", 1)


def detect(
    counts: Sequence[int],
    seasons: Seasons,
    *,
    per_day: int,
    sensitivity: str,
    min_count: int,
) -> Verdict:
    """Whether the latest counts are a spike, given the counts before them (oldest first).

    Daily counts are tested for the last day and for the last two days together (a spike that
    lasts shows more clearly in the sum); the tail probability is shared between the two tests.
    """
    alpha = SENSITIVITY[sensitivity] / per_day
    history_days = (len(counts) - 1) / per_day
    if history_days < EARS_DAYS:
        return Verdict(counts[-1], 0.0, 1.0, False, "too-little-history", 1)
    if history_days < MODEL_DAYS + GUARD_DAYS:
        return _ears(counts, per_day, alpha, min_count)
    end = len(counts) - 1 - GUARD_DAYS * per_day
    start = max(0, end - FACTOR_DAYS[per_day] * per_day)
    history = Seasons([list(ix[start:end]) for ix in seasons.indices], seasons.sizes)
    baseline = fit_baseline(list(counts[start:end]), history, per_day)
    spans = SPAN_SHARES if per_day == 1 else {1: 1.0}
    verdicts = []
    for span, share in spans.items():
        targets = [[ix[t] for ix in seasons.indices] for t in range(len(counts) - span, len(counts))]
        mean, variance = baseline.expect(targets)
        observed = sum(counts[-span:])
        p_value = upper_tail(observed, mean, variance)
        spike = counts[-1] >= min_count and p_value < alpha * share
        verdicts.append(Verdict(observed, mean, p_value, spike, "count-model", span))
    return min(verdicts, key=lambda verdict: (not verdict.spike, verdict.p_value))


def detect_share(
    negatives: Sequence[int],
    totals: Sequence[int],
    *,
    per_day: int,
    sensitivity: str,
    min_count: int,
) -> Verdict:
    """Whether the negative share of the last window is unusually high (overdispersed binomial)."""
    alpha = SENSITIVITY[sensitivity] / per_day
    negative, total = negatives[-1], totals[-1]
    share = negative / total if total else 0.0
    end = len(totals) - 1 - GUARD_DAYS * per_day
    if end < (EARS_DAYS - GUARD_DAYS) * per_day:
        return Verdict(share, 0.0, 1.0, False, "too-little-history")
    start = max(0, end - MODEL_DAYS * per_day)
    base_negative, base_total = sum(negatives[start:end]), sum(totals[start:end])
    p0 = (base_negative + 1) / (base_total + 2)
    pearson, windows = 0.0, 0
    for t in range(max(0, end - FACTOR_DAYS[per_day] * per_day), end):
        if totals[t]:
            pearson += (negatives[t] - totals[t] * p0) ** 2 / (totals[t] * p0 * (1 - p0))
            windows += 1
    dispersion = max(1.0, pearson / (windows - 1)) if windows > 1 else 1.0
    if total < min_count or negative < min_count:
        return Verdict(share, p0, 1.0, False, "binomial")
    variance = dispersion * total * p0 * (1 - p0) * (1 + total / max(base_total, 1))
    z = (negative - total * p0) / math.sqrt(variance)
    p_value = NormalDist().cdf(-z)
    return Verdict(share, p0, p_value, p_value < alpha, "binomial")
