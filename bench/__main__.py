"""`make bench`: run every section and write bench/report.md, bench/results.json, bench/plots/.

    PYTHONPATH=.:layers/shared/python:functions .venv/bin/python -m bench [--quick] [--only coldstart|weather]

Sections run one after another so timings do not compete for the CPU: cold starts first
(nothing else running), then the load run (its own server), then the emulator-backed ones.
`--only coldstart` (`make bench SECTIONS=coldstart`) runs section 1 alone, `--only weather`
section 7, `--only deletion` section 11, and merges it into the last results.json, so the
report shows it beside the other sections of the last full run (and says so).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.world import use_bench_environment

use_bench_environment()

HERE = Path(__file__).resolve().parent
#: Interleaved rounds of the whole cold request: the spread between runs needs 15 or more.
COLD_START_RUNS = 15
SECTIONS = ("coldstart", "weather", "deletion")
#: Requests of the load run (about 100 s at the local stack's ~20 req/s).
LOAD_REQUESTS = 2000
#: Logical operations of each weather run (0%, 10%, 30% faults).
WEATHER_OPERATIONS = 400

#: The request mix of the cost model (and, by kind, of the load run): route -> weight.
COST_MIX: dict[str, float] = {
    "ListArticles": 40,
    "GetArticle": 15,
    "FeedArticles": 10,
    "ListComments": 10,
    "ListTags": 5,
    "GetProfile": 5,
    "GetCurrentUser": 3,
    "FavoriteArticle": 2,
    "UnfavoriteArticle": 2,
    "AddComment": 4,
    "FollowUser": 2,
    "CreateArticle": 2,
}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _section(name: str) -> None:
    print(f"\n== {name}", flush=True)


def cold_start_section(quick: bool, results: dict[str, Any]) -> None:
    """Section 1 into `results`: the whole cold request per function, and the deployment sizes."""
    from bench import coldstart, sizes
    from conduit.routes import ROUTES, WORKERS

    functions = {r.name: r.handler for r in ROUTES} | {w.name: w.handler for w in WORKERS}
    _section("1. cold starts")
    t = time.perf_counter()
    results["deployment_size"] = sizes.measure(list(functions))  # builds the dependency layer first
    results["cold_start"] = coldstart.measure(functions, runs=3 if quick else COLD_START_RUNS, bare_runs=3)
    results["timings_s"]["cold_start"] = round(time.perf_counter() - t, 1)


def weather_section(quick: bool, results: dict[str, Any]) -> None:
    """Section 7 into `results`: the load run in bad weather."""
    from bench import weather

    _section("7. local load in bad weather")
    t = time.perf_counter()
    results["weather"] = weather.run(operations=100 if quick else WEATHER_OPERATIONS)
    results["timings_s"]["weather"] = round(time.perf_counter() - t, 1)


def run(quick: bool) -> dict[str, Any]:
    from bench import loadrun

    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "timings_s": {}}
    cold_start_section(quick, results)

    _section("5. local load")
    t = time.perf_counter()
    results["load"] = loadrun.run(requests=300 if quick else LOAD_REQUESTS)
    results["timings_s"]["load"] = round(time.perf_counter() - t, 1)

    weather_section(quick, results)

    _section("2-4. DynamoDB cost, scaling, handler overhead")
    results |= emulator_sections(quick, results)

    _section("6. cost model")
    results["cost_model"] = cost_model(results)
    deletion_section(quick, results)
    results["timings_s"]["total"] = round(time.perf_counter() - started, 1)
    return results


def deletion_section(quick: bool, results: dict[str, Any]) -> None:
    """Section 11 into `results`: deleting a prolific account (its own emulator)."""
    from bench import deletion

    _section("11. deleting a prolific account")
    t = time.perf_counter()
    results["deletion"] = deletion.run(quick)
    results["timings_s"]["deletion"] = round(time.perf_counter() - t, 1)


def emulator_sections(quick: bool, results: dict[str, Any]) -> dict[str, Any]:
    """Sections 2-3 on the full dataset, then section 4 on a small one: handler overhead does
    not depend on table size, and moto's index queries (GET /api/tags) slow down with it."""
    from bench import dataset, docmin, requests, revocation
    from bench.baseline import handler as baseline_handler
    from bench.recorder import Recorder
    from bench.world import reset_world, start_world
    from conduit.observability import logger

    out: dict[str, Any] = {}
    recorder = Recorder()
    recorder.install()
    world = start_world()
    try:
        # Handlers log at INFO as deployed; the lines go nowhere, their cost stays.
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            logger.setLevel("INFO")
            handler = getattr(logger, "registered_handler", None)
            if handler is not None and hasattr(handler, "setStream"):
                handler.setStream(devnull)
            t = time.perf_counter()
            meta = _load(
                dataset.Scale(users=200, articles=2000, comments=2000) if quick else dataset.Scale(),
                world,
                out,
            )
            results["timings_s"]["dataset"] = round(time.perf_counter() - t, 1)
            t = time.perf_counter()
            driver = requests.Driver(meta, recorder)
            costs = requests.endpoint_costs(driver)
            minimums = docmin.minimums()
            for row in costs:
                stated = minimums[row["route"]]
                row["doc_round_trips"] = stated.text
                row["doc_high"] = stated.high
                row["exceeds_doc"] = row["dynamodb_round_trips"] + row["extra_query_pages"] > stated.high
            out["endpoints"] = costs
            out["scaling"] = requests.scaling(driver)
            out["shared_keys"] = requests.shared_keys(driver)
            out["revocation"] = revocation.price(driver, 1_000 if quick else revocation.CHECKS)
            results["timings_s"]["endpoints_and_scaling"] = round(time.perf_counter() - t, 1)
            t = time.perf_counter()
            reset_world(world)
            small = dataset.Scale(users=100, articles=500, comments=500)
            out["overhead_dataset"] = {"scale": asdict(small)}
            meta = _load(small, world, {})
            driver = requests.Driver(meta, recorder)
            out["overhead"] = requests.overhead(driver, 10 if quick else 50, baseline_handler)
            results["timings_s"]["overhead"] = round(time.perf_counter() - t, 1)
    finally:
        world.emulator.stop()
    return out


