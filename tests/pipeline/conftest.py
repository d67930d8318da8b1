"""Shared fixtures: a throwaway copy of the course, released once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.pipeline.course import Course, copy_course, find_course
from autograder.pipeline.release import release

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo_course() -> Course:
    return find_course(REPO)


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory, repo_course) -> Course:
    """The course copied to a temp folder and released there (the repo is never touched)."""
    course = copy_course(repo_course, tmp_path_factory.mktemp("course"))
    release(course, ["01_perceptron"])
    return course
