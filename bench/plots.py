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


def cold_starts(condition: dict[str, Any], target: float, path: Path) -> None:
    names = list(condition["functions"])
    ratios = [condition["functions"][n]["ratio"] for n in names]
    figure, axis = plt.subplots(figsize=(8, 5))
    axis.barh(names, ratios, color=["tab:red" if r > target else "tab:green" for r in ratios])
    axis.axvline(target, color="black", linestyle="--", label=f"target {target}x")
    axis.set_xlabel("init time / floor (boto3 + DynamoDB client)")
    axis.set_title("Cold start (as deployed), median")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
