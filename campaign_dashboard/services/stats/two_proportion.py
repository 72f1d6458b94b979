"""The two-proportion z-test: is the difference between two rates more than chance?

Plain Python (the normal distribution through `math.erfc`), so an A/B test's decision needs no
statistics package. Pooled standard error, two-sided p-value, as in any textbook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.05  # the usual 5 % significance level


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float  # two-sided

    def significant(self, alpha: float = ALPHA) -> bool:
        return self.p_value < alpha


def two_proportion_z_test(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> ZTest:
    """Compare successes_a / trials_a with successes_b / trials_b. With no trials on one side, or
    no variation at all (everyone or nobody succeeded), nothing can be told: z 0, p 1."""
    if trials_a <= 0 or trials_b <= 0:
        return ZTest(z=0.0, p_value=1.0)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if error == 0:
        return ZTest(z=0.0, p_value=1.0)
    z = (successes_a / trials_a - successes_b / trials_b) / error
    return ZTest(z=z, p_value=math.erfc(abs(z) / math.sqrt(2)))