def _load(scale: Any, world: Any, out: dict[str, Any]) -> Any:
    import boto3

    from bench import dataset

    t = time.perf_counter()
    items, meta = dataset.dataset(scale)
    generated = time.perf_counter() - t
    rate = dataset.load(items, meta.items, boto3.client("dynamodb"), world.tables)
    out["dataset"] = {
        "scale": meta.scale,
        "items": meta.items,
        "load_items_per_second": round(rate, 1),
        "generate_or_reuse_seconds": round(generated, 1),
        "load_seconds": round(time.perf_counter() - t - generated, 1),
        "file": str(items.relative_to(HERE.parent)),
    }
    return meta


def cost_model(results: dict[str, Any]) -> dict[str, Any]:
    from bench import cost
    from conduit.routes import ROUTES_BY_NAME

    pricing = cost.load_pricing()
    primary: dict[str, dict[str, Any]] = {}
    for row in results["endpoints"]:
        primary.setdefault(row["route"], row)
    cold = results["cold_start"]["whole_request"]["functions"]
    costs = {
        route: cost.EndpointCost(
            memory_mb=ROUTES_BY_NAME[route].memory_mb,
            handler_ms=results["overhead"]["endpoints"][route]["p50_ms"],
            dynamodb_round_trips=row["dynamodb_round_trips"],
            cognito_round_trips=row["cognito_round_trips"],
            read_units=row["read_units"],
            write_units=row["write_units"],
            init_ms=cold[route]["init_ms"],
        )
        for route, row in primary.items()
    }
    per_endpoint = {route: cost.usd_per_million(c, pricing) for route, c in costs.items()}
    memory = [r.memory_mb for r in ROUTES_BY_NAME.values()]
    from conduit.caching import cacheable

    cacheable_routes = {route for route in costs if cacheable(ROUTES_BY_NAME[route])}
    return {
        "pricing_date": pricing.date,
        "mix": COST_MIX,
        "mix_usd_per_million": cost.mix_usd_per_million(COST_MIX, costs, pricing),
        "mix_usd_per_million_snapstart": cost.mix_usd_per_million(COST_MIX, costs, pricing, snap_start=True),
        "idle_usd_per_month": {
            "without_snapstart": cost.snapstart_cache_per_month(memory, pricing, snap_start=False),
            "with_snapstart": cost.snapstart_cache_per_month(memory, pricing, snap_start=True),
        },
        "edge": {
            "anonymous_share": pricing.edge_anonymous_share,
            "hit_ratio": pricing.edge_hit_ratio,
            "cacheable_routes": sorted(cacheable_routes),
            "mix_usd_per_million": cost.edge_mix_usd_per_million(COST_MIX, costs, pricing, cacheable_routes),
        },
        "worker": _worker_cost(primary, pricing),
        "edge_defences": _edge_defences(pricing),
        "per_endpoint_usd_per_million": per_endpoint,
        "billed_ms": {route: cost.duration_ms(c, pricing) for route, c in costs.items()},
    }


