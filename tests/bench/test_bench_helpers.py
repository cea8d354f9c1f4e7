"""Smaller pieces of the bench: import-time parsing, dataset sampling, deployment sizes."""

from __future__ import annotations

import random
import sys

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
    assert dataset.Scale(users=10, articles=20, comments=30, seed=2).name == "v3-u10-a20-c30-s2"


def test_zipped_size_counts_lambdas_bytecode_and_leaves_other_bytecode_out(tmp_path):
    (tmp_path / "module.py").write_text("x = 1\n" * 100)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"\0" * 10_000)
    (tmp_path / "__pycache__" / "module.cpython-313.pyc").write_bytes(b"\0" * 50)
    (tmp_path / "module.cpython-313.pyc").write_bytes(b"\0" * 10_000)

    zipped, unzipped = sizes.zipped_size(tmp_path)

    assert unzipped == 650
    assert 0 < zipped < 650


def test_the_report_says_why_lambdas_python_was_not_measured():
    text = report._lambda_python({"skipped": "no CPython 3.13 found"}, 1.15)

    assert "Not measured" in text
    assert "no CPython 3.13 found" in text


def test_the_report_names_the_functions_that_miss_the_target_on_lambdas_python():
    figures = {
        "python": "3.13.0",
        "floor_ms": 200.0,
        "runs": 9,
        "functions": {"GetArticle": {"ratio": 0.9}, "CreateArticle": {"ratio": 1.2}},
    }

    text = report._lambda_python(figures, 1.15)

    assert "missed by CreateArticle" in text
    assert "0.90x to 1.20x" in text


def test_a_cold_start_child_imports_from_its_interpreters_paths_and_writes_no_bytecode(tmp_path):
    (tmp_path / "only_here.py").write_text("VALUE = 1\n")
    interpreter = coldstart.Interpreter(sys.executable, (str(tmp_path),), ("-B",))

    ms = coldstart.run_child("import only_here", None, interpreter=interpreter)

    assert ms > 0
    assert not (tmp_path / "__pycache__").exists()
