"""Lessons as data: a lesson file (TOML or JSON) read, validated and turned into links.

A lesson is a title, the paper it follows (``cite``), a one-line ``summary``
and a list of ``steps``. Each step has:

- ``id`` (a short name, unique in the lesson), ``title``, ``text`` (a few
  plain sentences, formulas in ``$…$``) and ``look`` (what to look at);
- the network: ``preset = "NAME"`` or ``net = {…}`` (the network JSON format);
- ``page``: the app page the step opens (a name in the app's page list);
- ``view``: the rest of the view in the link, with the field names of
  :class:`lrp_core.viewstate.View` (``x``, ``layer``, ``output``, ``neurons``,
  ``methods``, ``finders``, ``rules`` — ``{name: {parameter: value}}`` checked
  against each registry entry's ``schema`` —, ``mode``, ``box``, ``tweak``,
  ``settings``) and ``data`` (checked against :data:`DATA_SCHEMA`);
- ``shows`` (optional): short texts the step's page shows, such as its key
  numbers; the browser walk of every lesson checks each one is on screen.

Anything unknown (a key, a page, a preset, a method, a parameter, a value out
of its range) refuses the whole file with one :class:`LessonError` naming it,
so a teacher's typo is caught when the lesson loads, never in front of a class.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrp_core.errors import LRPError
from lrp_core.params import Param

MAX_LESSON_BYTES = 200_000
MAX_STEPS = 40
MAX_TEXT = 2_000
LESSON_KEYS = ("title", "cite", "summary", "steps")
STEP_KEYS = ("id", "title", "text", "look", "preset", "net", "page", "view", "shows")
MAX_SHOWS = 8  # texts a step's page must show (checked by the browser walk of every lesson)
#: lesson file fields -> the compact keys of lrp_core.viewstate
VIEW_FIELDS = {"x": "x", "layer": "l", "output": "o", "neurons": "n", "methods": "m", "finders": "f",
               "rules": "r", "mode": "mode", "box": "box", "data": "d", "tweak": "t", "settings": "s"}
#: what a step's ``view.data`` may set (the importance page's data controls)
DATA_SCHEMA = (
    Param("source", "str", "preset", "the preset's own data set or a toy set",
          choices=("preset", "moons", "circles", "xor", "spiral", "gaussians")),
    Param("n", "int", 100, "number of samples", low=1, high=100_000),
    Param("seed", "int", 0, "seed of the data (and sampled methods)", low=0, high=2**31 - 1),
    Param("sigma", "float", 0.0, "label noise σ: y = f*(x) + σ·ε", low=0.0, high=1e6),
    Param("noise", "float", 0.1, "a toy set's input jitter", low=0.0, high=5.0),
    Param("loss", "str", "mse", "the loss of the importance scores", choices=("mse", "l1")),
)


class LessonError(LRPError):
    """A lesson file that cannot be used; the message names the file, step and problem."""


@dataclass(frozen=True)
class Step:
    """One step of a lesson (see the module docstring)."""

    id: str
    title: str
    text: str
    look: str
    page: str
    preset: str | None
    net: Mapping[str, Any] | None
    view: Any  # lrp_core.viewstate.View (page included)
    shows: tuple[str, ...] = ()  # texts the step's page shows (its numbers), checked in the browser

    def network(self) -> Any:
        """The step's network (a :class:`lrp_core.network.Network`)."""
        if self.preset is not None:
            from lrp_core.presets import get_preset

            return get_preset(self.preset).network()
        from lrp_core.network import from_dict

        return from_dict(dict(self.net or {}))

    @property
    def data(self) -> dict[str, Any]:
        """The step's data settings with defaults filled in (:data:`DATA_SCHEMA`)."""
        from lrp_core.params import validate

        return validate("data", DATA_SCHEMA, dict(self.view.data or {}))


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    cite: str
    summary: str
    steps: tuple[Step, ...]

    def step(self, k: int) -> Step:
        """Step ``k`` counted from 1, as on the page."""
        if not 1 <= k <= len(self.steps):
            raise LessonError(f"lesson {self.slug!r} has steps 1..{len(self.steps)}, not {k}")
        return self.steps[k - 1]

    def query(self, k: int) -> dict[str, str]:
        """The link's query parameters for step ``k``: the network (``preset=``
        or ``net=1.``), the view (``view=1.``) and ``lesson``/``step``."""
        from lrp_core.urlstate import encode_network
        from lrp_core.viewstate import encode_view

        step = self.step(k)
        params = {"preset": step.preset} if step.preset is not None else encode_network(step.network())
        return {**params, **encode_view(step.view), "lesson": self.slug, "step": str(k)}


