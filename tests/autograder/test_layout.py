"""Is autograder/ laid out by concern, without import circles, and does the project speak of itself only?

A newcomer reads the package at a glance: ``checking/`` (what a check is and
does), ``pipeline/`` (nbgrader around it), ``sandbox/`` (isolation and the
re-check), ``lecture/`` (the lecture view), ``hub/`` (a class on JupyterHub),
and the command line.  These tests read the source (no imports run), so
they take milliseconds.
"""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "autograder"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The autograder modules ``path`` imports anywhere in its body (lazy imports inside functions too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def import_graph() -> dict[str, set[str]]:
    files = [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]
    modules = {_module_name(p) for p in files}
    return {_module_name(p): _imports(p, modules) for p in files}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan): each is an import circle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_does_the_circle_finder_find_a_circle():
    """The finder itself: grade -> rechecks -> grade is a circle, a chain is not."""
    assert circles({"grade": {"rechecks"}, "rechecks": {"grade", "batches"}, "batches": set()}) == [
        ["grade", "rechecks"]]
    assert circles({"grade": {"rechecks"}, "rechecks": {"batches"}, "batches": set()}) == []


def test_are_there_no_import_circles_in_autograder():
    """No module of autograder/ imports, even lazily, a module that imports it back."""
    graph = import_graph()
    assert "autograder.pipeline.grade" in graph and "autograder.pipeline.rechecks" in graph["autograder.pipeline.grade"]
    assert circles(graph) == []


def test_is_the_package_laid_out_by_concern():
    """Only the package's entry points sit at the top; everything else lives in a subpackage of its concern."""
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "cli.py"}
    concerns = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {"checking", "pipeline", "sandbox", "lecture"} <= concerns
    assert (PACKAGE / "checking" / "checks").is_dir()


def test_does_from_autograder_import_check_keep_working():
    """What every notebook's setup cell imports."""
    from autograder import check
    from autograder.checking.engine import check as engine_check

    assert check is engine_check


# "issue 11", "(issue #7)": the project's own tracker.  Other projects' issues are named with the project
# ("nbgrader issue #1359", "jupyter_server issue #1265") and are fine: they point readers somewhere real.
_OWN_ISSUE = re.compile(r"\bissues? ?#?\d+", re.IGNORECASE)
_OTHER_PROJECT = re.compile(r"(nbgrader|jupyter_server|jupyterlab|ipywidgets|numpy|matplotlib|voila|"
                            r"playwright|chromium|bubblewrap|ipykernel|jupyterhub|github)\S*\s+issues? ?#?\d+",
                            re.IGNORECASE)


def own_issue_references(text: str) -> list[str]:
    """The project-tracker references in ``text`` ("issue 11"), leaving other projects' issues alone."""
    others = {m.start() + len(m.group(0)) for m in _OTHER_PROJECT.finditer(text)}
    return [m.group(0) for m in _OWN_ISSUE.finditer(text) if m.end() not in others]


def test_does_the_issue_finder_tell_our_issues_from_other_projects():
    assert own_issue_references("Where the time went (issue 11), 2026") == ["issue 11"]
    assert own_issue_references("see issues #6 and 7") == ["issues #6"]
    assert own_issue_references("they draw nothing (nbgrader issue #1359)") == []
    assert own_issue_references("(jupyter_server issue #1265: 'NoneType')") == []


def test_do_code_and_committed_reports_speak_of_the_project_only():
    """No "issue N" of the project's tracker in code, docs, benchmarks' reports or the README."""
    tracked = subprocess.run(["git", "ls-files", "autograder", "nnlib", "benchmarks", "docs", "tests", "README.md",
                              "pyproject.toml", "nbgrader_config.py"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = {}
    for name in tracked:
        path = ROOT / name
        is_report = path.suffix == ".json" and path.parent.name == "results"  # benchmarks/results/*.json
        if path.suffix not in {".py", ".md", ".toml", ".txt", ".html", ".j2"} and not is_report:
            continue
        if not path.exists():
            continue
        refs = own_issue_references(path.read_text(encoding="utf-8", errors="replace"))
        if refs and path != Path(__file__):
            found[name] = refs
    assert found == {}
