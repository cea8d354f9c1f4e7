"""bench/report.md from results.json: one table per section, targets beside figures, and
every missed target said plainly."""

from __future__ import annotations

from typing import Any


def _p(text: str) -> str:
    """A paragraph written wrapped in the source, one line in the report."""
    return " ".join(text.split()) + "\n"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _kb(size: int | None) -> str:
    return "not built" if size is None else f"{size / 1024:,.0f} KB"


def render(results: dict[str, Any], quick: bool = False) -> str:
    m = results["machine"]
    timings = ", ".join(f"{k} {v} s" for k, v in results["timings_s"].items() if k != "total")
    out: list[str] = [
        "# Conduit benchmarks (`make bench`)\n",
        _p(f"""Machine: {m["cpu"]}, {m["cores"]} cores, Python {m["python"]}, {m["platform"]}.
        Run: {m["date"]}; took {results["timings_s"]["total"]} s ({timings})."""),
    ]
    if quick:
        out.append(
            "**Quick run (`--quick`): fewer runs and a smaller dataset; not the figures of record.**\n"
        )
    out += [_cold(results), _costs(results), _scaling(results), _overhead(results), _load(results)]
    out.append(_cost_model(results))
    if "shared_keys" in results:
        out.append(_shared_keys(results))
    return "\n".join(out)


def _cold(results: dict[str, Any]) -> str:
    cold = results["cold_start"]
    target = cold["target_ratio"]
    deployed, bare = cold["as_deployed"], cold["without_bytecode"]
    sizes = results["deployment_size"]
    rows = []
    missed = []
    for name, figure in deployed["functions"].items():
        b = bare["functions"][name]
        ok = figure["ratio"] <= target
        if not ok:
            missed.append(name)
        size = sizes["per_function"][name]["zipped_bytes"]
        verdict = "met" if ok else "**MISSED**"
        ratio, bare_ratio = f"{figure['ratio']:.2f}x", f"{b['ratio']:.2f}x"
        rows.append([name, figure["median_ms"], ratio, verdict, b["median_ms"], bare_ratio, _kb(size)])
    header = [
        "function",
        "init ms (as deployed)",
        "ratio",
        f"target <= {target}x",
        "init ms (without bytecode)",
        "ratio (without)",
        "deployment size (zipped)",
    ]
    first = cold["first_use"]
    text = [
        "## 1. Cold start per function\n",
        _p(f"""Init = import of the handler module in a fresh `python -I` with Lambda's sys.path
        (functions/, the shared layer's python/, site-packages) and a Lambda environment, timed
        with `perf_counter` inside the child; interpreter start-up excluded. Floor = `import boto3;
        boto3.client('dynamodb')` in the same conditions. **As deployed**: every module has its
        bytecode, as in Lambda: the runtime's boto3 is precompiled and our code asset and both
        layers ship Python 3.13 bytecode (infra/bytecode.py, unchecked-hash `.pyc`, since
        /var/task and /opt are read-only and nothing could be cached there); median of
        {deployed["runs"]} runs. **Without bytecode**: only the standard library and the runtime's
        packages precompiled, what shipping sources alone would cost; median of {bare["runs"]}
        runs. Two runs at a time (2 cores), floor and functions interleaved."""),
        _p(f"""Floor: {deployed["floor_ms"]} ms as deployed, {bare["floor_ms"]} ms without our
        bytecode. Target: at most {target}x the floor."""),
        _table(header, rows),
    ]
    if missed:
        text.append(
            _p(f"""**Target missed by {len(missed)} of {len(deployed["functions"])} functions**
            (as deployed): {", ".join(missed)}.""")
        )
    else:
        text.append("Every function meets the target as deployed.\n")
    text.append(_lambda_python(cold["lambda_python"], target))
    ms = first["ms"]
    text.append(
        _p(f"""Deferred to the first request (lazy imports move work, they do not remove it; timed
        after importing `{first["after"]}`, median of {first["runs"]} runs): the DynamoDB client
        (one, shared by every model: `conduit.storage.Record`), which the first call creates and
        the floor creates at init,
        {ms["dynamodb_client"]} ms; PyJWT and cryptography for the first token check,
        {ms["token_check"]} ms (routes that need no token never load them); pydantic and the
        request models, only in the six functions that parse a body: users
        {ms["user_request_models"]} ms, articles and comments {ms["article_request_models"]} ms.
        Read-only functions never load pydantic; no function loads the X-Ray SDK (no Tracer: see
        `conduit.observability`).""")
    )
    parts = ", ".join(
        f"{k} {_kb(v and v['zipped_bytes'])} zipped ({_kb(v and v['unzipped_bytes'])} unzipped)"
        for k, v in sizes["parts"].items()
    )
    text.append(
        _p(f"""Deployment size (the same for every function: one code asset, the same layers):
        {parts}. Code and shared layer {sizes.get("code_note", "without bytecode")}; dependency
        layer: {sizes["dependency_layer_note"]}.""")
    )
    profile = cold["import_profile"]
    text.append(
        _p(f"""Where the import time goes (`python -X importtime`, `{profile["handler"]}`, Lambda
        environment, warm bytecode, self time summed per top-level package):""")
    )
    text.append(
        _table(["package", "self ms"], [[p["package"], p["self_ms"]] for p in profile["top_packages"]])
    )
    text.append("![cold start](plots/cold_start.png)\n")
    return "\n".join(text)


