"""A small Streamlit client that speaks the app's own websocket protocol.

It does what the browser's frontend does, without rendering anything: open
``ws://HOST/_stcore/stream`` (subprotocol ``streamlit``), send a ``rerun_script``
BackMsg with the link's query string and page name, and read ForwardMsgs until
the run's ``script_finished``. The messages are the protobufs the installed
``streamlit`` package ships (``streamlit.proto``); the transport is the
``websockets`` package that Streamlit itself depends on.

What it keeps, per session, is what the frontend keeps:

- the widgets of the last run (id, label, element type, proto), so a widget can
  be changed by its key or label and all known widget values are sent back
  with every rerun, as the frontend's WidgetStateManager does;
- the current page's script hash (from ``new_session`` / ``navigation``) and the
  query string (``page_info_changed``), so reruns and reconnects use the link the
  app has written;
- a message cache: cacheable ForwardMsgs are stored by hash and their hashes
  sent in ``cached_message_hashes``; a ``ref_hash`` message is answered from it.

The text of every markdown/caption element of the last run is kept, so a test
can read numbers off the page (e.g. ``v(N) = …`` on the importance page).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

WIDGET_TYPES = frozenset({
    "button", "checkbox", "color_picker", "date_input", "download_button", "file_uploader",
    "multiselect", "number_input", "radio", "selectbox", "slider", "text_area", "text_input",
    "time_input", "toggle", "dataframe", "button_group", "chat_input", "plotly_chart",
})
TEXT_TYPES = frozenset({"markdown", "heading", "alert", "text", "caption"})
FINISHED = ForwardMsg.ScriptFinishedStatus


class ProtocolError(RuntimeError):
    """The server answered something a browser would show as an error."""


@dataclass
class Widget:
    id: str
    type: str
    label: str
    proto: Any
    fragment: str = ""  # the id of the st.fragment that drew it ("" for the main script)


@dataclass
class RunResult:
    """One script run as the client saw it."""

    seconds: float
    messages: int
    runs: int  # script runs that ended (one that ended early for a rerun, then the next)
    texts: list[str]
    exceptions: list[str]
    errors: list[str]  # st.error alerts
    statuses: list[int] = field(default_factory=list)  # each ended run's ScriptFinishedStatus


@dataclass
class Session:
    """One simulated user: a browser tab on ``base`` (``http://host:port``)."""

    base: str
    path: str = ""  # page path without the leading slash, e.g. "importance"
    query: str = ""  # e.g. "preset=ancona-max"
    timeout: float = 60.0
    cookie: str | None = None
    page_hash: str = ""
    widgets: dict[str, Widget] = field(default_factory=dict)
    states: dict[str, WidgetState] = field(default_factory=dict)
    cache: dict[str, ForwardMsg] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    reruns: int = 0
    ws: ClientConnection | None = None

    # --- connection ---------------------------------------------------------------------------

    async def open(self) -> RunResult:
        """Load the link (``/path?query``) as a fresh tab does: GET the page
        (which lets a proxy set its sticky cookie), open the websocket, run."""
        await asyncio.to_thread(self._get_page)
        self.page_hash = ""
        self.widgets, self.states = {}, {}
        headers = {"Cookie": self.cookie} if self.cookie else {}
        ws_url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await asyncio.wait_for(
            connect(ws_url, subprotocols=["streamlit"], additional_headers=headers,  # type: ignore[list-item]
                    max_size=None, compression=None, open_timeout=self.timeout),
            self.timeout)
        return await self.rerun(page_name=self.path)

    def _get_page(self) -> None:
        url = f"{self.base}/{self.path}" + (f"?{self.query}" if self.query else "")
        req = urllib.request.Request(url, headers={"Cookie": self.cookie} if self.cookie else {})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            resp.read()
            for value in resp.headers.get_all("Set-Cookie") or []:
                self.cookie = value.split(";", 1)[0]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    # --- reruns -------------------------------------------------------------------------------

    async def rerun(self, *, page_name: str = "", fragment: str = "") -> RunResult:
        """Send a ``rerun_script`` with every known widget value; wait for its end.
        With ``fragment`` only that ``st.fragment`` reruns, as when the browser
        changes a widget the fragment drew."""
        if self.ws is None:
            raise ProtocolError("not connected")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.page_name = page_name if not self.page_hash else ""
        cs.fragment_id = fragment
        cs.widget_states.widgets.extend(self.states.values())
        cs.cached_message_hashes.extend(self.cache)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        result = await asyncio.wait_for(self._read_run(t0), self.timeout)
        self.reruns += 1
        return result

    async def set_widget(self, key: str, value: Any, *, full: bool = False) -> RunResult:
        """Change the widget whose key (or label) is ``key`` and wait for the rerun's end:
        its fragment's rerun if a fragment drew it (as the browser does), or the whole
        page's with ``full``."""
        w = self.widget(key)
        self.states[w.id] = widget_state(w, value)
        return await self.rerun(fragment="" if full else w.fragment)

    def widget(self, key: str) -> Widget:
        """The widget whose user key is ``key`` (a trailing ``*`` matches a key
        prefix, e.g. ``editor_w0_r*`` for a key that carries a revision), or
        else whose label is ``key``."""
        for w in self.widgets.values():
            user_key = w.id.split("-", 2)[2] if w.id.startswith("$$ID-") and w.id.count("-") >= 2 else ""
            if user_key == key or (key.endswith("*") and user_key.startswith(key[:-1])):
                return w
        for w in self.widgets.values():
            if w.label == key:
                return w
        raise ProtocolError(f"no widget {key!r}; the page has {[w.label for w in self.widgets.values()]}")

    async def _read_run(self, t0: float) -> RunResult:
        """Read ForwardMsgs until a run ends successfully (a run that ends early
        for a rerun, e.g. ``st.rerun()``, is followed by the next one)."""
        assert self.ws is not None
        n, runs, exceptions, errors, statuses = 0, 0, [], [], []
        run_widgets: dict[str, Widget] = {}
        texts: list[str] = []
        while True:
            raw = await self.ws.recv()
            fm = ForwardMsg()
            fm.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
            n += 1
            fm = self._resolve(fm)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                run_widgets, texts, exceptions, errors = {}, [], [], []
                if fm.new_session.page_script_hash:
                    self.page_hash = fm.new_session.page_script_hash
            elif kind == "navigation" and fm.navigation.page_script_hash:
                self.page_hash = fm.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "page_not_found":
                raise ProtocolError(f"page not found: {fm.page_not_found.page_name!r}")
            elif kind == "delta":
                _read_delta(fm, run_widgets, texts, exceptions, errors)
            elif kind == "script_finished":
                status = fm.script_finished
                runs += 1
                statuses.append(int(status))
                if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("the script did not compile")
                if status in (FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    if status == FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:  # the rest of the page stays
                        ran = {w.fragment for w in run_widgets.values()}
                        kept = {k: w for k, w in self.widgets.items() if w.fragment not in ran}
                        run_widgets = {**kept, **run_widgets}
                    self.widgets = run_widgets
                    # the frontend drops the state of widgets that are no longer on the page
                    self.states = {k: v for k, v in self.states.items() if k in run_widgets}
                    self.texts = texts
                    return RunResult(time.perf_counter() - t0, n, runs, texts, exceptions, errors, statuses)

    def _resolve(self, fm: ForwardMsg) -> ForwardMsg:
        if fm.WhichOneof("type") == "ref_hash":
            cached = self.cache.get(fm.ref_hash)
            if cached is None:
                raise ProtocolError(f"ref_hash {fm.ref_hash} not in the client's cache")
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(fm.metadata)
            return full
        if fm.metadata.cacheable and fm.hash:
            self.cache[fm.hash] = fm
        return fm

    # --- reading the page ---------------------------------------------------------------------

    def find_number(self, pattern: str) -> float | None:
        """The first number captured by regex ``pattern`` in the texts of the last run."""
        for text in self.texts:
            m = re.search(pattern, text)
            if m:
                return float(m.group(1))
        return None

    def link(self) -> str:
        return f"/{self.path}" + (f"?{self.query}" if self.query else "")


def _read_delta(fm: ForwardMsg, widgets: dict[str, Widget], texts: list[str],
                exceptions: list[str], errors: list[str]) -> None:
    delta = fm.delta
    if delta.WhichOneof("type") == "add_block":  # st.tabs with state (lazy tabs): its selection is a widget
        block = delta.add_block
        if block.WhichOneof("type") == "tab_container" and block.tab_container.id:
            tabs = block.tab_container
            widgets[tabs.id] = Widget(tabs.id, "tab_container", "", tabs, delta.fragment_id)
        return
    if delta.WhichOneof("type") != "new_element":
        return
    el = delta.new_element
    kind = el.WhichOneof("type")
    if kind is None:
        return
    proto = getattr(el, kind)
    if kind == "exception":
        exceptions.append(f"{proto.type}: {proto.message}")
    elif kind in TEXT_TYPES and hasattr(proto, "body"):
        texts.append(proto.body)
        if kind == "alert" and proto.format == proto.ERROR:
            errors.append(proto.body)
    if kind in WIDGET_TYPES and getattr(proto, "id", ""):
        widgets[proto.id] = Widget(proto.id, kind, getattr(proto, "label", ""), proto, delta.fragment_id)


def widget_state(w: Widget, value: Any) -> WidgetState:
    """The WidgetState the frontend would send for ``value`` on widget ``w``."""
    s = WidgetState(id=w.id)
    if w.type == "number_input":
        if w.proto.data_type == w.proto.INT:
            s.int_value = int(value)
        else:
            s.double_value = float(value)
    elif w.type in ("checkbox", "toggle"):
        s.bool_value = bool(value)
    elif w.type in ("selectbox", "radio"):  # the option as shown (an int picks it by index)
        s.string_value = w.proto.options[value] if isinstance(value, int) else str(value)
    elif w.type == "slider":
        s.double_array_value.data.extend(float(v) for v in (value if isinstance(value, list | tuple) else [value]))
    elif w.type in ("text_input", "text_area", "tab_container"):  # a tab bar: the chosen tab's label
        s.string_value = str(value)
    elif w.type == "dataframe":  # st.data_editor: {"edited_rows": {row: {column: value}}, ...}
        s.string_value = json.dumps(value)
    elif w.type == "button":
        s.trigger_value = True
    else:
        raise ProtocolError(f"setting a {w.type} widget is not supported")
    return s


def query_of(link: str) -> tuple[str, str]:
    """``/importance?preset=x`` -> ("importance", "preset=x")."""
    parts = urllib.parse.urlsplit(link)
    return parts.path.strip("/"), parts.query


def iter_numbers(texts: list[str], pattern: str) -> Iterator[float]:
    for text in texts:
        for m in re.finditer(pattern, text):
            yield float(m.group(1))
