"""Does intake accept every layout an LMS produces and turn each broken file into a reason?"""
from __future__ import annotations

import zipfile

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
