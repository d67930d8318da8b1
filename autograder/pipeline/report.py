"""Grades CSV, class summary (Markdown, HTML, histogram) and the terminal table.

The summary answers what an instructor asks after grading: how did the class
do (score histogram), which exercise was hardest (pass rate per exercise),
what went wrong most often (the most common hint per exercise) and what is
left for them to do (written answers to grade by hand, submissions awaiting
their review, flagged ones, ones that could not be graded).

Points come in two kinds and are never added up in one "mean / max":
*autograded* points (test cells) and *written answers*, which nbgrader leaves
for the instructor.  A written answer left blank is scored 0 by nbgrader;
one that was written is "pending" until the instructor grades it.

A submission's status is ``graded``, ``flagged: <reason>`` (evidence was
found: an edited test or setup cell, a patched checker, or two clean
re-checks that scored it lower than its notebook did; the re-check's score
counts), ``review: <reason>`` (the re-check reached no verdict: the
instructor decides, its score counts nowhere until then) or
``failed: <reason>`` (not gradable, 0).

:func:`write_reports` is what ``nncourse grade`` calls: it merges a grading
into the chapter's record (:mod:`autograder.pipeline.record`) and writes
every report from the merged record.
"""
from __future__ import annotations

import csv
import html
import os
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.pipeline import record
from autograder.pipeline.grade import StudentResult

_NAMES_SHOWN = 8  # students named in one line of the terminal's to-do list
STATUS_WIDTH = 110  # characters of a status the terminal table shows (grades.csv has all of it)
FORMGRADER = "nbgrader's formgrader: `.venv/bin/jupyter lab` from the repository root, menu Nbgrader → Formgrader"


def formgrader_hint() -> str:
    """Where the written answers are graded: the local JupyterLab, or on the course's hub its formgrader service."""
    service = os.environ.get("JUPYTERHUB_SERVICE_NAME")
    if os.environ.get("NNCOURSE_HUB_ROLE") == "grader" and service:
        return f"nbgrader's formgrader: on the hub, Nbgrader menu → Courses → {service} → Manual Grading"
    return FORMGRADER


# -- what a status and a result's points mean ---------------------------------

def kind(result: StudentResult) -> str:
    """``graded``, ``flagged``, ``review`` or ``failed``: the status before its reason."""
    return result.status.split(":", 1)[0].strip()


def decided(results: list[StudentResult]) -> list[StudentResult]:
    """Submissions whose score counts: all but those awaiting the instructor's review."""
    return [r for r in results if kind(r) != "review"]


def written_answers(notebook: Path) -> set[str]:
    """Grade ids of the answers graded by hand (nbgrader: cells that are both grade and solution)."""
    nb = nbformat.read(notebook, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")}


def _written(results: list[StudentResult], written: Collection[str] | None) -> set[str]:
    """The written answers' grade ids: as given, else those some student's grade still waits on."""
    if written is not None:
        return set(written)
    return {gid for r in results for gid, (_s, _mx, manual) in r.exercises.items() if manual}


@dataclass(frozen=True)
class Points:
    """One submission's points, autograded and written kept apart."""

    auto: float
    auto_max: float
    written: float  # written answers already scored (by hand, or 0 for a blank one)
    written_max: float
    pending: float  # written-answer points still waiting for the instructor


def points(result: StudentResult, written: set[str], auto_max: float = 0.0) -> Points:
    """Split ``result``'s points; ``auto_max`` stands in for a result with no exercises (failed)."""
    auto = [(s, mx) for gid, (s, mx, _m) in result.exercises.items() if gid not in written]
    hand = [(s, mx, m) for gid, (s, mx, m) in result.exercises.items() if gid in written]
    return Points(auto=sum(s for s, _mx in auto),
                  auto_max=sum(mx for _s, mx in auto) if auto else auto_max,
                  written=sum(s for s, _mx, m in hand if not m),
                  written_max=sum(mx for _s, mx, _m in hand),
                  pending=sum(mx for _s, mx, m in hand if m))


def _auto_max(results: list[StudentResult], written: set[str]) -> float:
    return max((points(r, written).auto_max for r in results), default=0.0)


# -- CSV ------------------------------------------------------------------------

def exercise_ids(results: list[StudentResult]) -> list[str]:
    """Grade ids in notebook order (first graded student's order, then any others)."""
    seen: dict[str, None] = {}
    for r in results:
        for grade_id in r.exercises:
            seen.setdefault(grade_id, None)
    return list(seen)


def _short(grade_id: str) -> str:
    return grade_id.split("-", 1)[-1].removesuffix("_test")


def write_csv(results: list[StudentResult], path: Path, graded_at: Mapping[str, str] | None = None,
              written: Collection[str] | None = None) -> Path:
    """One row per student; ``graded_at``: student -> ISO timestamp of their grading (blank if unknown)."""
    ids = exercise_ids(results)
    hand = _written(results, written)
    top = _auto_max(results, hand)
    graded_at = graded_at or {}
    # Chapter 08: the held-out accuracy the grader measured (blank where it could not).
    capstone = ["capstone accuracy"] if any(r.capstone for r in results) else []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "status", "score", "max_score", "autograded", "autograded_max",
                         "pending_manual", *[_short(i) for i in ids], *capstone, "isolation", "graded_at", "note"])
        for r in results:
            p = points(r, hand, top)
            cells = []
            for i in ids:
                score, _max, manual = r.exercises.get(i, (0.0, 0.0, False))
                cells.append("manual" if manual else f"{score:g}")
            if capstone:
                accuracy = r.capstone.get("accuracy")
                cells.append("" if accuracy is None else f"{accuracy:.4f}")
            writer.writerow([r.student, r.status, f"{r.score:g}", f"{r.max_score:g}", f"{p.auto:g}",
                             f"{p.auto_max:g}", f"{r.pending_manual:g}", *cells, r.isolation,
                             graded_at.get(r.student, ""), r.note])
    return path


