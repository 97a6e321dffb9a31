"""Guided lessons, stored as data (one TOML or JSON file each in ``data/``).

:func:`lessons` reads and validates every shipped lesson; :func:`load_lesson`
reads one from a path or text (a teacher's own file). See
:mod:`lrp_core.lessons.model` for the format.
"""

from __future__ import annotations

from importlib import resources

from lrp_core.lessons.model import (
    DATA_SCHEMA,
    Lesson,
    LessonError,
    Step,
    app_pages,
    load_lesson,
    parse_lesson,
    to_json,
)

SUFFIXES = (".toml", ".json")


def lesson_files() -> list[str]:
    """The shipped lesson files' names, sorted (the order of :func:`lessons`)."""
    folder = resources.files("lrp_core.lessons") / "data"
    return sorted(f.name for f in folder.iterdir() if f.name.endswith(SUFFIXES))


def lessons() -> tuple[Lesson, ...]:
    """Every shipped lesson, validated (a bad file raises :class:`LessonError`)."""
    folder = resources.files("lrp_core.lessons") / "data"
    out = []
    for name in lesson_files():
        text = (folder / name).read_text("utf-8")
        out.append(parse_lesson(text, name.rsplit(".", 1)[0]))
    return tuple(out)


def get_lesson(slug: str) -> Lesson:
    """The shipped lesson named ``slug`` (its file's stem)."""
    found = {lesson.slug: lesson for lesson in lessons()}
    if slug not in found:
        raise LessonError(f"unknown lesson {slug[:60]!r}; choose one of: {', '.join(found) or 'none'}")
    return found[slug]


__all__ = ["DATA_SCHEMA", "Lesson", "LessonError", "Step", "app_pages", "get_lesson", "lesson_files", "lessons",
           "load_lesson", "parse_lesson", "to_json"]
