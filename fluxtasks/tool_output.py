"""What the user sees of a tool's output: its error message whole, and never all of it.

kubectl and flux can print a lot (50 MB of client-side warnings from a chatty API server),
and an error can span lines: kubectl's klog writes a multi-line error as `err=<`, the lines
tab-indented, then a line ` >`; flux prints `✗ …` followed by Helm's log; kubectl's
"error when applying patch" block runs over five lines. So:

* `error_message` is the final message of the output, whole (a klog block unwrapped), rather
  than its last line, which may be a lone `>`;
* `cap_text` and `CappedSink` keep the head and the tail of long output and say how much
  was cut between them; each line is capped too (a tool may print one endless line);
* `indented` makes a multi-line message one problem on screen: lines after the first are
  indented under it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable

HEAD_LINES = 20  # of a message or of streamed output: the start, where the cause usually is
TAIL_LINES = 20  # and the end, where the verdict is
LINE_CHARS = 2000  # a longer line is cut: no message needs more, a runaway line can be MBs
INDENT = "  "

# klog: `E1202 14:45:19.345578   28253 run.go:72] "command failed" err="…"` (Go-quoted)
_KLOG = re.compile(r"^[EWIF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\]]+\] ")
_KLOG_ERR = re.compile(r'\berr=(".*")$')
# Lines that start a tool's final message: flux's failure mark, kubectl's error prefixes.
_MESSAGE_START = ("✗", "error:", "Error:", "Error from server", "Error in configuration")
_PROGRESS = ("►", "✔", "◎", "⚠")  # flux progress lines: never part of an error message
_LOOK_BACK = 100_000  # lines searched back for the start of the final message


def cap_line(line: str, limit: int = LINE_CHARS) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]}… ({len(line) - limit:,} more characters cut)"


def cut_note(lines: int, chars: int) -> str:
    return f"… {lines:,} line(s) ({_size(chars)}) cut …"


def _size(chars: int) -> str:
    return f"{chars / (1 << 20):.1f} MB" if chars >= 1 << 20 else f"{chars:,} characters"


def cap_lines(lines: list[str], head: int = HEAD_LINES, tail: int = TAIL_LINES) -> list[str]:
    """The first `head` and last `tail` lines, with one line saying what was cut between."""
    if len(lines) <= head + tail + 1:
        return [cap_line(line) for line in lines]
    cut = lines[head : len(lines) - tail]
    kept = [*lines[:head], cut_note(len(cut), sum(len(c) + 1 for c in cut)), *lines[-tail:]]
    return [cap_line(line) for line in kept]


def cap_text(text: str, head: int = HEAD_LINES, tail: int = TAIL_LINES) -> str:
    return "\n".join(cap_lines(text.splitlines(), head, tail))


def indented(message: str) -> str:
    """A multi-line message as one problem: the lines after the first indented under it."""
    first, *rest = message.split("\n")
    return "\n".join([first, *(INDENT + line if line.strip() else "" for line in rest)])


def error_message(output: str) -> str:
    """The final message of a tool's output, all its lines, capped; "" for no output.

    A klog block (`err=<` … ` >`) is unwrapped, a klog `err="…"` decoded; a message
    that starts with `✗` or a kubectl error prefix keeps the lines that follow it (Helm's
    log, the patch kubectl tried); otherwise it is the last line, whatever came before."""
    lines = output.rstrip().split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    block = _klog_block(lines)
    if block is not None:
        return cap_text(block)
    last = lines[-1].strip()
    quoted = _KLOG_ERR.search(last) if _KLOG.match(last) else None
    if quoted is not None:
        return cap_text(_go_string(quoted.group(1)))
    start = len(lines) - 1
    for i in range(len(lines) - 1, max(-1, len(lines) - 1 - _LOOK_BACK), -1):
        line = lines[i].strip()
        if line.startswith(_MESSAGE_START):
            start = i
            break
        if line.startswith(_PROGRESS) or _KLOG.match(line):
            break
    message = "\n".join(line.rstrip() for line in lines[start:])
    return cap_text(message.strip())


def _klog_block(lines: list[str]) -> str | None:
    """The value of a klog multi-line field that ends the output: `key=<`, the value's lines
    each indented by a tab, then ` >`."""
    if lines[-1].strip() != ">":
        return None
    for i in range(len(lines) - 2, max(-1, len(lines) - 2 - 100_000), -1):
        if lines[i].rstrip().endswith("=<"):
            body = [line[1:] if line.startswith("\t") else line for line in lines[i + 1 : -1]]
            return "\n".join(body).strip()
    return None


def _go_string(quoted: str) -> str:
    """A Go-quoted string as klog writes it; JSON reads the same escapes."""
    try:
        value = json.loads(quoted)
    except ValueError:
        return quoted[1:-1]
    return value if isinstance(value, str) else quoted[1:-1]


class CappedSink:
    """A line sink that passes on the first `head` lines, then only keeps the last `tail`;
    `close()` passes on a note of what was cut and that tail. Memory stays bounded
    whatever the tool prints."""

    def __init__(
        self, sink: Callable[[str], None], head: int = HEAD_LINES * 5, tail: int = TAIL_LINES
    ) -> None:
        # sh calls a sink from its reader thread; `close` runs in the caller's, possibly
        # while an interrupted command's last lines still arrive
        self._lock = threading.Lock()
        self._sink = sink
        self._head = head
        self._tail: deque[str] = deque(maxlen=tail)
        self._seen = 0
        self._cut_lines = 0
        self._cut_chars = 0

    def __call__(self, line: str) -> None:
        with self._lock:
            self._seen += 1
            if self._seen <= self._head:
                self._sink(_capped_keeping_newline(line))
                return
            if len(self._tail) == self._tail.maxlen:
                dropped = self._tail[0]
                self._cut_lines += 1
                self._cut_chars += len(dropped)
            self._tail.append(_capped_keeping_newline(line))

    def close(self) -> None:
        """Pass on what was held back: the note of the cut, then the tail."""
        with self._lock:
            if self._cut_lines:
                self._sink(cut_note(self._cut_lines, self._cut_chars) + "\n")
            tail, self._tail = list(self._tail), deque(maxlen=self._tail.maxlen)
            self._cut_lines = self._cut_chars = 0
            for line in tail:
                self._sink(line)


def _capped_keeping_newline(line: str) -> str:
    body = line.rstrip("\n")
    return cap_line(body) + line[len(body) :]
