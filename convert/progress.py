"""Stage timing and the progress line: where a run spends its time, and a sign of life on long runs.

Stage functions are decorated with `@stage(name, label)`. Outside a `StageClock` the decorator only looks up
a context variable (library calls and tests pay nothing else). Inside one, every stage records its duration and
the process's peak memory when it ended; `StageClock.report()` gives them as JSON-ready data (`run --timings`).
With `display=True` and a terminal on stderr, a run that lasts more than `DISPLAY_AFTER` seconds shows one line
per finished stage and a live line for the current one; nothing is printed otherwise.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, ParamSpec, TypeVar

DISPLAY_AFTER = 2.0  # seconds: shorter runs stay silent
_TICK = 0.5
P = ParamSpec("P")
R = TypeVar("R")
_clock: contextvars.ContextVar[StageClock | None] = contextvars.ContextVar("kp_convert_clock", default=None)


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (0 where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024  # macOS: bytes, Linux: KB


@dataclass
class StageRecord:
    name: str
    label: str
    depth: int
    seconds: float = 0.0
    calls: int = 0
    peak_rss_mb: float = 0.0


@dataclass
class StageClock:
    """Records stages while active (`with StageClock() as clock:`); optionally shows progress on `stream`."""

    display: bool = False
    stream: IO[str] | None = None
    stages: dict[tuple[str, int], StageRecord] = field(default_factory=dict)
    sheets: list[dict[str, object]] = field(default_factory=list)  # what the workbook writer wrote
    _stack: list[tuple[StageRecord, float, str]] = field(default_factory=list)  # record, start, shown label
    _done: list[tuple[str, float]] = field(default_factory=list)  # finished stages and sheets, for the display
    _live: int = 0  # length of the live line on screen (cleared with spaces: no ANSI codes, plain Windows consoles)
    _started: float = 0.0
    _showing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> StageClock:
        self._started = time.perf_counter()
        self._token = _clock.set(self)
        out = self.stream if self.stream is not None else sys.stderr
        if self.display and out.isatty():
            self.stream = out
            self._thread = threading.Thread(target=self._tick, name="kp-convert-progress", daemon=True)
            self._thread.start()
        else:
            self.display = False
        return self

    def __exit__(self, *exc: object) -> None:
        _clock.reset(self._token)
        if self.display:
            self._stop.set()
            self._thread.join()
            with self._lock:
                self._clear()

    def begin(self, name: str, label: str) -> None:
        depth = len(self._stack)
        record = self.stages.setdefault((name, depth), StageRecord(name, label, depth))
        self._stack.append((record, time.perf_counter(), label))

    def end(self) -> None:
        record, started, label = self._stack.pop()
        record.seconds += time.perf_counter() - started
        record.calls += 1
        record.peak_rss_mb = peak_rss_mb()
        if record.depth <= 1:  # stages and the sheets of the workbook
            with self._lock:
                self._done.append(("  " * record.depth + label, time.perf_counter() - started))
                if self._showing:
                    self._clear()
                    self._write(f"  {self._done[-1][0]:<40} {self._done[-1][1]:7.1f} s\n")

    def note_sheet(self, sheet: dict[str, object]) -> None:
        self.sheets.append(sheet)

    def report(self) -> dict[str, object]:
        return {"seconds": round(time.perf_counter() - self._started, 4), "peak_rss_mb": round(peak_rss_mb(), 1),
                "stages": [{"name": r.name, "depth": r.depth, "seconds": round(r.seconds, 4), "calls": r.calls,
                            "peak_rss_mb": round(r.peak_rss_mb, 1)} for r in self.stages.values()],
                "sheets": self.sheets}

    def _write(self, text: str) -> None:
        """Progress names stages and input files: a CPR in a file name is masked as on every console line, and a
        character the console cannot show is replaced."""
        from .privacy import console_text

        assert self.stream is not None
        self.stream.write(console_text(text, self.stream))
        self.stream.flush()

    def _clear(self) -> None:
        if self._live:
            self._write("\r" + " " * self._live + "\r")
            self._live = 0

    def _tick(self) -> None:
        while not self._stop.wait(_TICK):
            elapsed = time.perf_counter() - self._started
            if elapsed < DISPLAY_AFTER:
                continue
            with self._lock:
                if not self._showing:  # first time: the stages that already finished, then the live line
                    self._showing = True
                    for label, seconds in self._done:
                        self._write(f"  {label:<40} {seconds:7.1f} s\n")
                stack = list(self._stack)
                if stack:
                    label = " › ".join(shown for _, _, shown in stack)
                    line = f"  {label} … {time.perf_counter() - stack[0][1]:.0f} s"
                    line = line[:max(20, shutil.get_terminal_size().columns - 1)]
                    self._write("\r" + line.ljust(self._live))
                    self._live = len(line)


def current_clock() -> StageClock | None:
    return _clock.get()


@contextlib.contextmanager
def stage_block(name: str, label: str) -> Iterator[None]:
    """The context-manager form of `stage`, for a part of a function (e.g. one sheet of the workbook)."""
    clock = _clock.get()
    if clock is None:
        yield
        return
    clock.begin(name, label)
    try:
        yield
    finally:
        clock.end()


def stage(name: str, label: str,
          detail: Callable[..., str] | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a pipeline stage: timed (and shown as `label`, in Danish) while a StageClock is active.
    `detail(*args, **kwargs)` adds what this call works on to the shown label (e.g. the file)."""
    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            clock = _clock.get()
            if clock is None:
                return func(*args, **kwargs)
            clock.begin(name, f"{label} {detail(*args, **kwargs)}" if detail else label)
            try:
                return func(*args, **kwargs)
            finally:
                clock.end()
        return timed
    return wrap
