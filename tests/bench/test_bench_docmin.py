"""The doc's stated round trips: parsed from docs/data-model.md, one row for every route."""

from __future__ import annotations

import pytest

from bench import docmin
from conduit.routes import ROUTES


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1", (1, 1)),
        ("2 (+ Cognito)", (2, 2)),
        ("2\u20133 (+ Cognito)", (2, 3)),
        ("4-5", (4, 5)),
        ("2 (3 when refused)", (2, 2)),
    ],
)
def test_round_trip_cells(cell, expected):
    assert docmin.parse_round_trips(cell) == expected


def test_a_cell_without_a_figure_is_an_error():
    with pytest.raises(ValueError, match="no round trips"):
        docmin.parse_round_trips("many")


def test_table_rows_are_read_from_their_section_only():
    text = "\n".join(
        [
            "| endpoint | round trips | calls |",
            "|---|---|---|",
            "| `GET /elsewhere` | 9 | not this one |",
            "## Calls per endpoint",
            "| endpoint | round trips | calls |",
            "|---|---|---|",
            "| `GET /api/tags` | 1 | `Query` |",
            "## Next section",
            "| `GET /after` | 7 | nor this |",
        ]
    )

    rows = docmin.table_rows(text)

    assert list(rows) == ["`GET /api/tags`"]
    assert rows["`GET /api/tags`"].low == 1
    assert rows["`GET /api/tags`"].calls == "`Query`"


def test_every_route_has_a_row_in_the_doc():
    assert set(docmin.ROW_OF_ROUTE) == {route.name for route in ROUTES}
    assert set(docmin.minimums()) == {route.name for route in ROUTES}


def test_every_row_of_the_doc_is_some_route_s():
    rows = docmin.table_rows(docmin.DOC.read_text(encoding="utf-8"))

    assert set(rows) == set(docmin.ROW_OF_ROUTE.values())


def test_each_row_names_its_route_s_method():
    by_name = {route.name: route for route in ROUTES}
    for name, row in docmin.ROW_OF_ROUTE.items():
        assert by_name[name].method in row, (name, row)


def test_cognito_paths_are_marked():
    minimums = docmin.minimums()

    assert minimums["RegisterUser"].cognito
    assert not minimums["ListTags"].cognito
    assert (minimums["UpdateArticle"].low, minimums["UpdateArticle"].high) == (4, 5)
