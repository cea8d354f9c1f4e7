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
    if "rerun" in results:
        out.append(
            _p(f"""**Rerun alone: {", ".join(results["rerun"]["sections"])}** (`make bench
            SECTIONS=...`, {results["rerun"]["seconds"]} s) on the machine above; the other sections
            are from the full run of {results["full_run"]}, and the cost model is recomputed from
            both.""")
        )
    out += [_cold(results), _costs(results), _scaling(results), _overhead(results), _load(results)]
    out.append(_cost_model(results))
    if "weather" in results:
        out.append(weather_section(results))
    out.append(lag_section(results))
    if "shared_keys" in results:
        out.append(_shared_keys(results))
    out.append(revocation_section(results))
    out.append(deletion_section(results))
    return "\n".join(out)


def _cold(results: dict[str, Any]) -> str:
    cold = results["cold_start"]
    whole = cold["whole_request"]
    floor, reference = whole["floor"], whole["reference"]
    cpu = cold["cpu"]
    text = [
        "## 1. Cold start per function: the whole first request\n",
        _p(f"""A fresh interpreter imports the function's handler (init) and answers one
        representative request (bench/representative.py, seeded through the API first) against
        the local emulator, timed from the first import to the response. Floor, in the same runs
        on the same emulator: a fresh process that imports boto3, creates a DynamoDB client and
        makes one GetItem (the one `GET /api/user` makes). Median of {whole["runs"]} interleaved
        runs, one child at a time (the emulator answers from the bench's own process).
        Interpreter: {whole["interpreter"]}."""),
        _p(f"""CPU: {cpu["model"]} ({cpu["architecture"]}); Lambda runs {cpu["lambda_architecture"]}
        (Graviton), so read the ratios, not the times. The emulator (moto) answers one call at a
        time with its own latency, not DynamoDB's: a function that makes more calls than the
        floor's one pays the emulator for each."""),
    ]
    if whole.get("why_not_python_313"):
        text.append(_p(f"""**Not on CPython 3.13**: {whole["why_not_python_313"]}."""))
    text.append(
        _p(f"""Floor: init (import boto3, create the client) {floor["init_ms"]} ms, GetItem
        {floor["request_ms"]} ms, whole {floor["total_ms"]} ms ({floor["cpu_ms"]} ms of CPU time).
        The verdicts are on the whole (wall) time, what a user waits for. Beside it, each child's
        own CPU time over the floor's: it leaves out the time spent waiting on the emulator, and
        holds steadier than wall time when other processes share the machine.""")
    )
    rows, missed, measured = [], [], 0
    for name, f in whole["functions"].items():
        target = f["target"]
        if target is None:
            verdict = "no target"
        else:
            measured += 1
            verdict = "met" if f["met"] else "**MISSED**"
            if not f["met"]:
                missed.append(name)
        rows.append(
            [
                name,
                f["request_class"],
                f["init_ms"],
                f["request_ms"],
                f["total_ms"],
                f"{f['ratio']:.2f}x",
                "-" if target is None else f"<= {target}x",
                verdict,
                f"{f['cpu_ratio']:.2f}x",
                _aws_calls(f["aws"]),
            ]
        )
    header = ["function", "request", "init ms", "first request ms", "whole ms", "x floor", "target"]
    text.append(_table([*header, "verdict", "CPU time x floor's", "AWS calls (emulator)"], rows))
    if missed:
        text.append(
            _p(f"""**Target missed by {len(missed)} of {measured} functions**: {", ".join(missed)}.
            Where their time over the floor goes is below.""")
        )
    else:
        text.append(f"Every function meets its target ({measured} have one; the stream worker has none).\n")
    text.append(
        _p(f"""Targets by request: anonymous reads <= 1.15x; signed-in requests without a body
        (reads, and writes such as favorite or follow) <= 1.25x; requests that parse a body
        <= 1.35x. Reference, measured the same way: an idiomatic Powertools handler (event-handler
        resolver with validation, Logger, Metrics, a pydantic model, a boto3 resource, the same
        GetItem; bench/reference/idiomatic.py): init {reference["init_ms"]} ms, request
        {reference["request_ms"]} ms, whole {reference["total_ms"]} ms,
        **{reference["ratio"]:.2f}x** the floor ({reference["cpu_ratio"]:.2f}x its CPU time).""")
    )
    text.append(_pieces(cold["pieces"]))
    if missed:
        text.append(_gaps(whole, cold["pieces"]["ms"], missed))
    text.append(_without_bytecode(cold["without_bytecode"]))
    sizes = results["deployment_size"]
    parts = ", ".join(
        f"{k} {_kb(v and v['zipped_bytes'])} zipped ({_kb(v and v['unzipped_bytes'])} unzipped)"
        for k, v in sizes["parts"].items()
    )
    text.append(
        _p(f"""Deployment size (the same for every function: one code asset, the same layers):
        {parts}. Code and shared layer {sizes.get("code_note", "without bytecode")}; dependency
        layer: {sizes["dependency_layer_note"]}.""")
    )
    text.append(_import_profile(cold["import_profile"]))
    text.append("![cold start](plots/cold_start.png)\n")
    return "\n".join(text)


