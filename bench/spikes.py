"""Recall and false alerts of the daily spike detector on simulated theme counts.

Two years of daily counts per theme: a baseline level (5, 20 or 100 a day) times a weekly pattern
(busier early in the week, quieter at weekends) times a slow yearly swing of +-15%, drawn as
Poisson counts; --noise adds day-to-day variation beyond Poisson (gamma-mixed Poisson with that
coefficient of variation), as real mention counts tend to have. Spikes multiply the mean by 1.5,
2 or 3 for one to three days, every 2 to 4 weeks. A spike is caught if an alert fires on one of
its days. False alerts are counted on spike-free series as episodes (consecutive alert days
count once), per theme per 90 days.

    python bench/spikes.py [--themes 20] [--noise 0.0] [--sensitivity medium] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.spikes import FACTOR_DAYS, MODEL_DAYS, SENSITIVITY, Seasons, detect  # noqa: E402

DAYS = 730
WEEKLY = (1.15, 1.15, 1.1, 1.05, 1.0, 0.75, 0.8)  # Monday first
BASELINES = (5, 20, 100)
SIZES = (1.5, 2.0, 3.0)
MIN_COUNT = 5
START = MODEL_DAYS + 2  # the first day the count model can judge


def poisson(rng: random.Random, mean: float) -> int:
    if mean > 60:  # normal approximation is plenty here and much faster
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def means(rng: random.Random, baseline: float) -> list[float]:
    phase = rng.random() * 365
    import math

    return [
        baseline * WEEKLY[day % 7] * (1 + 0.15 * math.sin(2 * math.pi * (day + phase) / 365))
        for day in range(DAYS)
    ]


def draw(rng: random.Random, mean: float, noise: float) -> int:
    if noise > 0:
        shape = 1 / noise**2
        mean = rng.gammavariate(shape, mean / shape)
    return poisson(rng, mean)


def alerts(counts: list[int], sensitivity: str) -> list[bool]:
    weekdays = [day % 7 for day in range(len(counts))]
    fired = [False] * len(counts)
    for day in range(START, len(counts)):
        window = counts[: day + 1][-(FACTOR_DAYS[1] + 3) :]
        seasons = Seasons([weekdays[: day + 1][-len(window) :]], [7])
        fired[day] = detect(window, seasons, per_day=1, sensitivity=sensitivity,
                            min_count=MIN_COUNT).spike
    return fired


def with_spikes(rng: random.Random, baseline: float, size: float, noise: float):
    expected = means(rng, baseline)
    spikes, day = [], START + rng.randint(0, 20)
    while day < DAYS - 3:
        length = rng.randint(1, 3)
        spikes.append((day, length))
        for offset in range(length):
            expected[day + offset] *= size
        day += length + rng.randint(14, 30)
    return [draw(rng, mean, noise) for mean in expected], spikes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", type=int, default=20, help="simulated themes per cell")
    parser.add_argument("--noise", type=float, default=0.0, help="day-to-day CV beyond Poisson")
    parser.add_argument("--sensitivity", choices=sorted(SENSITIVITY), default="medium")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    print(f"sensitivity={args.sensitivity} (daily tail probability "
          f"{SENSITIVITY[args.sensitivity]}), min_count={MIN_COUNT}, noise CV={args.noise}, "
          f"{args.themes} themes x {DAYS} days per cell")
    print(f"{'baseline/day':>12} " + " ".join(f"{f'recall {s}x':>11}" for s in SIZES)
          + f" {'false alerts/theme/90d':>23}")
    for baseline in BASELINES:
        recalls = []
        for size in SIZES:
            caught = total = 0
            for _ in range(args.themes):
                counts, spikes = with_spikes(rng, baseline, size, args.noise)
                fired = alerts(counts, args.sensitivity)
                total += len(spikes)
                caught += sum(any(fired[day : day + length]) for day, length in spikes)
            recalls.append(caught / total)
        episodes, judged = 0, 0
        for _ in range(args.themes):
            counts = [draw(rng, mean, args.noise) for mean in means(rng, baseline)]
            fired = alerts(counts, args.sensitivity)
            judged += DAYS - START
            episodes += sum(1 for day in range(START, DAYS) if fired[day] and not fired[day - 1])
        rate = episodes / args.themes / ((DAYS - START) / 90)
        print(f"{baseline:>12} " + " ".join(f"{r:>11.3f}" for r in recalls) + f" {rate:>23.2f}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