def _lambda_python(figures: dict[str, Any], target: float) -> str:
    """The same init on Lambda's Python over the assets as they ship, when it could be run."""
    if "skipped" in figures:
        return _p(f"""Not measured on Lambda's Python 3.13 here: {figures["skipped"]}.""")
    missed = [name for name, f in figures["functions"].items() if f["ratio"] > target]
    ratios = [f["ratio"] for f in figures["functions"].values()]
    verdict = f"missed by {', '.join(missed)}" if missed else "met by every function"
    return _p(f"""On CPython {figures["python"]} (Lambda runs 3.13) over the assets as they ship
    (the functions code and shared layer compiled by `infra/bytecode.py`, the built dependency
    layer, boto3 precompiled as in the runtime; laid out as /var/task, /opt/python and the
    runtime's packages; `-B`, since nothing can be written there): floor {figures["floor_ms"]}
    ms, functions {min(ratios):.2f}x to {max(ratios):.2f}x the floor (median of
    {figures["runs"]} runs): the target is {verdict}.""")


def _costs(results: dict[str, Any]) -> str:
    data = results["dataset"]  # the full dataset (section 4 runs on a small one)
    scale = data["scale"]
    rows = []
    over = []
    for r in results["endpoints"]:
        trips = r["dynamodb_round_trips"] + r["extra_query_pages"]
        verdict = "**EXCEEDS**" if r["exceeds_doc"] else "within"
        if r["exceeds_doc"]:
            over.append(f"`{r['case']}` ({trips} vs {r['doc_round_trips']})")
        cognito = f" + {r['cognito_round_trips']} Cognito" if r["cognito_round_trips"] else ""
        calls = ", ".join(r["dynamodb_calls"])
        measured = [f"`{r['case']}`", f"{trips}{cognito}", r["doc_round_trips"], verdict]
        rows.append([*measured, len(r["dynamodb_calls"]), calls, r["read_units"], r["write_units"]])
    header = ["request", "round trips (measured)", "stated in docs/data-model.md", "vs stated", "calls"]
    header += ["DynamoDB calls (in order)", "RCU", "WCU"]
    text = [
        "## 2. DynamoDB cost per request\n",
        _p(f"""Dataset: {scale["users"]:,} users, {scale["articles"]:,} articles, {scale["tags"]} tags
        (Zipf, 1-5 per article), about {scale["follows_per_user"]} follows and
        {scale["favorites_per_user"]} favorites per user, {scale["comments"]:,} comments (Zipf over
        articles); {data["items"]:,} items bulk-loaded in {data["load_seconds"]} s
        ({data["load_items_per_second"]:,} items/s) from `{data["file"]}`. Feeds are materialised
        for the users whose feeds are read. Each request goes through the local gateway as a seeded
        user (forged token) or a registered one (Cognito paths); the stream worker is not run."""),
        _p("""Round trips: each call the handler's own thread makes is one; calls made by the
        threads of one pool (`conduit.articles.reading`) count as many as the busiest thread made
        (sequential within a thread, side by side across threads); plus the calls a Query over 1 MB
        would need on DynamoDB (moto does not page at 1 MB). The timing-only estimate is in
        results.json (`dynamodb_round_trips_by_timing`): with the emulator serving one call at a
        time and the GIL, side-by-side calls sometimes do not overlap in time. Capacity units are
        computed from item sizes by DynamoDB's rules (moto does not report them): reads in 4 KB
        units (halved when eventually consistent, per item for BatchGetItem, summed per Query, a
        projection does not reduce them), writes in 1 KB units of the larger of before and after,
        doubled in transactions."""),
        _table(header, rows),
    ]
    if over:
        text.append(_p(f"**Exceeding the round trips docs/data-model.md states: {'; '.join(over)}.**"))
    else:
        text.append("No request exceeds the round trips docs/data-model.md states.\n")
    return "\n".join(text)


