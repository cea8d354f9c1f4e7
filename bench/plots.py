"""PNG plots of the scaling section (matplotlib, Agg: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PLOTS = Path(__file__).resolve().parent / "plots"


def _two_axes(title: str, xlabel: str) -> tuple[Any, Any, Any]:
    figure, calls_axis = plt.subplots(figsize=(7, 4))
    units_axis = calls_axis.twinx()
    calls_axis.set_title(title)
    calls_axis.set_xlabel(xlabel)
    calls_axis.set_ylabel("DynamoDB calls / round trips")
    units_axis.set_ylabel("read units per page")
    return figure, calls_axis, units_axis


def feed(rows: list[dict[str, Any]], path: Path) -> None:
    x = [r["followed"] for r in rows]
    figure, calls_axis, units_axis = _two_axes("Feed page (20) by authors followed", "authors followed (log)")
    calls_axis.set_xscale("log")
    calls_axis.plot(x, [len(r["dynamodb_calls"]) for r in rows], "o-", label="calls")
    calls_axis.plot(x, [r["dynamodb_round_trips"] for r in rows], "s--", label="round trips")
    units_axis.plot(x, [r["read_units"] for r in rows], "^-", color="tab:red", label="read units")
    calls_axis.set_ylim(bottom=0)
    units_axis.set_ylim(bottom=0)
    figure.legend(loc="lower center", ncol=3, fontsize=8)
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def paging(offsets: list[dict[str, Any]], cursors: list[dict[str, Any]], path: Path) -> None:
    figure, calls_axis, units_axis = _two_axes(
        "GET /api/articles page (20) by depth", "depth (entries skipped, symlog)"
    )
    calls_axis.set_xscale("symlog", linthresh=100)
    x = [r["offset"] for r in offsets]
    calls_axis.plot(x, [len(r["dynamodb_calls"]) for r in offsets], "o-", label="calls (offset)")
    calls_axis.plot(
        x,
        [r["dynamodb_round_trips"] + r["extra_query_pages"] for r in offsets],
        "s--",
        label="round trips incl. 1 MB pages (offset)",
    )
    units_axis.plot(x, [r["read_units"] for r in offsets], "^-", color="tab:red", label="read units (offset)")
    query_units = [r["query_read_units"] for r in offsets]
    units_axis.plot(x, query_units, "^:", color="tab:purple", label="read units of the Query (offset)")
    if cursors:
        cx = [r["depth"] for r in cursors]
        units_axis.plot(
            cx, [r["read_units"] for r in cursors], "v:", color="tab:green", label="read units (cursor)"
        )
    calls_axis.set_ylim(bottom=0)
    units_axis.set_ylim(bottom=0)
    figure.legend(loc="lower center", ncol=3, fontsize=7)
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def cold_starts(whole: dict[str, Any], path: Path) -> None:
    """Each function's whole cold request over the floor, against its class's target."""
    figures = whole["functions"]
    names = [n for n in figures if figures[n]["target"] is not None]
    ratios = [figures[n]["ratio"] for n in names]
    figure, axis = plt.subplots(figsize=(8, 6))
    axis.barh(names, ratios, color=["tab:green" if figures[n]["met"] else "tab:red" for n in names])
    axis.scatter(
        [figures[n]["target"] for n in names], names, marker="|", s=200, color="black", label="target"
    )
    axis.axvline(whole["reference"]["ratio"], color="tab:gray", linestyle=":", label="idiomatic Powertools")
    axis.axvline(1.0, color="black", linewidth=0.8)
    axis.set_xlabel("(init + first request) / floor (boto3 + DynamoDB client + one GetItem)")
    axis.set_title("Whole cold request, median")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
