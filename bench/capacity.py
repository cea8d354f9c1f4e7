"""Read and write capacity units by DynamoDB's published rules.

moto does not report consumed capacity, so the bench computes it from item sizes:
- item size: attribute names plus values (strings and binaries by UTF-8 length, numbers
  about one byte per two significant digits plus one, lists and maps 3 bytes plus 1 per element);
- GetItem, and each key of BatchGetItem: one unit per 4 KB of the item, rounded up per item,
  halved when eventually consistent; a missing item still costs the minimum;
- Query: the sizes of all items read summed, then rounded up to 4 KB (per page), halved when
  eventually consistent; the projection does not reduce it;
- writes: one unit per 1 KB of the larger of the item before and after, at least 1;
  TransactWriteItems (and TransactGetItems) cost twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
QUERY_PAGE_BYTES = 1024 * 1024

AttributeValue = Mapping[str, Any]
Item = Mapping[str, AttributeValue]


def _number_size(text: str) -> int:
    digits = str(Decimal(text).normalize()).lstrip("-").replace(".", "")
    digits = digits.split("E")[0].lstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: AttributeValue) -> int:
    """Bytes of one attribute value in DynamoDB's JSON wire form."""
    (kind, content), *_ = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return _number_size(str(content))
    if kind == "B":
        return (
            len(content) if isinstance(content, bytes | bytearray) else math.ceil(len(str(content)) * 3 / 4)
        )
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in content)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in content)
    if kind == "BS":
        return sum(len(b) for b in content)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in content)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in content.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: Item) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _read_factor(consistent: bool) -> float:
    return 1.0 if consistent else 0.5


def get_units(size: int | None, consistent: bool) -> float:
    """One item read (GetItem, or one key of BatchGetItem); None means the item is missing."""
    units = max(1, math.ceil((size or 0) / READ_UNIT_BYTES))
    return units * _read_factor(consistent)


def batch_get_units(sizes: Iterable[int | None], consistent: bool) -> float:
    return sum(get_units(size, consistent) for size in sizes)


def query_units(sizes: Iterable[int], consistent: bool) -> float:
    """One Query call: the bytes of every item read, rounded up once to 4 KB units."""
    units = max(1, math.ceil(sum(sizes) / READ_UNIT_BYTES))
    return units * _read_factor(consistent)


def query_pages(sizes: Iterable[int]) -> int:
    """How many calls DynamoDB needs to read these items: a Query page stops at 1 MB."""
    return max(1, math.ceil(sum(sizes) / QUERY_PAGE_BYTES))


def write_units(before: int | None, after: int | None, transactional: bool = False) -> float:
    """One item written (put, update, delete or condition check), by the larger of its sizes."""
    units = max(1, math.ceil(max(before or 0, after or 0) / WRITE_UNIT_BYTES))
    return float(units * (2 if transactional else 1))