def _scaling(results: dict[str, Any]) -> str:
    s = results["scaling"]

    def trips(r: dict[str, Any]) -> int:
        return int(r["dynamodb_round_trips"] + r["extra_query_pages"])

    feed_rows = [
        [
            r["followed"],
            r["feed_entries"],
            r.get("celebrities_pulled", 0),
            len(r["dynamodb_calls"]),
            trips(r),
            r["query_read_units"],
            r["read_units"],
        ]
        for r in s["feed"]
    ]
    page_rows = [
        [f"offset {r['offset']}", len(r["dynamodb_calls"]), trips(r), r["query_read_units"], r["read_units"]]
        for r in s["offset"]
    ]
    page_rows += [
        [
            f"cursor at depth {r['depth']}",
            len(r["dynamodb_calls"]),
            trips(r),
            r["query_read_units"],
            r["read_units"],
        ]
        for r in s["cursor"]
    ]
    from conduit.resources import PULLED_CELEBRITIES_MAX

    most_calls = 2 + PULLED_CELEBRITIES_MAX  # the feed, each pulled celebrity, the favorited flags
    bounded = all(len(r["dynamodb_calls"]) <= most_calls for r in s["feed"])
    steady = len({trips(r) for r in s["feed"]}) == 1
    most_units = max(r["read_units"] for r in s["feed"])
    feed_verdict = (
        _p(f"""Round trips are the same at every size, calls are at most {most_calls} (the feed,
        one Query per pulled celebrity, at most {PULLED_CELEBRITIES_MAX}, and the reader's favorites
        between the page's ends) and no page reads more than {most_units} RCU: bounded whatever the
        number of authors followed, as docs/scaling.md says. What varies is how many celebrities the
        reader pulls (the dataset's 4 most followed authors are celebrities).""")
        if bounded and steady and most_units <= 10
        else "**Not bounded as docs/scaling.md says** (see the table).\n"
    )
    deep = next((r for r in s["offset"] if r["offset"] == 1000), None)
    units = deep["query_read_units"] if deep else 0
    per_unit = f"{1000 / units:.0f}" if units else "n/a"
    entry_bytes = units * 2 * 4096 / 1000  # eventually consistent: 8 KB per read unit
    per_mb = f"{1024 * 1024 / entry_bytes:,.0f}" if entry_bytes else "n/a"
    cursor_trips = {trips(r) for r in s["cursor"]}
    offset_zero = next((trips(r) for r in s["offset"] if r["offset"] == 0), None)
    if cursor_trips == {offset_zero}:
        cursor_note = f"""A cursor page costs {offset_zero} round trips at every depth, like the
        first page by offset: the shards' counters are read beside their Queries."""
    else:
        cursor_note = f"""A cursor page costs {sorted(cursor_trips)} round trips against
        {offset_zero} for the first page by offset: the counters were not read beside the
        Queries as docs/data-model.md says."""
    paging_notes = _p(f"""Measured: skipping 1,000 entries reads {per_unit} entries per read unit
    (eventually consistent, over the 4 shards; entries are cards of about {entry_bytes:.0f} bytes
    with their attribute names, so 1 MB is about {per_mb} entries; the docs say about 0.6 KB and
    one read unit per 13 entries). {cursor_note}""")
    return "\n".join(
        [
            "## 3. Scaling\n",
            "Feed page (limit 20) by authors followed. Target (docs): constant round trips, bounded reads.\n",
            _table(
                [
                    "authors followed",
                    "feed entries",
                    "celebrities pulled",
                    "calls",
                    "round trips",
                    "RCU of the Query",
                    "RCU",
                ],
                feed_rows,
            ),
            feed_verdict,
            _p(f"""`GET /api/articles?limit=20` over the `all` list ({s["all_articles"]:,} articles,
            4 shards) by offset and by cursor. Docs: offset costs about 1 RCU per 13 entries skipped
            and one more round trip per MB and shard; a cursor costs the same at any depth."""),
            _table(["page", "calls", "round trips (incl. 1 MB pages)", "RCU of the Query", "RCU"], page_rows),
            paging_notes,
            "![feed](plots/feed_scaling.png) ![paging](plots/paging_scaling.png)\n",
        ]
    )