# --- the app's pages ----------------------------------------------------------------------------


def app_pages() -> tuple[str, ...] | None:
    """The page names of the app's ``PAGES`` list (``lrp_explorer/app.py``,
    read as text, not run), for pages whose file exists; ``None`` if the app
    is not installed. A page's name is its file's stem (its URL path)."""
    spec = importlib.util.find_spec("lrp_explorer")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    app = root / "app.py"
    if not app.is_file():
        return None
    for node in ast.parse(app.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            entries = ast.literal_eval(node.value)
            return tuple(Path(e[0]).stem for e in entries if (root / e[0]).is_file())
    return None


# --- reading -----------------------------------------------------------------------------------


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        if text.lstrip().startswith("{"):
            from lrp_core.io import parse_json

            obj = parse_json(text, what=f"lesson {where}", max_bytes=MAX_LESSON_BYTES)
        else:
            obj = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"lesson {where} is not valid TOML: {exc}") from None
    except LRPError as exc:
        raise LessonError(str(exc)) from None
    if not isinstance(obj, dict):
        raise LessonError(f"lesson {where} must be a table/object at the top")
    return obj


def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    v = obj.get(key, None)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or not v.strip():
        raise LessonError(f"{where}: {key!r} must be a non-empty text")
    if len(v) > MAX_TEXT:
        raise LessonError(f"{where}: {key!r} is longer than {MAX_TEXT:,} characters")
    return " ".join(v.split())


