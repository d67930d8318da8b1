"""Are the hub's numbers in the README the ones the hub benchmark measured (benchmarks/results/hub.json)?

The README's "Measured" part of "Running a class on JupyterHub" quotes the
one run of ``benchmarks/bench_hub.py``; every numeral in it must be a number
of that run's stored report (as printed there, or rounded to one decimal or
a whole number), a value derived from one (listed below with how), or a
constant of the method (listed with what it is).  The sizing table must be
the report's, row for row.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def _measured_part() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("Measured (`benchmarks/bench_hub.py`")
    return readme[start:readme.index("\n## ", start)]


def _report() -> dict:
    return json.loads((REPO / "benchmarks" / "results" / "hub.json").read_text())


def _allowed(report: dict) -> set[str]:
    body = report["body"]
    hub_mb = float(re.search(r"hub's own processes.*?\| (\d+) \|", body).group(1))
    allowed = set(NUMBER.findall(body))
    for token in list(allowed):
        allowed |= {f"{float(token):.1f}", f"{float(token):.0f}"}
    allowed |= {
        f"{hub_mb / 1024:.1f}",  # the hub's own processes in GB, added to the sizing table's memory
        "1024",  # MB in a GB: students per GB = 1024 / PSS per student
        f"{report['seconds'] / 60:.0f}",  # the benchmark's run time, in minutes
    }
    return allowed


def _sizing_rows(text: str) -> list[list[str]]:
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    return [row for row in rows if row[0] in {"20", "50", "100", "200"} and len(row) == 3]


def test_every_numeral_of_the_readme_is_the_benchmarks():
    allowed = _allowed(_report())
    assert [n for n in NUMBER.findall(_measured_part()) if n not in allowed] == []


def test_the_sizing_table_is_the_reports():
    assert _sizing_rows(_measured_part()) == _sizing_rows(_report()["body"]) != []


def test_a_number_the_benchmark_did_not_measure_is_caught():
    """The inventory can fail: a median of 86.9 s misquoted as 68.9 s is reported."""
    text = _measured_part().replace("86.9 s", "68.9 s")
    assert [n for n in NUMBER.findall(text) if n not in _allowed(_report())] == ["68.9"]