# -- summary ----------------------------------------------------------------------

def exercise_stats(results: list[StudentResult], written: Collection[str] | None = None) -> list[dict]:
    """Per exercise: pass rate among graded and flagged students, and the most common hint.

    A written answer has no pass rate ("manual"); its mean is over the
    answers already scored (by hand, or 0 for a blank one).
    """
    hand = _written(results, written)
    scored = [r for r in results if kind(r) in ("graded", "flagged")]  # flagged ones have the re-check's scores
    rows = []
    for grade_id in exercise_ids(results):
        scores = [r.exercises[grade_id] for r in scored if grade_id in r.exercises]
        if not scores:
            continue
        manual = grade_id in hand
        if manual:
            scores = [entry for entry in scores if not entry[2]] or [(0.0, scores[0][1], True)]
        full = sum(1 for s, mx, _m in scores if mx and s >= mx)
        hints = Counter(r.hints[grade_id] for r in scored if grade_id in r.hints)
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


def histogram(results: list[StudentResult], path: Path, written: Collection[str] | None = None) -> Path:
    """Distribution of the autograded points of the decided submissions (failed ones at 0)."""
    hand = _written(results, written)
    counted = decided(results)
    top = _auto_max(results, hand) or 1.0
    fig = Figure(figsize=(6, 3.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.hist([points(r, hand, top).auto for r in counted], bins=min(20, max(5, int(top) + 1)), range=(0, top),
            color="#3b75af", edgecolor="white")
    ax.set_xlabel(f"autograded points (of {top:g})")
    ax.set_ylabel("students")
    ax.set_title("Class score distribution")
    fig.savefig(path)
    return path


def accept_command(student: str, chapter: str, submissions: str = "") -> str:
    """The command that accepts a submission awaiting review."""
    return f"nncourse grade {submissions or 'SUBMISSIONS'} --chapter {chapter} --accept {student}"


@dataclass
class _Section:
    title: str
    text: str
    items: list  # (plain text, code or "") pairs


def _overview(results: list[StudentResult], hand: set[str]) -> tuple[str, list[str]]:
    """The opening sentence and the two lines on points (autograded, written)."""
    counts = Counter(kind(r) for r in results)
    parts = [f"{counts['graded']} graded"]
    if counts["flagged"]:
        parts.append(f"{counts['flagged']} flagged")
    if counts["review"]:
        parts.append(f"{counts['review']} awaiting your review")
    parts.append(f"{counts['failed']} not gradable")
    opening = f"{len(results)} submissions: " + ", ".join(parts) + "."

    top = _auto_max(results, hand)
    counted = decided(results)
    split = [points(r, hand, top) for r in counted]
    mean = sum(p.auto for p in split) / len(split) if split else 0.0
    auto = (f"Autograded: mean {mean:.2f} / {top:g} points over {len(counted)} submissions "
            "(not gradable ones count 0")
    auto += f"; the {counts['review']} awaiting your review are not counted)." if counts["review"] else ")."
    lines = [auto]
    written_max = max((points(r, hand).written_max for r in results), default=0.0)
    if written_max:
        pending = sum(1 for r in results if kind(r) != "failed" and points(r, hand).pending)  # reviews too
        done = [p for r, p in zip(counted, split) if kind(r) != "failed" and p.written_max and not p.pending]
        text = f"Written answers ({written_max:g} points, graded by hand): "
        text += (f"{pending} submission{'s' if pending != 1 else ''} await{'' if pending != 1 else 's'} "
                 f"your grading in {formgrader_hint()}") if pending else "none awaits your grading"
        if done:
            text += (f"; {len(done)} scored, mean {sum(p.written for p in done) / len(done):.2f} / {written_max:g} "
                     "(nbgrader scores an answer left blank 0)")
        lines.append(text + ".")
    return opening, lines


def _sections(results: list[StudentResult], chapter: str, sources: Mapping[str, str]) -> list[_Section]:
    review = [r for r in results if kind(r) == "review"]
    flagged = [r for r in results if kind(r) == "flagged"]
    failed = [r for r in results if kind(r) == "failed"]
    sections = []
    if review:
        sections.append(_Section(
            "Awaiting your review",
            "The re-check could not reach a verdict on these submissions, so their scores count nowhere yet. "
            "Read the student's feedback page and the reason, then accept the notebook's own score with the "
            "command shown (or fix the cause and grade the submission again):",
            [(f"{r.student}: {r.status}", accept_command(r.student, chapter, sources.get(r.student, "")))
             for r in review]))
    if flagged:
        sections.append(_Section(
            "Flagged for review",
            "The re-check found evidence in these notebooks (an edited or deleted test cell, a changed setup "
            "cell, a rebound or patched checker), or, running cleanly twice, scored them lower than their own "
            "run did; its score counts. Each line says what was found:",
            [(f"{r.student}: {r.status}", "") for r in flagged]))
    if failed:
        sections.append(_Section("Not gradable", "", [(f"{r.student}: {r.status}", "") for r in failed]))
    return sections


def write_summary(results: list[StudentResult], chapter: str, folder: Path, *,
                  graded_at: Mapping[str, str] | None = None, sources: Mapping[str, str] | None = None,
                  written: Collection[str] | None = None) -> dict[str, Path]:
    """Write summary.md, summary.html, histogram.png into ``folder``; returns their paths.

    ``graded_at``: student -> when they were graded (the newest is shown);
    ``sources``: student -> the SUBMISSIONS they were graded from (used in
    the accept command); ``written``: grade ids of the hand-graded answers
    (default: those some student's grade still waits on).
    """
    folder.mkdir(parents=True, exist_ok=True)
    hand = _written(results, written)
    stats = exercise_stats(results, hand)
    png = histogram(results, folder / "histogram.png", hand)
    opening, point_lines = _overview(results, hand)
    if graded_at:
        opening += f" Last graded {max(graded_at.values())}."
    unisolated = any(r.isolation == "none" for r in results)
    warning = "Graded without isolation: student code ran unsandboxed (see the README, Isolation)."
    sections = _sections(results, chapter, sources or {})

    md = [f"# {chapter}: class summary", "", opening, ""]
    md += [f"**{warning}**", ""] if unisolated else []
    md += [f"- {line}" for line in point_lines] + ["", "![score histogram](histogram.png)", "",
                                                   "| exercise | points | pass rate | mean | most common hint |",
                                                   "| --- | --- | --- | --- | --- |"]
    md += [f"| {s['exercise']} | {s['points']:g} | {_rate(s)} | {s['mean']:.2f} | {_hint(s)} |" for s in stats]
    for section in sections:
        md += ["", f"## {section.title}", ""] + ([section.text, ""] if section.text else [])
        md += [f"- {text}" + (f" — `{code}`" if code else "") for text, code in section.items]
    md_path = folder / "summary.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")

    esc = html.escape
    rows = "".join(f"<tr><td>{esc(s['exercise'])}</td><td>{s['points']:g}</td><td>{_rate(s)}</td>"
                   f"<td>{s['mean']:.2f}</td><td>{esc(_hint(s))}</td></tr>" for s in stats)
    body = [f"<h1>{esc(chapter)}: class summary</h1>", f"<p>{esc(opening)}</p>"]
    body += [f"<p><strong>{esc(warning)}</strong></p>"] if unisolated else []
    body += ["<ul>" + "".join(f"<li>{_code_spans(line)}</li>" for line in point_lines) + "</ul>",
             "<img src='histogram.png' alt='score histogram'>",
             ("<table><tr><th>exercise</th><th>points</th><th>pass rate</th><th>mean</th>"
              f"<th>most common hint</th></tr>{rows}</table>")]
    for section in sections:
        body += [f"<h2>{esc(section.title)}</h2>"] + ([f"<p>{esc(section.text)}</p>"] if section.text else [])
        body.append("<ul>" + "".join(f"<li>{esc(text)}" + (f" — <code>{esc(code)}</code>" if code else "")
                                     + "</li>" for text, code in section.items) + "</ul>")
    page = (f"<!doctype html><meta charset='utf-8'><title>{esc(chapter)} summary</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}</style>" + "".join(body))
    html_path = folder / "summary.html"
    html_path.write_text(page, encoding="utf-8")
    return {"markdown": md_path, "html": html_path, "histogram": png}


def _code_spans(markdown: str) -> str:
    """HTML for a line whose only markup is `code` spans."""
    pieces = markdown.split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(pieces))