def _shows(obj: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """The optional ``shows`` list: short texts the step's page must show."""
    v = obj.get("shows", [])
    if not isinstance(v, list) or len(v) > MAX_SHOWS or not all(isinstance(t, str) and 0 < len(t) <= 200 for t in v):
        raise LessonError(f"{where}: 'shows' must be a list of at most {MAX_SHOWS} texts of 1 to 200 characters")
    return tuple(v)


def _unknown(obj: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    extra = [str(k) for k in obj if k not in known]
    if extra:
        raise LessonError(f"{where}: unknown key {extra[0]!r}; valid keys: {', '.join(known)}")


def _network(raw: Mapping[str, Any], where: str) -> tuple[str | None, Mapping[str, Any] | None]:
    preset, net = raw.get("preset"), raw.get("net")
    if (preset is None) == (net is None):
        raise LessonError(f"{where}: give exactly one of 'preset' (a name) or 'net' (a network)")
    if preset is not None:
        from lrp_core.presets import PRESETS

        if not isinstance(preset, str) or preset not in PRESETS:
            raise LessonError(f"{where}: unknown preset {str(preset)[:60]!r}; choose one of: "
                              f"{', '.join(PRESETS.names())}")
        return preset, None
    from lrp_core.network import from_dict

    try:
        from_dict(net)
    except LRPError as exc:
        raise LessonError(f"{where}: {exc}") from None
    return None, net


def _view(raw: Any, page: str, where: str) -> Any:
    from lrp_core.viewstate import from_json

    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise LessonError(f"{where}: 'view' must be a table of view fields")
    _unknown(raw, tuple(VIEW_FIELDS), f"{where}, view")
    data = raw.get("data")
    if data is not None:
        if not isinstance(data, Mapping):
            raise LessonError(f"{where}: view 'data' must be a table")
        from lrp_core.params import validate

        try:
            validate("the view's data", DATA_SCHEMA, data)
        except LRPError as exc:
            raise LessonError(f"{where}: {exc}") from None
    compact = {"p": page, **{VIEW_FIELDS[k]: v for k, v in raw.items()}}
    _check_names(compact, where)
    view, notes = from_json(compact)
    if notes:
        raise LessonError(f"{where}: {_note(notes[0])}")
    return view


def _check_names(compact: Mapping[str, Any], where: str) -> None:
    """Every method, finder and rule named must be registered (the registry's
    message lists the valid names)."""
    from lrp_core.viewstate import FAMILIES

    for key, (_, _, registry) in FAMILIES.items():
        entries = compact.get(key)
        if isinstance(entries, Mapping):
            for name in entries:
                try:
                    registry().get(str(name))
                except LRPError as exc:
                    raise LessonError(f"{where}: {exc}") from None


def _note(note: str) -> str:
    """A view notice ("The link's view names an unknown method 'x'; it was
    ignored.") as a refusal ("the view names an unknown method 'x'")."""
    text = note.replace("The link's view", "the view").replace("The link's", "the")
    head, sep, _ = text.rpartition("; ")
    return head if sep else text.rstrip(".")


def _step(raw: Any, where: str, pages: tuple[str, ...] | None) -> Step:
    if not isinstance(raw, Mapping):
        raise LessonError(f"{where} must be a table")
    _unknown(raw, STEP_KEYS, where)
    sid = _text(raw, "id", where)
    where = f"{where} ({sid})"
    page = _text(raw, "page", where)
    if pages is not None and page not in pages:
        raise LessonError(f"{where}: unknown page {page!r}; the app's pages are: {', '.join(pages)}")
    preset, net = _network(raw, where)
    view = _view(raw.get("view"), page, where)
    step = Step(sid, _text(raw, "title", where), _text(raw, "text", where), _text(raw, "look", where),
                page, preset, net, view, _shows(raw, where))
    from lrp_core.viewstate import fit_to_network

    model = step.network()
    _, notes = fit_to_network(view, [(layer.n_out, layer.n_in) for layer in model.layers])
    if notes:
        raise LessonError(f"{where}: {_note(notes[0])}")
    return step


def parse_lesson(text: str, slug: str = "lesson", *, pages: tuple[str, ...] | bool | None = True) -> Lesson:
    """A validated :class:`Lesson` from TOML or JSON text. ``pages``: the page
    names to accept (default ``True``: the app's, :func:`app_pages`)."""
    where = f"{slug!r}"
    if len(text.encode("utf-8")) > MAX_LESSON_BYTES:
        raise LessonError(f"lesson {where} is larger than {MAX_LESSON_BYTES:,} bytes")
    obj = _parse(text, where)
    _unknown(obj, LESSON_KEYS, f"lesson {where}")
    known = app_pages() if pages is True else (None if pages is False else pages)
    steps_raw = obj.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise LessonError(f"lesson {where}: 'steps' must be a non-empty list of step tables")
    if len(steps_raw) > MAX_STEPS:
        raise LessonError(f"lesson {where} has {len(steps_raw)} steps, more than the cap of {MAX_STEPS}")
    steps = tuple(_step(s, f"lesson {where}, step {i + 1}", known) for i, s in enumerate(steps_raw))
    ids = [s.id for s in steps]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup is not None:
        raise LessonError(f"lesson {where}: step id {dup!r} is used twice")
    return Lesson(slug, _text(obj, "title", f"lesson {where}"), _text(obj, "cite", f"lesson {where}"),
                  _text(obj, "summary", f"lesson {where}", required=False), steps)


def load_lesson(path_or_text: str | Path, *, pages: tuple[str, ...] | bool | None = True) -> Lesson:
    """A lesson from a file (a :class:`~pathlib.Path`, or a one-line string
    naming an existing ``.toml``/``.json`` file; the slug is the file's stem)
    or from TOML/JSON text."""
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.endswith((".toml", ".json")) and Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
        try:
            raw = path.read_bytes()[: MAX_LESSON_BYTES + 1]
        except OSError as exc:
            raise LessonError(f"cannot read lesson {str(path)!r}: {exc.strerror or exc}") from None
        from lrp_core.io import decode_text

        try:
            text = decode_text(raw, what=f"lesson {path.name}", max_bytes=MAX_LESSON_BYTES)
        except LRPError as exc:
            raise LessonError(str(exc)) from None
        return parse_lesson(text, path.stem, pages=pages)
    return parse_lesson(path_or_text, pages=pages)


def to_json(lesson: Lesson) -> dict[str, Any]:
    """The lesson as plain data (for the CLI or a page): steps with their link parameters."""
    return {"slug": lesson.slug, "title": lesson.title, "cite": lesson.cite, "summary": lesson.summary,
            "steps": [{"id": s.id, "title": s.title, "text": s.text, "look": s.look, "page": s.page,
                       "shows": list(s.shows), "query": lesson.query(k)} for k, s in enumerate(lesson.steps, start=1)]}


