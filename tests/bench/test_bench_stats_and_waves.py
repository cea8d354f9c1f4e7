"""Percentiles and round-trip counting: the arithmetic behind the bench's figures."""

from __future__ import annotations

import pytest

from bench.stats import median, percentile
from bench.waves import busy_time, sequential_round_trips, structural_round_trips


def test_percentile_interpolates_between_closest_ranks():
    values = [10.0, 20.0, 30.0, 40.0]

    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile(values, 50) == 25.0
    assert percentile(values, 99) == pytest.approx(39.7)


def test_percentile_ignores_input_order_and_takes_the_middle_of_odd_counts():
    assert median([5.0, 1.0, 3.0]) == 3.0


@pytest.mark.parametrize("q", [-1, 101])
def test_percentile_refuses_out_of_range(q):
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_calls_in_sequence_are_one_round_trip_each():
    assert sequential_round_trips([(0, 1), (1, 2), (2.5, 3)]) == 3


def test_overlapping_calls_are_one_round_trip():
    # a Query, then four BatchGetItem side by side
    assert sequential_round_trips([(0, 1), (1.1, 2), (1.2, 2.5), (1.3, 2.2), (1.4, 3)]) == 2


def test_the_longest_chain_counts_not_the_number_of_calls():
    # b runs beside a and c; a then c is the critical path
    assert sequential_round_trips([(0, 1), (0.5, 3), (1.5, 2)]) == 2


def test_no_calls_no_round_trips():
    assert sequential_round_trips([]) == 0
    assert structural_round_trips([], "MainThread") == 0


def test_busy_time_counts_overlaps_once():
    assert busy_time([(0, 2), (1, 3), (5, 6)]) == pytest.approx(4)
    assert busy_time([]) == 0


def test_calls_of_the_handler_thread_are_sequential():
    assert structural_round_trips(["MainThread"] * 3, "MainThread") == 3


def test_a_pool_round_counts_once_whatever_the_timing():
    names = ["MainThread"] + [f"ThreadPoolExecutor-0_{n}" for n in range(4)]

    assert structural_round_trips(names, "MainThread") == 2


def test_a_thread_making_two_calls_in_a_pool_round_adds_one():
    # BatchGetItem over 100 keys: the same thread pages through, one call after the other
    names = ["MainThread", "ThreadPoolExecutor-1_0", "ThreadPoolExecutor-1_1", "ThreadPoolExecutor-1_1"]

    assert structural_round_trips(names, "MainThread") == 3


def test_two_pools_one_after_the_other_are_two_rounds():
    names = ["ThreadPoolExecutor-1_0", "ThreadPoolExecutor-1_1", "ThreadPoolExecutor-2_0", "MainThread"]

    assert structural_round_trips(names, "MainThread") == 3