#: botocore's service id for Cognito user pools, as `conduit.aws_calls` tallies it.
COGNITO = "cognito-identity-provider"


def _aws_calls(tally: dict[str, float]) -> str:
    services = sorted({key.rsplit("_", 1)[0] for key in tally})
    return ", ".join(f"{s} {tally[f'{s}_calls']:g} in {tally[f'{s}_ms']:g} ms" for s in services) or "none"


_PIECES = {
    "dynamodb_client": "the DynamoDB client (one, shared by every model: `conduit.storage`)",
    "cognito_client": "the Cognito client (the users functions that call Cognito)",
    "token_check": "the token check: shipped keys read, one RS256 signature, the claims (`conduit.auth`)",
    "request_body": "one body parsed by its request model (the models themselves are imported at init)",
    "pyjwt_token_check": "for comparison, not shipped: the same check with PyJWT and cryptography",
}


def _pieces(pieces: dict[str, Any]) -> str:
    rows = [[_PIECES.get(name, name), ms] for name, ms in pieces["ms"].items()]
    return "\n".join(
        [
            _p(f"""What a first request does besides its AWS calls, each piece timed alone in a
            fresh interpreter right after importing `{pieces["after"]}` (median of {pieces["runs"]}
            runs): lazy imports move this work out of init; they do not remove it."""),
            _table(["first-request piece", "ms"], rows),
        ]
    )


def gap_of(f: dict[str, Any], floor: dict[str, Any], pieces: dict[str, float]) -> dict[str, float]:
    """A function's whole cold request over the floor's, by what spends it: the imports its init
    does beyond boto3 and a client, the first-request pieces it runs, its AWS calls beyond one
    GetItem, and the rest (our code and Powertools' per-request work, by difference)."""
    parts = {
        "imports": f["init_ms"] + pieces.get("dynamodb_client", 0.0) - floor["init_ms"],
        "token_check": pieces.get("token_check", 0.0) if f["signed_in"] else 0.0,
        "request_body": pieces.get("request_body", 0.0) if f["parses_body"] else 0.0,
        "cognito_client": pieces.get("cognito_client", 0.0) if f"{COGNITO}_calls" in f["aws"] else 0.0,
        "aws_calls": sum(v for k, v in f["aws"].items() if k.endswith("_ms")) - floor["request_ms"],
    }
    total = f["total_ms"] - floor["total_ms"]
    return {"total": total, **parts, "other": total - sum(parts.values())}


