"""The two-proportion z-test against values worked by hand from the textbook formula (pooled
standard error, two-sided p from the normal table)."""

from __future__ import annotations

import pytest

from campaign_dashboard.services.stats.two_proportion import two_proportion_z_test


def test_45_of_100_against_30_of_100_is_significant_at_5_percent():
    # pooled p = 75/200 = 0.375; SE = sqrt(0.375 * 0.625 * (1/100 + 1/100)) = 0.068465
    # z = (0.45 - 0.30) / 0.068465 = 2.1909; two-sided p = 2 * (1 - Phi(2.1909)) = 0.0285
    result = two_proportion_z_test(45, 100, 30, 100)
    assert result.z == pytest.approx(2.1909, abs=1e-4)
    assert result.p_value == pytest.approx(0.0285, abs=1e-4)
    assert result.significant()


def test_a_small_difference_on_small_samples_is_not_significant():
    # 22/100 vs 20/100: pooled 0.21, SE = 0.05760, z = 0.3472, p = 0.7284
    result = two_proportion_z_test(22, 100, 20, 100)
    assert result.z == pytest.approx(0.3472, abs=1e-4)
    assert result.p_value == pytest.approx(0.7284, abs=1e-4)
    assert not result.significant()


def test_the_order_only_flips_the_sign():
    assert two_proportion_z_test(30, 100, 45, 100).z == pytest.approx(-2.1909, abs=1e-4)
    assert two_proportion_z_test(30, 100, 45, 100).p_value == two_proportion_z_test(45, 100, 30, 100).p_value


@pytest.mark.parametrize("counts", [(0, 0, 5, 10), (5, 10, 0, 0), (0, 50, 0, 50), (50, 50, 50, 50)])
def test_nothing_to_tell_without_samples_or_without_variation(counts):
    result = two_proportion_z_test(*counts)
    assert (result.z, result.p_value, result.significant()) == (0.0, 1.0, False)
