"""Capacity units by DynamoDB's published rules (item size, 4 KB reads, 1 KB writes)."""

from __future__ import annotations

import pytest

from bench import capacity


def test_item_size_is_names_plus_values():
    item = {"pk": {"S": "USER#1"}, "bio": {"S": "héllo"}}

    assert capacity.item_size(item) == 2 + 6 + 3 + 6  # é is two bytes in UTF-8


@pytest.mark.parametrize(
    ("number", "size"),
    [("0", 2), ("7", 2), ("12", 2), ("123", 3), ("-1234", 3), ("1.5", 2), ("1000", 2), ("0.001", 2)],
)
def test_numbers_cost_a_byte_per_two_significant_digits_plus_one(number, size):
    assert capacity.value_size({"N": number}) == size


def test_lists_and_maps_add_three_bytes_and_one_per_element():
    tags = {"L": [{"S": "ab"}, {"S": "c"}]}
    nested = {"M": {"k": {"S": "vv"}}}

    assert capacity.value_size(tags) == 3 + (2 + 1) + (1 + 1)
    assert capacity.value_size(nested) == 3 + 1 + 2 + 1


def test_booleans_nulls_and_sets():
    assert capacity.value_size({"BOOL": True}) == 1
    assert capacity.value_size({"NULL": True}) == 1
    assert capacity.value_size({"SS": ["a", "bc"]}) == 3
    assert capacity.value_size({"B": b"\x00\x01"}) == 2


def test_an_unknown_type_is_an_error():
    with pytest.raises(ValueError, match="unknown"):
        capacity.value_size({"X": 1})


def test_a_read_is_rounded_up_per_4_kb_and_halved_when_eventually_consistent():
    assert capacity.get_units(100, consistent=True) == 1
    assert capacity.get_units(4096, consistent=True) == 1
    assert capacity.get_units(4097, consistent=True) == 2
    assert capacity.get_units(4097, consistent=False) == 1
    assert capacity.get_units(100, consistent=False) == 0.5


def test_a_missing_item_still_costs_the_minimum():
    assert capacity.get_units(None, consistent=True) == 1
    assert capacity.get_units(None, consistent=False) == 0.5


def test_batch_get_rounds_each_item_on_its_own():
    # three 1 KB items: three units, where one Query over them would cost one
    assert capacity.batch_get_units([1024, 1024, None], consistent=False) == 1.5
    assert capacity.query_units([1024, 1024, 1024], consistent=False) == 0.5


def test_query_sums_sizes_before_rounding():
    assert capacity.query_units([100] * 41, consistent=True) == 2  # 4,100 bytes
    assert capacity.query_units([], consistent=True) == 1


def test_query_pages_stop_at_one_megabyte():
    assert capacity.query_pages([100] * 10) == 1
    assert capacity.query_pages([1024] * 1025) == 2


def test_writes_are_rounded_up_per_kb_of_the_larger_image():
    assert capacity.write_units(None, 10) == 1
    assert capacity.write_units(3000, 500) == 3
    assert capacity.write_units(1024, None) == 1
    assert capacity.write_units(None, None) == 1


def test_transactional_writes_cost_twice():
    assert capacity.write_units(None, 1500, transactional=True) == 4