def _overhead(results: dict[str, Any]) -> str:
    o = results["overhead"]
    rows = [
        [route, f"`{v['case']}`", v["p50_ms"], v["p99_ms"], v["total_p50_ms"]]
        for route, v in o["endpoints"].items()
    ]
    b = o["baseline"]
    return "\n".join(
        [
            "## 4. Handler overhead\n",
            _p(f"""Time in the handler outside AWS calls (handler time minus the time at least one
            AWS call was in flight), {o["iterations"]} calls each after 2 warm-ups, on a small dataset
            (overhead does not depend on table size; moto's index queries do), logging at INFO as
            deployed (to /dev/null). Baseline: a handler that
            does nothing behind the same Powertools decorators: p50 {b["p50_ms"]} ms, p99
            {b["p99_ms"]} ms."""),
            _table(
                ["route", "request", "p50 ms", "p99 ms", "whole handler p50 ms (incl. emulator calls)"], rows
            ),
        ]
    )


def _load(results: dict[str, Any]) -> str:
    r = results["load"]
    lat = r["latency_ms"]
    verdict = (
        "met" if r["errors"] == 0 else f"**MISSED: {r['errors']} errors**, e.g. {r['error_samples'][:3]}"
    )
    mix = ", ".join(f"{k} {v}" for k, v in r["mix"].items())
    return "\n".join(
        [
            "## 5. Local load (`python -m local`)\n",
            _p(f"""{r["requests"]:,} requests, {r["concurrency"]} client threads, loopback, one
            connection per request; mix (weights): {mix}. Seeded through the API first (8 users who
            follow each other, 48 articles); the stream pump runs as in `make dev`."""),
            _table(
                ["throughput req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors (target 0)"],
                [
                    [
                        r["throughput_rps"],
                        lat["p50"],
                        lat["p90"],
                        lat["p99"],
                        lat["max"],
                        f"{r['errors']} ({verdict})",
                    ]
                ],
            ),
            _p("""These are the local stack's figures (one moto server serving one AWS call at a
            time), not Lambda's."""),
        ]
    )


#: Targets of issue 11, checked in the report (read units of a 20-article page; USD per million).
PAGE_TARGETS = {
    "GET /api/articles": 10.0,
    "GET /api/articles?tag": 10.0,
    "GET /api/articles?author": 10.0,
    "GET /api/articles?favorited": 10.0,
    "GET /api/articles/feed": 10.0,
    "GET /api/articles (anonymous)": 5.0,
    "GET /api/articles/{slug}/comments": 30.0,
}
MIX_TARGET_USD = 2.50


def _page_targets(results: dict[str, Any]) -> str:
    rows = []
    for r in results["endpoints"]:
        target = PAGE_TARGETS.get(r["case"])
        if target is not None:
            verdict = "met" if r["read_units"] <= target else "**MISSED**"
            rows.append([f"`{r['case']}`", r["read_units"], f"<= {target:g}", verdict])
    return _table(["page", "RCU", "target", ""], rows)