def _gaps(whole: dict[str, Any], pieces: dict[str, float], missed: list[str]) -> str:
    rows = []
    for name in missed:
        gap = gap_of(whole["functions"][name], whole["floor"], pieces)
        rows.append([name, *(round(v, 1) for v in gap.values())])
    header = ["function", "over the floor ms", "imports beyond boto3 + client", "token check"]
    header += ["request body", "Cognito client", "AWS calls beyond one GetItem", "other (by difference)"]
    return "\n".join(
        [
            _p("""Where the time over the floor goes, for each function that misses its target
            (medians of different runs, so the last column, taken by difference, carries their
            noise too); docs/architecture.md says why no lever closes what remains:"""),
            _table(header, rows),
        ]
    )


def _without_bytecode(figures: dict[str, Any]) -> str:
    with_, without = figures["with bytecode"], figures["without bytecode"]
    rows = []
    for name, f in with_["functions"].items():
        bare = without["functions"][name]
        rows.append([name, f["median_ms"], f"{f['ratio']:.2f}x", bare["median_ms"], f"{bare['ratio']:.2f}x"])
    return "\n".join(
        [
            _p(f"""Why the assets ship bytecode: init alone (the import of the handler) on this
            machine's Python {figures["python"]}, with every module's bytecode and with only the
            standard library's and the runtime's (what shipping sources would cost, /var/task and
            /opt being read-only), two children at a time, median of {figures["runs"]} runs. Floor
            (boto3 and a client): {with_["floor_ms"]} ms and {without["floor_ms"]} ms."""),
            _table(["function", "init ms", "x floor", "init ms without bytecode", "x floor"], rows),
        ]
    )


def _import_profile(profile: dict[str, Any]) -> str:
    modules = "; ".join(
        f"{package}: " + ", ".join(f"`{m['module']}` {m['self_ms']}" for m in found[:6])
        for package, found in profile["top_modules"].items()
        if found
    )
    return "\n".join(
        [
            _p(f"""Where init's import time goes (`python -X importtime` of `{profile["handler"]}`,
            same interpreter and layout, self time summed per top-level package):"""),
            _table(["package", "self ms"], [[p["package"], p["self_ms"]] for p in profile["top_packages"]]),
            _p(f"""Slowest modules (self ms) of the libraries whose imports could be trimmed:
            {modules}."""),
        ]
    )


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
                    [edge_only, "", f"{c['edge']['mix_usd_per_million'].get(edge_only, 0.0):.3f}"]
                    for edge_only in ("cloudfront_requests", "waf_requests")
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
            _edge_defence_costs(c),
            _snapstart_costs(c),
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


def weather_section(results: dict[str, Any]) -> str:
    w = results["weather"]
    rows = []
    for r in w["runs"]:
        inv = r["invariants"]
        held = "held" if inv["held"] else f"**{inv['problems']} broken**, e.g. {inv['problem_samples'][:2]}"
        if inv.get("dead_lettered_batches"):
            held += f"; {inv['dead_lettered_batches']} stream batches dead-lettered (to replay)"
        rows.append(
            [
                f"{r['fault_rate']:.0%}",
                r["throughput_ops"],
                r["latency_ms"]["p50"],
                r["latency_ms"]["p99"],
                f"{r['succeeded_share']:.2%}",
                r["answers_500"],
                r["statuses"].get("503", 0),
                r["answers_503_without_retry_after"],
                round(r["attempts"] / r["operations"], 2),
                f"{held} ({inv['articles']} articles, {inv['comments']} comments, {inv['users']} users)",
            ]
        )
    first = w["runs"][0]
    return "\n".join(
        [
            "## 7. Local load in bad weather\n",
            _p(f"""The load mix of section 5, {first["operations"]} logical operations per fault rate
            from {first["concurrency"]} client threads against a fresh `python -m local`, seeded
            with the faults off. Then that share of DynamoDB and Cognito data-plane calls fails
            (throttling, 5xx, transaction conflicts, replies lost after the write: `local.faults`),
            and a careful client sends each operation up to {w["tries"]} times (after 409, 429, 5xx
            or a dropped connection, waiting what Retry-After asks up to 1 s, one Idempotency-Key
            per POST). Latency is per logical operation, retries included. Afterwards the faults
            stop and the whole data set is checked (`local.invariants`): every list's count equals
            its members, `favorited` flags and `favoritesCount` agree, feeds are complete, nothing
            is duplicated, every user has its profile, claims and Cognito identity and logs in."""),
            _table(
                [
                    "faults",
                    "ops/s",
                    "p50 ms",
                    "p99 ms",
                    f"succeeded within {w['tries']} tries",
                    "500s (target 0)",
                    "503s",
                    "503s without Retry-After",
                    "attempts per op",
                    "invariants",
                ],
                rows,
            ),
        ]
    )