def _rate(stat: dict) -> str:
    return "manual" if stat["manual"] else f"{100 * stat['pass_rate']:.0f} %"


def _hint(stat: dict) -> str:
    return f"{stat['hint']} ({stat['hint_count']}×)" if stat["hint"] else ""


# -- terminal -----------------------------------------------------------------------

def table(results: list[StudentResult], written: Collection[str] | None = None) -> str:
    """A plain-text grade table for the terminal: autograded and written points in their own columns."""
    hand = _written(results, written)
    top = _auto_max(results, hand)
    width = max([len(r.student) for r in results] + [7])
    lines = [f"{'student':<{width}}  {'autograded':>10}  {'written':<9}  status"]
    for r in results:
        p = points(r, hand, top)
        auto = f"{p.auto:g} / {p.auto_max:g}"
        extra = f"  ({r.note})" if r.note else ""
        lines.append(f"{r.student:<{width}}  {auto:>10}  {_written_cell(r, p):<9}  {_shorten(r.status)}{extra}")
    return "\n".join(lines)


def capstone_lines(results: list[StudentResult]) -> list[str]:
    """The capstone's points, held-out accuracy and reason per student (chapter 08); [] without a capstone."""
    measured = [r for r in results if r.capstone]
    if not measured:
        return []
    width = max([len(r.student) for r in measured] + [7])
    lines = [f"{'capstone':<{width}}  {'points':>6}  {'held out':>8}  reason"]
    for r in measured:
        c = r.capstone
        accuracy = "-" if c.get("accuracy") is None else f"{c['accuracy']:.1%}"
        seconds = c.get("seconds")
        took = "" if seconds is None else f"trained in {seconds:.2f} s" if seconds < 1 else f"trained in {seconds:.1f} s"
        reason = "; ".join(c.get("reasons") or []) or took
        lines.append(f"{r.student:<{width}}  {c.get('points', 0):>6g}  {accuracy:>8}  {_shorten(reason)}")
    return lines


