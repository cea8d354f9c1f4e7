"""Smaller pieces of the bench: import-time parsing, dataset sampling, deployment sizes."""

from __future__ import annotations

import random
import sys

import pytest

from bench import coldstart, dataset, report, sizes


def test_import_time_is_summed_per_top_level_package():
    output = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |        100 |   pydantic.fields",
            "import time:       300 |        400 | pydantic",
            "import time:      2000 |       2000 |     aws_xray_sdk.core",
            "not an import line",
        ]
    )

    top = coldstart.top_imports(output, top=5)

    assert top == [{"package": "aws_xray_sdk", "self_ms": 2.0}, {"package": "pydantic", "self_ms": 0.4}]


def test_the_child_imports_the_handler_and_times_only_that():
    body = coldstart.handler_body("articles.list.handler")

    assert body == "getattr(importlib.import_module('articles.list'), 'handler')"


def test_the_lambda_environment_names_a_function_and_carries_no_project_paths():
    env = coldstart.lambda_environment()

    assert env["AWS_LAMBDA_FUNCTION_NAME"]
    assert "PYTHONPATH" not in env


def test_zipf_weights_fall_with_rank():
    weights = dataset.zipf_weights(4, 1.0)

    assert weights == [1.0, 0.5, 1 / 3, 0.25]


def test_sample_distinct_never_repeats_and_stops_at_the_population():
    rng = random.Random(1)
    population = ["a", "b", "c"]

    chosen = dataset.sample_distinct(rng, population, [10.0, 1.0, 1.0], 5)

    assert sorted(chosen) == population


def test_a_scale_names_its_dataset_file():
    assert dataset.Scale(users=10, articles=20, comments=30, seed=2).name == "v4-u10-a20-c30-s2"


def test_zipped_size_counts_lambdas_bytecode_and_leaves_other_bytecode_out(tmp_path):
    (tmp_path / "module.py").write_text("x = 1\n" * 100)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"\0" * 10_000)
    (tmp_path / "__pycache__" / "module.cpython-313.pyc").write_bytes(b"\0" * 50)
    (tmp_path / "module.cpython-313.pyc").write_bytes(b"\0" * 10_000)

    zipped, unzipped = sizes.zipped_size(tmp_path)

    assert unzipped == 650
    assert 0 < zipped < 650


FLOOR = {"init_ms": 200.0, "request_ms": 10.0, "total_ms": 210.0, "cpu_ms": 190.0, "aws": {}}


def figures(**overrides: object) -> dict[str, object]:
    found: dict[str, object] = {
        "init_ms": 190.0,
        "request_ms": 120.0,
        "total_ms": 310.0,
        "aws": {"dynamodb_calls": 3, "dynamodb_ms": 30.0},
        "ratio": 310 / 210,
        "cpu_ms": 250.0,
        "cpu_ratio": 250 / 190,
        "request_class": "signed in, no body",
        "signed_in": True,
        "parses_body": False,
        "target": 1.25,
        "met": False,
    }
    return found | overrides


def cold_start_results(functions: dict[str, dict[str, object]]) -> dict[str, object]:
    pieces = {"dynamodb_client": 80.0, "token_check": 1.0, "request_body": 70.0, "cognito_client": 75.0}
    reference = {"init_ms": 300.0, "request_ms": 20.0, "total_ms": 320.0, "ratio": 1.52, "cpu_ratio": 1.6}
    without = {"floor_ms": 200.0, "functions": {n: {"median_ms": 1.0, "ratio": 1.0} for n in functions}}
    return {
        "cold_start": {
            "whole_request": {
                "runs": 15,
                "interpreter": "CPython 3.13.0 over the assets as shipped",
                "why_not_python_313": None,
                "floor": FLOOR,
                "reference": reference,
                "functions": functions,
            },
            "pieces": {"after": "articles.create.handler", "runs": 15, "ms": pieces},
            "without_bytecode": {
                "runs": 3,
                "python": "3.11",
                "with bytecode": without,
                "without bytecode": without,
            },
            "import_profile": {"handler": "h", "top_packages": [], "top_modules": {}},
            "cpu": {"architecture": "x86_64", "model": "EPYC", "lambda_architecture": "arm64"},
        },
        "deployment_size": {"parts": {}, "dependency_layer_note": "built"},
    }


def test_the_report_names_the_functions_that_miss_their_target_and_where_their_time_goes():
    functions = {
        "GetArticle": figures(),
        "ListTags": figures(
            request_class="anonymous read", signed_in=False, ratio=1.1, target=1.15, met=True
        ),
    }

    text = report._cold(cold_start_results(functions))

    assert "**Target missed by 1 of 2 functions**: GetArticle." in text
    assert (
        "| GetArticle | signed in, no body | 190.0 | 120.0 | 310.0 | 1.48x | <= 1.25x | **MISSED** |" in text
    )
    assert "| ListTags | anonymous read |" in text
    assert "over the floor ms" in text  # the breakdown of the one that missed


