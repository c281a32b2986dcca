from __future__ import annotations

import math
import random
from fractions import Fraction

from reports.spikes import Seasons, detect, detect_share, upper_tail

WEEKLY = (2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5)  # Mondays busy, weekends quiet


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def daily_series(days: int, level: float, seed: int = 1) -> tuple[list[int], Seasons]:
    rng = random.Random(seed)
    counts = [poisson(rng, level * WEEKLY[day % 7]) for day in range(days)]
    return counts, Seasons([[day % 7 for day in range(days)]], [7])


def verdict_for(history: list[int], seasons: Seasons, today: int, **options: object):
    days = len(history) + 1
    series = [*history, today]
    return detect(series, Seasons([[d % 7 for d in range(days)]], [7]), per_day=1,
                  sensitivity=str(options.get("sensitivity", "medium")),
                  min_count=int(options.get("min_count", 5)))  # type: ignore[call-overload]


def test_poisson_tail_matches_the_exact_sum() -> None:
    exact = 1 - sum(math.exp(-3) * 3**k / math.factorial(k) for k in range(10))
    assert math.isclose(upper_tail(10, 3.0, 3.0), exact, rel_tol=1e-9)


def test_negative_binomial_tail_matches_the_exact_sum() -> None:
    # mean 10, variance 20: r = 10, p = 1/2. P(X = k) = C(k + 9, k) / 2**(k + 10).
    exact = 1 - sum(Fraction(math.comb(k + 9, k), 2 ** (k + 10)) for k in range(25))
    assert math.isclose(upper_tail(25, 10.0, 20.0), float(exact), rel_tol=1e-9)


def test_a_busy_monday_is_normal_but_the_same_count_on_a_tuesday_is_a_spike() -> None:
    history, seasons = daily_series(8 * 7, level=20)  # 56 days: day 56 is a Monday
    monday = verdict_for(history, seasons, 42)
    assert not monday.spike and 30 < monday.expected < 50
    tuesday = verdict_for([*history, 20], seasons, 42)
    assert tuesday.spike and 15 < tuesday.expected < 25
    assert tuesday.method == "count-model"


def test_a_doubling_over_two_days_is_caught_even_when_each_day_alone_is_borderline() -> None:
    history, seasons = daily_series(10 * 7 + 2, level=20, seed=3)  # ends on a Wednesday
    verdict = verdict_for([*history, 33], seasons, 33)
    assert verdict.spike
    assert verdict.windows in (1, 2)


def test_an_earlier_spike_does_not_hide_the_next_one() -> None:
    history, seasons = daily_series(10 * 7, level=20, seed=5)
    for day in (40, 41, 55):
        history[day] = 100
    history.append(20)  # day 70, a Monday-free Tuesday
    assert verdict_for(history, seasons, 45).spike


def test_min_count_keeps_small_numbers_quiet() -> None:
    history = [0] * 60
    quiet = verdict_for(history, Seasons([], []), 4)
    assert quiet.p_value < 1e-3 and not quiet.spike
    assert verdict_for(history, Seasons([], []), 5).spike


def test_short_history_uses_the_ears_method_and_very_short_none() -> None:
    history, _ = daily_series(14, level=10, seed=2)
    ears = verdict_for(history, Seasons([], []), 40)
    assert ears.method == "ears" and ears.spike
    assert not verdict_for(history, Seasons([], []), 12).spike
    tiny = verdict_for(history[:5], Seasons([], []), 40)
    assert tiny.method == "too-little-history" and not tiny.spike


def test_sensitivity_moves_the_threshold() -> None:
    history, seasons = daily_series(10 * 7 + 1, level=20, seed=9)  # ends on a Monday; test Tue

    def smallest_spike(level: str) -> int:
        return next(count for count in range(20, 100)
                    if verdict_for(history, seasons, count, sensitivity=level).spike)

    assert smallest_spike("high") < smallest_spike("medium") < smallest_spike("low")


def test_hourly_windows_know_the_hour_of_day() -> None:
    rng = random.Random(4)
    shape = [0.2] * 8 + [2.0] * 12 + [0.5] * 4  # busy office hours
    counts = [poisson(rng, 1.5 * shape[h % 24]) for h in range(40 * 24)]

    def hourly(history: list[int], today: int) -> bool:
        hours = range(len(history) + 1)
        seasons = Seasons([[(h // 24) % 7 for h in hours], [h % 24 for h in hours]], [7, 24])
        return detect([*history, today], seasons, per_day=24, sensitivity="medium",
                      min_count=5).spike

    assert hourly(counts, 8)  # 8 at midnight, when about 0.3 is usual
    assert not hourly(counts[:-12], 8)  # 8 at noon, when about 3 is usual


def test_negative_share_spike_needs_enough_mentions() -> None:
    rng = random.Random(6)
    totals = [rng.randint(40, 60) for _ in range(40)]
    negatives = [sum(rng.random() < 0.2 for _ in range(n)) for n in totals]
    jump = detect_share([*negatives, 40], [*totals, 50], per_day=1, sensitivity="medium",
                        min_count=5)
    assert jump.spike and math.isclose(jump.observed, 0.8) and 0.15 < jump.expected < 0.25
    few = detect_share([*negatives, 4], [*totals, 4], per_day=1, sensitivity="medium",
                       min_count=5)
    assert not few.spike