def _cost_model(results: dict[str, Any]) -> str:
    c = results["cost_model"]
    mix = c["mix_usd_per_million"]
    per_route = c["worker"]["per_route"].items()
    worker_units = ", ".join(f"{r} {u[0]:g}/{u[1]:g}" for r, u in per_route if any(u))
    rows = [
        [route, f"{c['billed_ms'][route]:.0f}"]
        + [f"{v[k]:.3f}" for k in ("lambda_duration", "dynamodb_reads", "dynamodb_writes", "total")]
        for route, v in c["per_endpoint_usd_per_million"].items()
    ]
    weights = ", ".join(f"{k} {v:g}" for k, v in c["mix"].items())
    return "\n".join(
        [
            "## 6. Cost model (USD per million requests)\n",
            _p(f"""Prices from `bench/pricing.json` (us-east-1, dated {c["pricing_date"]}): API Gateway
            HTTP API, Lambda arm64 GB-seconds at each route's memory plus $0.20/M requests, DynamoDB
            on-demand request units (the capacity units of section 2). Duration = measured handler
            overhead p50 + round trips x the per-round-trip latencies assumed in pricing.json, rounded
            up to 1 ms; cold starts add the measured init time at the assumed cold-start fraction."""),
            f"Mix (weights): {weights}.\n",
            _table(
                ["component", "USD per million requests of the mix", "behind the CDN (see below)"],
                [
                    [k, f"{v:.3f}", f"{c['edge']['mix_usd_per_million'].get(k, 0.0):.3f}"]
                    for k, v in mix.items()
                ]
                + [
                    [
                        "cloudfront_requests",
                        "",
                        f"{c['edge']['mix_usd_per_million']['cloudfront_requests']:.3f}",
                    ]
                ],
            ),
            _p(f"""Target (issue 11): at most ${MIX_TARGET_USD:.2f} per million requests of the mix:
            {"met" if mix["total"] <= MIX_TARGET_USD else "**MISSED**"} (${mix["total"]:.2f}). The
            second column is the same mix behind the CloudFront distribution: every request pays
            CloudFront's request fee (${c["edge"]["mix_usd_per_million"]["cloudfront_requests"]:.2f}/M),
            and of the requests to {", ".join(c["edge"]["cacheable_routes"])} the anonymous share
            ({c["edge"]["anonymous_share"]:.0%}) is answered from the cache at a hit ratio of
            {c["edge"]["hit_ratio"]:.0%}, costing nothing at the origin. Data transfer is left out of both.
            The stream worker's work (fan-out, site-wide lists, counts, card copies) is off the
            request path and, as before, not in the model; measured after each request of section 2
            (its own stream records only, one record per batch: no batching shares its writes), it
            adds ${c["worker"]["dynamodb_reads"]:.3f} of reads and ${c["worker"]["dynamodb_writes"]:.3f}
            of writes per million requests of the mix (worker RCU/WCU per request:
            {worker_units})."""),
            _page_targets(results),
            _table(
                [
                    "route",
                    "billed ms",
                    "Lambda duration",
                    "DynamoDB reads",
                    "DynamoDB writes",
                    "total (all parts)",
                ],
                rows,
            ),
        ]
    )


def _shared_keys(results: dict[str, Any]) -> str:
    rows = []
    shared_somewhere = []
    for r in results["shared_keys"]:
        same_article = r["case"] == "favorite one article"
        shared = r["shared_in_transactions"] if same_article else r["shared_items"] + r["shared_partitions"]
        verdict = "none" if not shared else "**" + ", ".join(shared) + "**"
        if shared:
            shared_somewhere.append(r["case"])
        partitions = ", ".join(r["shared_partitions"]) or "none"
        rows.append(
            [r["case"], " / ".join(map(str, r["items"])), verdict, partitions if same_article else ""]
        )
    text = [
        "## 7. Shared keys\n",
        _p("""For two unrelated requests of each use case (and two favorites of one article), what
        both wrote, from the calls' parameters and the tables' declarations (`bench/sharedkeys.py`):
        items, table partitions and index partitions; for one article's favorites, the items both
        wrote inside their transactions (their index partitions may meet: `byArticle` spreads one
        article over 8). The stream worker's batches are checked by tests/api/test_shared_keys.py."""),
        _table(["use case", "items written (each)", "written by both", "index partitions both wrote"], rows),
    ]
    text.append(
        "No use case shares a key.\n"
        if not shared_somewhere
        else _p(f"**Shared: {', '.join(shared_somewhere)}.**")
    )
    return "\n".join(text)
