"""95% confidence intervals for the figures Linli shows: how sure a mean or a share is.

- A share (CSAT: ratings of 4–5 among all) uses the Wilson score interval, which stays inside
  0–1 and behaves for small samples and shares near 0 or 1, where the textbook p ± 1.96·√(p(1−p)/n)
  does not (Wilson 1927; Agresti & Coull 1998).
- A mean of scores uses Student's t interval, mean ± t(0.975, n−1)·s/√n, clipped to the score scale.

Both are computed from counts only (n, the sum and the sum of squares), so they come from the
summary tables, never from the rows.
"""

from __future__ import annotations

import math
from statistics import NormalDist

Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963…

# Two-sided 95% quantiles of Student's t, t(0.975, df), from the standard tables; between the
# listed degrees of freedom the quantile is interpolated linearly in 1/df, which is exact to
# about 0.001 — far below what a score shown with two decimals can tell.
_T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
          10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
          18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
          26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t_975(df: int) -> float:
    """t(0.975, df) for df ≥ 1."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df in _T_975:
        return _T_975[df]
    if df > 120:
        lower_df, upper_df, upper = 120, math.inf, Z_95
    else:
        lower_df = max(d for d in _T_975 if d < df)
        upper_df = min(d for d in _T_975 if d > df)
        upper = _T_975[upper_df]
    lower = _T_975[lower_df]
    weight = (1 / lower_df - 1 / df) / (1 / lower_df - (0 if upper_df == math.inf else 1 / upper_df))
    return lower + (upper - lower) * weight


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """(low, high) of the Wilson score interval for successes out of n; None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    share = successes / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(n: int, total: float, square_total: float, *, low: float = -math.inf,
                  high: float = math.inf) -> tuple[float, float] | None:
    """(low, high) of the t interval of a mean from n values, their sum and their sum of squares,
    clipped to [low, high]; None under 2 values (no spread to measure)."""
    if n < 2:
        return None
    mean = total / n
    variance = max(0.0, (square_total - n * mean * mean) / (n - 1))  # max(): rounding never makes it negative
    half = t_975(n - 1) * math.sqrt(variance / n)
    return max(low, mean - half), min(high, mean + half)
