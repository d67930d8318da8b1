"""Does intake accept every layout an LMS produces and turn each broken file into a reason?"""
from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.pipeline.submissions import collect, place, student_id, validate_notebook

CH = "01_perceptron"


def _nb(path, text="x = 1"):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)]), path)
    return path


@pytest.fixture
def scratch(tmp_path):
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


def by_student(intakes):
    return {i.student: i for i in intakes}


def test_folder_per_student_and_loose_notebooks(tmp_path, scratch):
    """Are `<student>/<chapter>.ipynb` and `<student>.ipynb` both taken in?"""
    subs = tmp_path / "subs"
    _nb(subs / "ada" / f"{CH}.ipynb")
    _nb(subs / "bob.ipynb")
    got = by_student(collect(subs, CH, scratch))
    assert set(got) == {"ada", "bob"}
    assert got["ada"].ok and got["ada"].note == ""
    assert got["bob"].ok and "graded as 01_perceptron.ipynb" in got["bob"].note


def test_wrong_name_is_accepted_with_a_note_but_ambiguity_is_not(tmp_path, scratch):
    """Is a single wrongly named notebook graded, and two unnamed ones refused with a reason?"""
    subs = tmp_path / "subs"
    _nb(subs / "cy" / "perceptron_final.ipynb")
    _nb(subs / "di" / "a.ipynb")
    _nb(subs / "di" / "b.ipynb")
    got = by_student(collect(subs, CH, scratch))
    assert got["cy"].ok and "perceptron_final.ipynb" in got["cy"].note
    assert not got["di"].ok and "several notebooks (a.ipynb, b.ipynb)" in got["di"].reason


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file (0 bytes)"),
    (b'{"cells": [', "broken JSON at line 1"),
    (b'{"hello": 1}', "no 'cells'"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_broken_files_get_a_reason(tmp_path, content, reason):
    """Does each kind of broken file get a reason an instructor understands?"""
    path = tmp_path / f"{CH}.ipynb"
    path.write_bytes(content)
    assert reason in validate_notebook(path)


def test_zip_per_student_and_class_zip(tmp_path, scratch):
    """Are per-student zips and one class zip of folders both unpacked to the right students?"""
    subs = tmp_path / "subs"
    subs.mkdir()
    one = _nb(tmp_path / "src" / f"{CH}.ipynb")
    with zipfile.ZipFile(subs / "eve.zip", "w") as zf:
        zf.write(one, f"deep/folder/{CH}.ipynb")
    with zipfile.ZipFile(subs / "class.zip", "w") as zf:
        zf.write(one, f"fay/{CH}.ipynb")
        zf.write(one, f"gus/{CH}.ipynb")
        zf.writestr("../escape.ipynb", "{}")  # zip slip: must be ignored
    got = by_student(collect(subs, CH, scratch))
    assert set(got) == {"eve", "fay", "gus"}
    assert all(i.ok for i in got.values())
    assert not (tmp_path / "escape.ipynb").exists()


def test_not_a_zip_is_a_reason_not_a_crash(tmp_path, scratch):
    """Is a corrupt .zip reported for its student instead of stopping intake?"""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "hal.zip").write_bytes(b"not a zip")
    got = by_student(collect(subs, CH, scratch))
    assert not got["hal"].ok


def test_place_copies_and_never_modifies(tmp_path, scratch):
    """Does placing copy into submitted/ and leave the original byte-for-byte unchanged?"""
    subs = tmp_path / "subs"
    original = _nb(subs / "ivy" / f"{CH}.ipynb")
    before = original.read_bytes()
    intakes = collect(subs, CH, scratch)
    place(intakes, CH, tmp_path / "submitted")
    place(intakes, CH, tmp_path / "submitted")  # idempotent
    assert (tmp_path / "submitted" / "ivy" / CH / f"{CH}.ipynb").read_bytes() == before
    assert original.read_bytes() == before


def test_student_ids_are_safe():
    """Are odd names turned into ids safe for folders?"""
    assert student_id("Ada Lovelace (late)") == "Ada_Lovelace_late"
    assert student_id("../../etc") == "etc"
    assert student_id("   ") == "unnamed"


def _export(path, members):
    """Write an LMS-style export zip: ``members`` maps archive names to bytes or to a notebook Path."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content.read_bytes() if hasattr(content, "read_bytes") else content)
    return path


def test_the_lms_export_zip_itself_is_read_as_the_submissions_folder(tmp_path, scratch):
    """Does `grade class.zip` take folders, loose notebooks and per-student zips from inside the export?"""
    one = _nb(tmp_path / "src" / f"{CH}.ipynb")
    inner = tmp_path / "kim.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.write(one, f"somewhere/{CH}.ipynb")
    export = _export(tmp_path / "class.zip", {
        f"ada/{CH}.ipynb": one,
        "bob.ipynb": one,
        "kim.zip": inner,
        "notes.txt": b"ignored",
    })
    got = by_student(collect(export, CH, scratch))
    assert set(got) == {"ada", "bob", "kim"}
    assert all(i.ok for i in got.values())
    assert all(scratch in i.source.parents for i in got.values())  # unpacked into scratch, not beside the zip


def test_a_single_wrapping_folder_in_the_export_is_stepped_into(tmp_path, scratch):
    """Is `Assignment 1/<student>/...` read as students, while a lone student folder stays a student?"""
    one = _nb(tmp_path / "src" / f"{CH}.ipynb")
    wrapped = _export(tmp_path / "wrapped.zip", {f"Assignment 1/ada/{CH}.ipynb": one,
                                                 f"Assignment 1/bob/{CH}.ipynb": one})
    assert set(by_student(collect(wrapped, CH, scratch))) == {"ada", "bob"}
    lone = _export(tmp_path / "lone.zip", {f"cy/{CH}.ipynb": one})
    assert set(by_student(collect(lone, CH, scratch))) == {"cy"}


def test_export_zip_skips_zip_slip_and_huge_members(tmp_path, scratch, monkeypatch):
    """Are `..`/absolute members never written, and members over the size limit never unpacked?"""
    from autograder.pipeline import submissions

    one = _nb(tmp_path / "src" / f"{CH}.ipynb")
    monkeypatch.setattr(submissions, "MAX_NOTEBOOK_BYTES", one.stat().st_size + 10)
    monkeypatch.setattr(submissions, "MAX_ARCHIVE_BYTES", 100)
    export = _export(tmp_path / "class.zip", {
        f"ada/{CH}.ipynb": one,
        "kim.zip": b"z" * 101,
        f"../escaped/{CH}.ipynb": one,
        f"/tmp/absolute-{tmp_path.name}/{CH}.ipynb": one,
        f"big/{CH}.ipynb": b" " * (one.stat().st_size + 11),
    })
    got = by_student(collect(export, CH, scratch))
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()
    assert not Path(f"/tmp/absolute-{tmp_path.name}").exists()
    assert got["ada"].ok
    assert not got["big"].ok and got["big"].reason.startswith("file too large")
    assert not got["kim"].ok and "kim.zip" in got["kim"].reason


def test_submissions_that_are_neither_folder_nor_zip_are_refused_clearly(tmp_path, scratch):
    """Does a missing path or a non-zip file get an error naming what was expected and what came?"""
    with pytest.raises(FileNotFoundError, match="folder of student submissions or an LMS export .zip.*no such"):
        collect(tmp_path / "nowhere", CH, scratch)
    text = tmp_path / "grades.txt"
    text.write_text("not a zip")
    with pytest.raises(FileNotFoundError, match="not a zip archive"):
        collect(text, CH, scratch)
