"""conduit.jsontext: JSON from a client, parsed with a bound on its nesting (no emulator)."""

from __future__ import annotations

import json
import time

import pytest

from conduit import jsontext
from conduit.articles import models as articles
from conduit.articles import paging
from conduit.users import models as users


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"user": {"username": "jake"}}',
        '{"article": {"tagList": ["a", "b"]}}',
        '{"a": "' + "[" * 1000 + '"}',  # brackets inside a string are text
        '{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}',
        "[" * jsontext.MAX_DEPTH + "]" * jsontext.MAX_DEPTH,
    ],
)
def test_documents_within_the_bound_parse_as_json_loads_does(text: str) -> None:
    assert jsontext.loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * (jsontext.MAX_DEPTH + 1) + "]" * (jsontext.MAX_DEPTH + 1),
        "[" * 60_000,
        '{"a": ' * 40 + "1" + "}" * 40,
        '["]", ' + "[" * 40,  # a bracket in a string closes nothing
    ],
)
def test_deeper_documents_are_refused_before_parsing(text: str) -> None:
    with pytest.raises(jsontext.TooDeep, match="is nested too deeply"):
        jsontext.loads(text)


def test_bytes_are_read_as_utf_8() -> None:
    assert jsontext.loads('{"a": "é"}'.encode()) == {"a": "é"}
    with pytest.raises(UnicodeDecodeError):
        jsontext.loads(b"\xff\xfe")


@pytest.mark.parametrize("text", ['"\\' * 30_000, '"' + "[" * 60_000, '"\\"' * 20_000 + "["])
def test_measuring_is_linear_even_for_unterminated_strings(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(json.JSONDecodeError):
        jsontext.loads(text)
    assert time.perf_counter() - started < 0.5


def test_the_list_filters_bounds_are_the_longest_tag_and_username() -> None:
    assert paging.TAG_FILTER_MAX == articles.TAG_MAX
    assert paging.USERNAME_FILTER_MAX == users.USERNAME_MAX
