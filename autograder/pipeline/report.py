"""Grades CSV, class summary (Markdown, HTML, histogram) and the terminal table.

The summary answers what an instructor asks after grading: how did the class
do (score histogram), which exercise was hardest (pass rate per exercise) and
what went wrong most often (the most common hint per exercise).
"""
from __future__ import annotations

import csv
import html
from collections import Counter
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.pipeline.grade import StudentResult


def exercise_ids(results: list[StudentResult]) -> list[str]:
    """Grade ids in notebook order (first graded student's order, then any others)."""
    seen: dict[str, None] = {}
    for r in results:
        for grade_id in r.exercises:
            seen.setdefault(grade_id, None)
    return list(seen)


def _short(grade_id: str) -> str:
    return grade_id.split("-", 1)[-1].removesuffix("_test")


def write_csv(results: list[StudentResult], path: Path) -> Path:
    ids = exercise_ids(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "status", "score", "max_score", "pending_manual",
                         *[_short(i) for i in ids], "isolation", "note"])
        for r in results:
            cells = []
            for i in ids:
                score, _max, manual = r.exercises.get(i, (0.0, 0.0, False))
                cells.append("manual" if manual else f"{score:g}")
            writer.writerow([r.student, r.status, f"{r.score:g}", f"{r.max_score:g}", f"{r.pending_manual:g}",
                             *cells, r.isolation, r.note])
    return path


def exercise_stats(results: list[StudentResult]) -> list[dict]:
    """Per exercise: pass rate among graded students, and the most common hint."""
    graded = [r for r in results if not r.status.startswith("failed")]  # flagged ones have real scores
    rows = []
    for grade_id in exercise_ids(results):
        scores = [r.exercises[grade_id] for r in graded if grade_id in r.exercises]
        if not scores:
            continue
        manual = any(m for _s, _mx, m in scores)
        full = sum(1 for s, mx, _m in scores if mx and s >= mx)
        hints = Counter(r.hints[grade_id] for r in graded if grade_id in r.hints)
        hint, count = hints.most_common(1)[0] if hints else ("", 0)
        rows.append({
            "exercise": _short(grade_id),
            "points": scores[0][1],
            "manual": manual,
            "pass_rate": None if manual else full / len(scores),
            "mean": sum(s for s, _mx, _m in scores) / len(scores),
            "hint": hint,
            "hint_count": count,
        })
    return rows


def histogram(results: list[StudentResult], path: Path) -> Path:
    fig = Figure(figsize=(6, 3.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    maxima = [r.max_score for r in results if r.max_score]
    top = max(maxima) if maxima else 1.0
    ax.hist([r.score for r in results], bins=min(20, max(5, int(top) + 1)), range=(0, top), color="#3b75af",
            edgecolor="white")
    ax.set_xlabel(f"score (of {top:g} autograded points)")
    ax.set_ylabel("students")
    ax.set_title("Class score distribution")
    fig.savefig(path)
    return path


def write_summary(results: list[StudentResult], chapter: str, folder: Path) -> dict[str, Path]:
    """Write summary.md, summary.html, histogram.png into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stats = exercise_stats(results)
    png = histogram(results, folder / "histogram.png")
    graded = [r for r in results if not r.status.startswith("failed")]
    failed = [r for r in results if r.status.startswith("failed")]
    flagged = [r for r in results if r.status.startswith("flagged")]
    unisolated = any(r.isolation == "none" for r in results)
    mean = sum(r.score for r in results) / len(results) if results else 0.0
    top = max((r.max_score for r in results), default=0.0)

    md = [f"# {chapter}: class summary", "",
          f"{len(results)} submissions: {len(graded)} graded, {len(failed)} not gradable. "
          f"Mean autograded score {mean:.2f} / {top:g}.", "", "![score histogram](histogram.png)", "",
          "| exercise | points | pass rate | mean | most common hint |", "| --- | --- | --- | --- | --- |"]
    for s in stats:
        md.append(f"| {s['exercise']} | {s['points']:g} | {_rate(s)} | {s['mean']:.2f} | {_hint(s)} |")
    if unisolated:
        md[2:2] = ["**Graded without isolation**: student code ran unsandboxed (see the README, Isolation).", ""]
    if flagged:
        md += ["", "## Flagged for review", "",
               "The re-check scored these lower than their notebooks did (its score counts), or the "
               "notebook was tampered with:", ""] + [f"- {r.student}: {r.status}" for r in flagged]
    if failed:
        md += ["", "## Not gradable", ""] + [f"- {r.student}: {r.status}" for r in failed]
    md_path = folder / "summary.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")

    rows = "".join(
        f"<tr><td>{html.escape(s['exercise'])}</td><td>{s['points']:g}</td><td>{_rate(s)}</td>"
        f"<td>{s['mean']:.2f}</td><td>{html.escape(_hint(s))}</td></tr>"
        for s in stats)
    failed_html = "".join(f"<li>{html.escape(r.student)}: {html.escape(r.status)}</li>" for r in failed)
    flagged_html = "".join(f"<li>{html.escape(r.student)}: {html.escape(r.status)}</li>" for r in flagged)
    page = (f"<!doctype html><meta charset='utf-8'><title>{chapter} summary</title>"
            f"<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}"
            f"td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}}</style>"
            f"<h1>{chapter}: class summary</h1><p>{len(results)} submissions: {len(graded)} graded, "
            f"{len(failed)} not gradable. Mean autograded score {mean:.2f} / {top:g}.</p>"
            f"<img src='histogram.png' alt='score histogram'>"
            f"<table><tr><th>exercise</th><th>points</th><th>pass rate</th><th>mean</th>"
            f"<th>most common hint</th></tr>{rows}</table>"
            + ("<p><strong>Graded without isolation.</strong></p>" if unisolated else "")
            + (f"<h2>Flagged for review</h2><ul>{flagged_html}</ul>" if flagged else "")
            + (f"<h2>Not gradable</h2><ul>{failed_html}</ul>" if failed else ""))
    html_path = folder / "summary.html"
    html_path.write_text(page, encoding="utf-8")
    return {"markdown": md_path, "html": html_path, "histogram": png}


def _rate(stat: dict) -> str:
    return "manual" if stat["manual"] else f"{100 * stat['pass_rate']:.0f} %"


def _hint(stat: dict) -> str:
    return f"{stat['hint']} ({stat['hint_count']}×)" if stat["hint"] else ""


def table(results: list[StudentResult]) -> str:
    """A plain-text grade table for the terminal."""
    width = max([len(r.student) for r in results] + [7])
    lines = [f"{'student':<{width}}  {'score':>11}  status"]
    for r in results:
        score = f"{r.score:g} / {r.max_score:g}"
        notes = [f"{r.pending_manual:g} points await manual grading"] if r.pending_manual else []
        notes += [r.note] if r.note else []
        extra = f"  ({'; '.join(notes)})" if notes else ""
        lines.append(f"{r.student:<{width}}  {score:>11}  {r.status}{extra}")
    return "\n".join(lines)
