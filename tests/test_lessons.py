"""The lesson loader: shipped lessons load, and a file naming anything unknown is refused by name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lrp_core.lessons import LessonError, app_pages, get_lesson, lesson_files, lessons, load_lesson, to_json
from lrp_core.viewstate import decode_view

GOOD = """
title = "A tiny lesson"
cite = "Nobody 2026"

[[steps]]
id = "one"
title = "First"
page = "importance"
preset = "ancona-max"
text = "One sentence. Two sentences."
look = "the bars"
[steps.view]
layer = 0
methods = { "shapley-sampled" = { samples = 10 } }
data = { n = 50, seed = 1, sigma = 0.5 }

[[steps]]
id = "two"
title = "Second"
page = "roots"
preset = "plane-2-8-8-1"
text = "One sentence. Two sentences."
look = "the roots"
[steps.view]
x = [0.5, -1.0]
finders = { rule = { rule = "z+" } }
"""


def test_every_shipped_lesson_loads_and_is_listed() -> None:
    found = lessons()
    assert [lesson.slug for lesson in found] == [name.rsplit(".", 1)[0] for name in lesson_files()]
    titles = {lesson.title for lesson in found}
    assert {"Which unit would you prune?", "Where is the root?"} <= titles
    for lesson in found:
        assert lesson.cite and len(lesson.steps) >= 3
        for step in lesson.steps:
            assert step.page in (app_pages() or ())
            step.network()  # builds


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z$h(])", text.strip()) if s])


def test_shipped_steps_are_short_plain_texts() -> None:
    for lesson in lessons():
        for step in lesson.steps:
            assert 2 <= sentences(step.text) <= 5, (lesson.slug, step.id, sentences(step.text))
            assert step.look and len(step.text) < 1_000


def test_step_links_carry_network_view_and_step() -> None:
    lesson = get_lesson("01-which-unit-to-prune")
    q = lesson.query(5)
    assert q["preset"] == "ancona-max" and q["lesson"] == lesson.slug and q["step"] == "5"
    view, notes = decode_view(q)
    assert notes == [] and view.page == "importance"
    assert view.data == {"source": "preset", "n": 100, "seed": 0, "sigma": 0.5}
    assert set(view.methods or {}) == {"gradient", "taylor"}
    assert lesson.step(5).data["sigma"] == 0.5 and lesson.step(1).data["sigma"] == 0.0
    with pytest.raises(LessonError, match=r"steps 1\.\.7, not 8"):
        lesson.query(8)
    plain = to_json(lesson)
    assert json.loads(json.dumps(plain))["steps"][0]["query"]["step"] == "1"


def test_a_good_lesson_from_text_and_from_a_file(tmp_path: Path) -> None:
    lesson = load_lesson(GOOD)
    assert lesson.title == "A tiny lesson" and [s.id for s in lesson.steps] == ["one", "two"]
    assert lesson.steps[0].view.methods == {"shapley-sampled": {"samples": 10}}
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_lesson(path).slug == "mine" and load_lesson(str(path)).slug == "mine"
    import tomllib

    as_json = tmp_path / "mine.json"
    as_json.write_text(json.dumps(tomllib.loads(GOOD)), encoding="utf-8")
    assert [s.id for s in load_lesson(as_json).steps] == ["one", "two"]
    shown = load_lesson(GOOD.replace('look = "the bars"', 'look = "the bars"\nshows = ["v(N)", "h4"]', 1))
    assert shown.steps[0].shows == ("v(N)", "h4") and load_lesson(GOOD).steps[0].shows == ()


@pytest.mark.parametrize(("old", "new", "message"), [
    ('page = "importance"', 'page = "importanse"', "unknown page 'importanse'; the app's pages are: home"),
    ('preset = "ancona-max"', 'preset = "ancona-min"', "unknown preset 'ancona-min'; choose one of"),
    ('"shapley-sampled" = { samples = 10 }', '"shapley-exakt" = {}', "unknown attribution method 'shapley-exakt'"),
    ('samples = 10', 'sample = 10', "'shapley-sampled' has no parameter 'sample'"),
    ('samples = 10', 'samples = 0', "samples must be a whole number"),
    ('rule = { rule = "z+" }', 'rule = { rule = "z++" }', "rule must be one of"),
    ('finders = { rule', 'finders = { rul', "unknown root finder 'rul'"),
    ('sigma = 0.5', 'sigma = -1', "sigma must be a number from 0 to 1e+06, not -1"),
    ('sigma = 0.5', 'noize = 1', "unknown parameter(s) noize"),
    ('layer = 0', 'layr = 0', "unknown key 'layr'; valid keys: x, layer"),
    ('look = "the bars"', 'look = "the bars"\nhint = "x"', "unknown key 'hint'"),
    ('x = [0.5, -1.0]', 'x = [0.5, -1.0, 2.0]', "3 values, the network 2 inputs"),
    ('id = "two"', 'id = "one"', "step id 'one' is used twice"),
    ('look = "the roots"', 'look = ""', "'look' must be a non-empty text"),
    ('title = "A tiny lesson"', 'title = "A tiny lesson"\nauthor = "me"', "unknown key 'author'"),
    ('[steps.view]\nlayer', 'net = { layers = [] }\n[steps.view]\nlayer', "exactly one of 'preset'"),
    ('title = "A tiny', 'title = A tiny', "not valid TOML"),
    ('look = "the bars"', 'look = "the bars"\nshows = "v(N)"', "'shows' must be a list of at most 8 texts"),
    ('look = "the bars"', 'look = "the bars"\nshows = [""]', "'shows' must be a list"),
])
def test_bad_lessons_are_refused_naming_the_problem(old: str, new: str, message: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    with pytest.raises(LessonError) as info:
        load_lesson(text)
    assert message in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


def test_refusal_names_the_step() -> None:
    with pytest.raises(LessonError, match=r"step 2 \(two\): unknown page 'nowhere'"):
        load_lesson(GOOD.replace('page = "roots"', 'page = "nowhere"'))


def test_an_inline_network_is_validated() -> None:
    net = {"format": "lrp-explorer.network", "version": 1, "name": "n",
           "layers": [{"weight": [[1.0, 2.0]], "bias": [0.0], "activation": "relu"},
                      {"weight": [[1.0]], "bias": [0.0], "activation": "linear"}]}
    text = GOOD.replace('preset = "plane-2-8-8-1"', "net = " + json.dumps(net).replace('": ', '" = ')
                        .replace("{", "{ ").replace("}", " }"))
    lesson = load_lesson(text)
    assert lesson.steps[1].network().widths == [2, 1, 1] and "net" in lesson.query(2)
    net["layers"][0]["activation"] = "tanh"
    bad = GOOD.replace('preset = "plane-2-8-8-1"', "net = " + json.dumps(net).replace('": ', '" = ')
                       .replace("{", "{ ").replace("}", " }"))
    with pytest.raises(LessonError, match="unknown activation 'tanh'"):
        load_lesson(bad)


def test_the_page_list_is_the_apps() -> None:
    import lrp_explorer

    root = Path(lrp_explorer.__file__).parent
    text = (root / "app.py").read_text("utf-8")
    listed = re.findall(r'\("views/(\w+)\.py"', text)
    assert app_pages() == tuple(p for p in listed if (root / "views" / f"{p}.py").exists())
    assert {"home", "importance", "roots", "decomposition"} <= set(app_pages() or ())