def _edge_defence_costs(c: dict[str, Any]) -> str:
    """The WAF's fees and Cognito threat protection's price (prod), from `bench/pricing.json`."""
    d = c.get("edge_defences")
    if d is None:  # a report recomputed from results made before they were priced
        return ""
    return _p(f"""A stage with the edge also pays the WAF: ${d["waf_usd_per_million"]:.2f} per million
    requests it inspects (every request behind the CDN, cache hits too: the `waf_requests` line above)
    and ${d["waf_usd_per_month"]:.2f} a month for its web ACL and {d["waf_rules"]} rules, traffic or
    not. Threat protection (Cognito's PLUS plan, on for prod) is priced per monthly active user, not
    per request: for {d["monthly_active_users"]:,} monthly active users the pool costs
    ${d["cognito_plus_usd_per_month"]:.2f} a month on PLUS against ${d["cognito_lite_usd_per_month"]:.2f}
    on LITE, so threat protection costs ${d["threat_protection_usd_per_month"]:.2f} a month at that
    size (prices and their sources in `bench/pricing.json`).""")


def _snapstart_costs(c: dict[str, Any]) -> str:
    snap = c["mix_usd_per_million_snapstart"]
    idle = c["idle_usd_per_month"]
    return _p(f"""With SnapStart (the `prod` stage): a cold start is a restore, billed
    {snap["snapstart_restores"]:.3f} USD per million requests of the mix at the assumed cold-start
    fraction, instead of its init time; the mix then costs {snap["total"]:.3f} USD per million
    (without: {c["mix_usd_per_million"]["total"]:.3f}). Its cached snapshots (one published version
    per function, 512 MB each) cost {idle["with_snapstart"]:.2f} USD a month with no traffic at all;
    a personal stage, without SnapStart, costs {idle["without_snapstart"]:.2f} USD while idle.""")


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
        "## 8. Shared keys\n",
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


def lag_section(results: dict[str, Any]) -> str:
    """Section 9: how long other readers wait for each derived view (bench/lag.py)."""
    runs = [("load (section 5)", (results.get("load") or {}).get("lag"))]
    for run in (results.get("weather") or {}).get("runs", []):
        if run["fault_rate"] > 0:
            runs.append((f"{run['fault_rate']:.0%} weather (section 7)", run.get("lag")))
    rows = []
    for name, lag in runs:
        for view, figures in ((lag or {}).get("views") or {}).items():
            rows.append(
                [
                    name,
                    view,
                    figures["probes"],
                    figures["p50_ms"],
                    figures["p99_ms"],
                    figures["max_ms"],
                    figures["missed"],
                ]
            )
    if not rows:
        return "## 9. Lag of derived views\n\nNot measured in this run.\n"
    return "\n".join(
        [
            "## 9. Lag of derived views, for other readers\n",
            _p("""While the load and weather runs keep the server busy, a probe writes as one user
            and reads as another user and anonymously (bench/lag.py), one request at a time:
            the time from a write's answer to the first read that shows it, per view, taken
            midway between that read and the one before it (so within half a turn over the
            views still waiting, a few local requests, of the truth). The writer sees every write at once
            (tests/api/test_read_your_writes.py). Locally the stream pump polls every 0.2 s and
            delivers at once; deployed, the event source mapping gathers records for up to
            `batching_window_seconds` (1 s) first, so AWS adds up to 1 s to each figure, and a
            throttled or failing worker adds its retries (docs/api.md states the bound)."""),
            _table(["run", "view", "probes", "p50 ms", "p99 ms", "max ms", "missed (30 s)"], rows),
        ]
    )


