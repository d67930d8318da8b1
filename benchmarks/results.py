"""Each benchmark's latest result, kept in ``benchmarks/results/<name>.json``.

A full run takes most of an hour on two cores, and most changes touch one
part of the course, so ``python -m benchmarks --only grading`` re-measures
one section. ``REPORT.md`` is then assembled from the latest stored result
of *every* section, each stamped with when it ran, how long it took and the
machine's load average around it, so a report never mixes numbers of
different runs without saying so.  Quick smoke runs (``--quick``) are not
stored.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from benchmarks._common import HERE, Section, Target

RESULTS = HERE / "results"


def _plain(value):
    """JSON for NumPy numbers in chart data (``float(np.float64(1.5))``)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def save(section: Section, ran_at: str, load_before: str, load_after: str, folder: Path = RESULTS) -> Path:
    """Store ``section`` as the latest result of its benchmark; the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    record = asdict(section) | {"ran_at": ran_at, "load_before": load_before, "load_after": load_after}
    path = folder / f"{section.name}.json"
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=_plain) + "\n", encoding="utf-8")
    return path


def load(name: str, folder: Path = RESULTS) -> tuple[Section, dict] | None:
    """``(section, stamp)`` of the stored result of ``name``, or None; stamp: ran_at, load_before, load_after."""
    path = folder / f"{name}.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    stamp = {key: record.pop(key, "?") for key in ("ran_at", "load_before", "load_after")}
    record["targets"] = [Target(**t) for t in record.get("targets", [])]
    return Section(**record), stamp


def stamp_line(section: Section, stamp: dict) -> str:
    """``*(measured 2026-12-03 09:40 in 312 s; load average 0.21 → 1.05)*``."""
    return (f"*(measured {stamp['ran_at']} in {section.seconds:.0f} s; 1-minute load average "
            f"{stamp['load_before']} → {stamp['load_after']})*")