def test_the_report_says_when_every_function_meets_its_target_and_the_worker_has_none():
    functions = {
        "ListTags": figures(ratio=1.0, met=True),
        "StreamWorker": figures(request_class="stream worker", target=None, met=None),
    }

    text = report._cold(cold_start_results(functions))

    assert "Every function meets its target (1 have one; the stream worker has none)." in text
    assert "over the floor ms" not in text


def test_a_functions_gap_counts_only_the_pieces_its_request_runs():
    gap = report.gap_of(figures(), FLOOR, {"dynamodb_client": 80.0, "token_check": 1.0, "request_body": 70.0})

    assert gap["total"] == 100.0
    assert gap["imports"] == 70.0  # 190 + 80 (the client, made at the first request) - 200
    assert gap["token_check"] == 1.0
    assert gap["request_body"] == 0.0  # no body
    assert gap["cognito_client"] == 0.0  # no Cognito call
    assert gap["aws_calls"] == 20.0  # 30 ms of calls against the floor's one GetItem, 10 ms
    assert gap["other"] == pytest.approx(100.0 - 70.0 - 1.0 - 20.0)


def test_an_anonymous_request_pays_no_token_check_and_a_body_pays_the_models():
    pieces = {"token_check": 1.0, "request_body": 70.0, "cognito_client": 75.0}
    anonymous = report.gap_of(figures(signed_in=False), FLOOR, pieces)
    body = report.gap_of(
        figures(
            parses_body=True, aws={"cognito-identity-provider_calls": 1, "cognito-identity-provider_ms": 5.0}
        ),
        FLOOR,
        pieces,
    )

    assert anonymous["token_check"] == 0.0
    assert (body["request_body"], body["cognito_client"]) == (70.0, 75.0)


def test_the_logged_aws_tally_is_read_from_the_request_handled_line():
    lines = [
        '{"message": "other"}',
        '{"message": "request handled", "aws": {"dynamodb": {"calls": 2, "ms": 3.5}}}',
    ]

    assert coldstart._logged_aws_calls(lines) == {"dynamodb": {"calls": 2, "ms": 3.5}}
    assert coldstart._logged_aws_calls(['{"message": "other"}']) == {}


def test_slow_modules_are_listed_per_package():
    output = "\n".join(
        [
            "import time:       100 |        100 |   pynamodb.attributes",
            "import time:       900 |       1000 | pynamodb",
            "import time:      2000 |       2000 |     conduit.routes",
        ]
    )

    modules = coldstart.top_modules(output, ("pynamodb", "conduit"), top=5)

    assert modules["pynamodb"] == [
        {"module": "pynamodb", "self_ms": 0.9},
        {"module": "pynamodb.attributes", "self_ms": 0.1},
    ]
    assert modules["conduit"] == [{"module": "conduit.routes", "self_ms": 2.0}]


def test_a_function_environment_holds_only_what_the_cdk_app_gives_that_function():
    from conduit.resources import TABLES, USER_POOL
    from conduit.routes import ROUTES_BY_NAME, tables_used

    world = {"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "JWKS_URL": "http://127.0.0.1:1/keys"}
    world |= {t.env_var: f"t-{t.key}" for t in TABLES}
    world |= {
        USER_POOL.pool_id_env_var: "pool",
        USER_POOL.client_id_env_var: "client",
        USER_POOL.keys_env_var: "{}",
    }

    tags = coldstart.function_environment(ROUTES_BY_NAME["ListTags"], world)
    article = coldstart.function_environment(ROUTES_BY_NAME["GetArticle"], world)

    assert {k for k in tags if k.endswith("_TABLE")} == {
        t.env_var for t in tables_used(ROUTES_BY_NAME["ListTags"])
    }
    assert USER_POOL.keys_env_var not in tags
    assert article[USER_POOL.keys_env_var] == "{}"
    assert tags["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (("GET", "/api/tags", None, None), "anonymous read"),
        (("GET", "/api/user", None, "t"), "signed in, no body"),
        (("POST", "/api/articles/s/favorite", None, "t"), "signed in, no body"),
        (("POST", "/api/users/login", {"user": {}}, None), "parses a body"),
    ],
)
def test_a_representative_request_is_classed_by_its_token_and_body(request_, expected):
    from bench.representative import RequestClass, _request_class

    assert _request_class(request_) == expected
    assert RequestClass.TARGETS.get(expected) in (1.15, 1.25, 1.35)


def test_a_cold_start_child_imports_from_its_interpreters_paths_and_writes_no_bytecode(tmp_path):
    (tmp_path / "only_here.py").write_text("VALUE = 1\n")
    interpreter = coldstart.Interpreter(sys.executable, (str(tmp_path),), ("-B",))

    ms = coldstart.run_child("import only_here", None, interpreter=interpreter)

    assert ms > 0
    assert not (tmp_path / "__pycache__").exists()