def _edge_defences(pricing: Any) -> dict[str, Any]:
    """What the edge's defences cost whatever the traffic: the WAF's web ACL and rules (its
    per-request fee is in the edge line), and the user pool on LITE and on PLUS (threat
    protection) for the stated number of monthly active users."""
    from bench import cost
    from infra.components.waf import rule_count
    from infra.config import WafLimits

    users = pricing.monthly_active_users
    lite = cost.cognito_per_month(users, pricing, threat_protection=False)
    plus = cost.cognito_per_month(users, pricing, threat_protection=True)
    rules = rule_count(WafLimits())
    return {
        "waf_rules": rules,
        "waf_usd_per_month": cost.waf_per_month(rules, pricing),
        "waf_usd_per_million": pricing.waf_per_million,
        "monthly_active_users": users,
        "cognito_lite_usd_per_month": lite,
        "cognito_plus_usd_per_month": plus,
        "threat_protection_usd_per_month": plus - lite,
    }


def _worker_cost(primary: dict[str, dict[str, Any]], pricing: Any) -> dict[str, Any]:
    """What the stream worker reads and writes for the mix, per million requests of it."""
    weight_sum = sum(COST_MIX.values())
    reads = sum(w * primary[r].get("worker_read_units", 0.0) for r, w in COST_MIX.items()) / weight_sum
    writes = sum(w * primary[r].get("worker_write_units", 0.0) for r, w in COST_MIX.items()) / weight_sum
    return {
        "per_route": {
            r: [primary[r].get("worker_read_units", 0.0), primary[r].get("worker_write_units", 0.0)]
            for r in COST_MIX
        },
        "dynamodb_reads": reads * pricing.read_unit_per_million,
        "dynamodb_writes": writes * pricing.write_unit_per_million,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Conduit benchmarks (issue #5)")
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs and a smaller dataset (a smoke test)"
    )
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        help="run this section alone and merge it into the last bench/results.json",
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    results = rerun(args.only, args.quick) if args.only else run(args.quick)
    from bench import plots, report

    plots.PLOTS.mkdir(exist_ok=True)
    if not args.only:
        plots.feed(results["scaling"]["feed"], plots.PLOTS / "feed_scaling.png")
        plots.paging(
            results["scaling"]["offset"], results["scaling"]["cursor"], plots.PLOTS / "paging_scaling.png"
        )
    plots.cold_starts(results["cold_start"]["whole_request"], plots.PLOTS / "cold_start.png")
    (HERE / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (HERE / "report.md").write_text(report.render(results, quick=args.quick))
    print(f"\nwrote bench/report.md, bench/results.json, bench/plots/ in {results['timings_s']['total']} s")
    return 0


def rerun(section: str, quick: bool) -> dict[str, Any]:
    """One section alone, merged into the last full run's results (the report says so)."""
    previous = HERE / "results.json"
    if not previous.is_file():
        raise SystemExit("no bench/results.json to merge into: run the whole `make bench` once")
    started = time.perf_counter()
    results: dict[str, Any] = json.loads(previous.read_text())
    results["full_run"] = results.get("full_run") or results["machine"]["date"]
    results["machine"] = machine()
    if section == "coldstart":
        cold_start_section(quick, results)
        results["cost_model"] = cost_model(results)  # it weighs init times
    elif section == "deletion":
        deletion_section(quick, results)
    else:
        weather_section(quick, results)
    reran = (results.get("rerun") or {}).get("sections", [])
    results["rerun"] = {
        "sections": sorted({*reran, section}),
        "seconds": round(time.perf_counter() - started, 1),
    }
    results["timings_s"]["total"] = round(time.perf_counter() - started, 1)
    return results


if __name__ == "__main__":
    sys.exit(main())