def _shorten(status: str, limit: int = STATUS_WIDTH) -> str:
    """A status cut to one terminal line; the CSV and the summary keep it whole."""
    return status if len(status) <= limit else status[: limit - 1].rstrip() + "…"


def _written_cell(result: StudentResult, p: Points) -> str:
    if kind(result) == "failed" or not p.written_max:
        return "-"
    if p.pending == p.written_max:
        return "to grade"
    scored = f"{p.written:g} / {p.written_max - p.pending:g}"
    return scored + (" +to grade" if p.pending else "")


def to_do(results: list[StudentResult], chapter: str, sources: Mapping[str, str] | None = None,
          written: Collection[str] | None = None) -> list[str]:
    """Lines telling the instructor what is left for them: written answers, reviews, flags."""
    hand = _written(results, written)
    lines = []
    waiting = [r.student for r in results if kind(r) != "failed" and points(r, hand).pending]
    if waiting:
        names = ", ".join(waiting[:_NAMES_SHOWN]) + (", …" if len(waiting) > _NAMES_SHOWN else "")
        lines.append(f"written answers to grade by hand ({len(waiting)}): {names} — in {formgrader_hint()}")
    for r in results:
        if kind(r) == "review":
            lines.append(f"awaiting your review: {r.student} — accept its score with: "
                         f"{accept_command(r.student, chapter, (sources or {}).get(r.student, ''))}")
    flagged = [r.student for r in results if kind(r) == "flagged"]
    if flagged:
        names = ", ".join(flagged[:_NAMES_SHOWN]) + (", …" if len(flagged) > _NAMES_SHOWN else "")
        lines.append(f"flagged, the re-check's score counts ({len(flagged)}): {names} — see the summary")
    return lines


# -- everything, from the chapter's merged record ------------------------------------

def write_reports(grading: Path, chapter: str, results: list[StudentResult], submissions: str = "",
                  written: Collection[str] | None = None, graded_at: str | None = None) -> dict:
    """Merge ``results`` into the chapter's record and write every report from the merged record.

    Reports go to ``grading/reports/<chapter>/``: ``grades.csv``,
    ``summary.md``, ``summary.html``, ``histogram.png`` and the record
    ``results.json``.  Returns their paths and the merged results.
    """
    folder = Path(grading) / "reports" / chapter
    entries = record.merge(folder, results, graded_at, submissions)
    merged = [e.result for e in entries.values()]
    when = {s: e.graded_at for s, e in entries.items()}
    sources = {s: e.submissions for s, e in entries.items()}
    paths = write_summary(merged, chapter, folder, graded_at=when, sources=sources, written=written)
    paths["csv"] = write_csv(merged, folder / "grades.csv", when, written)
    paths["record"] = folder / record.FILE_NAME
    return {"paths": paths, "results": merged, "sources": sources}
