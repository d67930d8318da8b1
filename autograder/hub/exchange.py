"""nbgrader's collect step, refusing submissions that are not what they claim to be.

The exchange's ``inbound`` folder is writable by every student (that is how
``nbgrader submit`` works), and nbgrader's own collect trusts what it finds
there: it takes the student id from the folder's *name* and only logs a
warning when the folder belongs to someone else, and it copies with
symbolic links followed, as the grader.  So, on a shared machine, a student
could

* submit *as someone else* (``nbgrader submit --student bob``, or a folder
  named ``bob+01_perceptron+<time>``) and overwrite bob's grade, or
* put a symbolic link named ``01_perceptron.ipynb`` pointing at the
  instructor's solution notebook into the inbound folder by hand: the
  grader's collect would copy the *solution* as their submission.

:class:`CheckedCollect` is nbgrader's collect with those submissions left
out (and logged as errors naming the student and the reason): a submission
is collected only when its folder and everything in it are owned by the
student it names, and it holds only regular files and folders.  It is
nbgrader's documented extension point for the exchange
(``ExchangeFactory.collect``), so the formgrader's "Collect" button and the
``nbgrader collect`` command both use it.
"""
from __future__ import annotations

import json
import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect, groupby


def owner_uid(student: str) -> int | None:
    """The uid a submission of ``student`` must be owned by: their account here, else the people file.

    On Kubernetes (``deploy/``) each student's pod runs with a uid of their
    own but no account in the grader's container; the hub and the grader read
    the same people file (``NNCOURSE_PEOPLE``: JSON ``{"students": {name:
    uid}, "instructors": {name: uid}}``).
    """
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        pass
    people = os.environ.get("NNCOURSE_PEOPLE")
    if not people:
        return None
    with open(people) as fh:
        table = json.load(fh)
    uid = {**table.get("instructors", {}), **table.get("students", {})}.get(student)
    return int(uid) if uid is not None else None


def submission_problem(path: str, student: str) -> str:
    """Why the inbound submission folder ``path`` may not be collected for ``student`` ('' when it may)."""
    uid = owner_uid(student)
    if uid is None:
        return f"it is named for {student!r}, who has no account on this machine"
    try:
        top = os.lstat(path)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if not stat.S_ISDIR(top.st_mode):
        return "it is not a folder (a symbolic link or a file in its place)"
    for folder, dirs, files in os.walk(path):
        for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
            info = os.lstat(name)
            relative = os.path.relpath(name, path)
            if info.st_uid != uid:
                return f"{relative!r} belongs to {_user(info.st_uid)}, not to {student}"
            if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
                return f"{relative!r} is {kind}"
    return ""


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class CheckedCollect(ExchangeCollect):
    """``nbgrader collect`` that skips forged submissions (see the module docstring)."""

    def init_src(self):
        super().init_src()  # paths, permissions, due date; then choose again from the checked records only
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")
        import glob

        records = []
        for path in glob.glob(pattern):
            record = self._path_to_record(path)
            problem = submission_problem(path, record["username"])
            if problem:
                self.log.error("Not collecting %s for %s: %s", record["filename"], record["username"], problem)
                continue
            records.append(record)
        chosen = []
        for group in groupby(records, lambda r: r["username"]).values():
            ordered = self._sort_by_timestamp(group)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in ordered if r["timestamp"] <= self.duedate]
                chosen.append((on_time or ordered)[0])
            else:
                chosen.append(ordered[0])
        self.src_records = chosen
