"""Speed benchmarks of nnlib, its widgets and the grading pipeline; not part of the test run.

``python -m benchmarks`` runs them all and writes ``benchmarks/REPORT.md`` and
``benchmarks/report.png``; each ``benchmarks/bench_*.py`` also runs alone
(``--quick`` for a smoke run).  PyTorch and scikit-learn come from the
optional ``bench`` extra: ``pip install -e .[bench]``.
"""