def revocation_section(results: dict[str, Any]) -> str:
    """Section 10: what checking that a token's session has not ended costs (bench/revocation.py)."""
    price = results.get("revocation")
    if not price:
        return "## 10. The price of revocation\n\nNot measured in this run.\n"
    from bench import cost

    per_read = cost.load_pricing().read_unit_per_million
    first, after = price["first_request"], price["next_request_within_the_minute"]
    added = price["added_read_units_per_signed_in_request"]
    rows = [[rate, units, f"{units * per_read:.3f}"] for rate, units in added.items()]
    return "\n".join(
        [
            "## 10. The price of revocation\n",
            _p(f"""Every function that reads a token reads the caller's sessions item before
            trusting it and keeps it {price["cache_seconds"]:.0f} s (docs/api.md, "Sessions"). A
            caller's first signed-in request in a container: {first["calls"]} GetItem,
            {first["read_units"]} RCU (a strongly consistent read of an item under 4 KB); the next
            within the minute: {after["calls"]} calls. Target: at most one read per caller per
            container per minute, and under 1 ms of warm overhead. Warm, the token check takes
            {price["token_check_us"]} µs without revocation and {price["token_check_with_revocation_us"]}
            µs with it: **{price["added_warm_overhead_us"]} µs added** (median of batches of 100,
            in-process). Section 2's rows are measured with the caller's record cached, so they
            do not include the read; it adds to a signed-in request:"""),
            _table(
                ["caller's requests per container-minute", "added RCU per request", "USD per million"], rows
            ),
        ]
    )


def deletion_section(results: dict[str, Any]) -> str:
    """Section 11: deleting a prolific account (bench/deletion.py)."""
    d = results.get("deletion")
    if not d:
        return (
            "## 11. Deleting a prolific account\n\n"
            "Not measured in this run (`make bench SECTIONS=deletion`).\n"
        )
    a = d["account"]
    steps = ", ".join(f"{phase} {n}" for phase, n in d["steps"].items())
    calls = ", ".join(f"{op} {n:,}" for op, n in sorted(d["dynamodb_calls"].items(), key=lambda kv: -kv[1]))
    left = "nothing" if not d["remains"] else f"{len(d['remains'])} items (see results.json)"
    return "\n".join(
        [
            "## 11. Deleting a prolific account\n",
            _p(f"""An account with {a["articles"]:,} articles, {a["comments"]:,} comments (half on its own
            articles), {a["followers"]:,} followers ({a["favoriters"]} of them favoriting one of its
            articles), following and favoriting a neighbour's 100 articles, deleted with `DELETE
            /api/user` (bench/deletion.py, `make bench SECTIONS=deletion`). The request took
            {d["request_s"] * 1000:.0f} ms ({d["request_calls"]} AWS calls); the stream worker took
            {d["until_gone_s"]} s locally until the deletion's record was gone, in
            {d["invocations"]} invocations of {sum(d["steps"].values())} steps of at most
            {a["page_size"]} items ({steps}). The longest invocation took
            {d["longest_invocation_s"]} s against a timeout of {d["worker_timeout_s"]} s (an
            invocation stops taking steps after {d["steps_seconds_budget"]:.0f} s). Afterwards a scan of
            every table found {left} holding the account's id or email, but for the revocation of its
            tokens, which expires."""),
            _p(f"""What it cost, the worker's clean-up of each deleted article and follow included:
            {d["read_units"]:,.0f} read and {d["write_units"]:,.0f} write request units, about
            ${d["usd"]["dynamodb"]:.4f} on demand, and ${d["usd"]["lambda"]:.4f} of Lambda for the
            deletion's own invocations (local times: on AWS each step's calls take a few ms each,
            and each invocation waits for the batching window, about 1 s). Calls: {calls}."""),
        ]
    )
