"""benchmarks/results: a section re-measured alone replaces only its own stored result, and the report says when
each section was measured."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as bench_main  # noqa: E402
from benchmarks import results  # noqa: E402
from benchmarks._common import Section, Target  # noqa: E402


def test_a_stored_section_round_trips(tmp_path):
    """Does a saved section come back with its targets, chart data (NumPy numbers as floats) and stamp?"""
    import numpy as np

    section = Section("grading", "5. Notebooks and grading", "body", [Target("speed", "≥ 2", "2.10", True)],
                      {"seconds": {"a": np.float64(1.5)}}, 312.4)
    results.save(section, "2026-12-03 09:40", "0.21", "1.05", folder=tmp_path)
    back, stamp = results.load("grading", folder=tmp_path)
    assert back.targets == section.targets and back.chart == {"seconds": {"a": 1.5}} and back.seconds == 312.4
    assert stamp == {"ran_at": "2026-12-03 09:40", "load_before": "0.21", "load_after": "1.05"}
    assert results.stamp_line(back, stamp) == "*(measured 2026-12-03 09:40 in 312 s; 1-minute load average 0.21 → 1.05)*"
    assert results.load("training", folder=tmp_path) is None


def test_only_refreshes_its_sections_and_keeps_the_others(tmp_path, monkeypatch):
    """After `--only overhead`, does the report hold the stored training section with its own date, and the new one?"""
    monkeypatch.setattr(results, "RESULTS", tmp_path / "results")
    save, load = results.save, results.load
    monkeypatch.setattr(results, "save", lambda s, *a, **k: save(s, *a, folder=tmp_path / "results"))
    monkeypatch.setattr(results, "load", lambda name, **k: load(name, folder=tmp_path / "results"))
    save(Section("training", "1. Training", "old training body", [Target("t", "w", "m", True)], {}, 34),
         "2026-11-21 09:07", "0.28", "0.94", folder=tmp_path / "results")

    class Overhead:
        @staticmethod
        def run(quick=False):
            return Section("overhead", "3. Per-step overhead", "new overhead body", [Target("o", "≤ 0.4", "0.23", True)])

    monkeypatch.setitem(bench_main.BENCHMARKS, "overhead", Overhead)
    report = tmp_path / "REPORT.md"
    assert bench_main.main(["--only", "overhead", "--output", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert "old training body" in text and "new overhead body" in text
    assert "*(measured 2026-11-21 09:07 in 34 s; 1-minute load average 0.28 → 0.94)*" in text
    assert "Sections kept from earlier runs (training)" in text
    assert (tmp_path / "results" / "overhead.json").exists()
