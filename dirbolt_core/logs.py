"""Structured logs: JSON lines with job, directory, attempt and run ids, and no customer data.

    configure_logging()                        # once per process (CLI, Dagster run, worker)
    with log_context(job_id=..., run_id=..., sensitive=job.business_data):
        with log_context(directory_id=d.id):
            with log_context(attempt=2):
                log.info("...")               # {"job_id": ..., "directory_id": ..., "attempt": 2, ...}

Ids live in a ContextVar, so every stdlib `logging` call picks them up, asyncio tasks
(each copies its context when created) keep their own directory and attempt, and
`asyncio.to_thread` carries them into worker threads. Threads started by hand do not
inherit a context; `set_process_log_context` gives them the ids of a one-job process.

Redaction happens when a record is created (a LogRecord factory), so every handler sees
the redacted text, not only ours: the message with its arguments, the exception text and
the stack. It removes
- every value of a profile registered through `sensitive=` / `register_sensitive`
  (whole values, their JSON/repr spellings, any spelling of a phone number's digits,
  each part of a person's name, and a truncated long text such as a description cut to a
  field's maxlength), remembered for the last MAX_PROFILES profiles of the process;
- anything shaped like an email address, a phone number or a street address;
- structured fields (`extra=`, structlog key/values) named like a profile key.
Warnings (`logging.captureWarnings`) and uncaught exceptions of the main thread and of
other threads go through the same path instead of being printed raw.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json as jsonlib
import logging
import re
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TextIO

from dirbolt_core.settings import get_settings
from dirbolt_core.vocabulary import PROFILE_KEYS

# Always present in a JSON line (null when unknown), in this order.
ID_KEYS = ("job_id", "directory_id", "attempt", "run_id")

REDACTED = "[redacted]"
MAX_PROFILES = 256
# A long value is also found when cut short (a field's maxlength, a short description).
_PREFIX_CHARS = 16
_MIN_VALUE_CHARS = 3

# Structured fields whose value is customer data whatever it looks like.
SENSITIVE_FIELDS = frozenset(PROFILE_KEYS) | {
    "business_data", "profile", "field_values", "fields", "values", "password", "password_confirm",
    "username", "email_confirm", "customer_email", "customer_name",
}
_NAME_KEYS = ("contact_name", "contact_first_name", "contact_last_name", "business_name")

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# (512) 555-0142, 512-555-0142, 512.555.0142, +1 512 555 0142, +44 20 7946 0958. Never part of a
# longer token (uuids, versions, timestamps and addresses stay).
PHONE_RE = re.compile(
    r"(?<![\w+-])(?<!\d[.:])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,5}"
    r"(?![\w-]|[.:]\d)")
_STREET_WORDS = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Parkway"
                 r"|Pkwy|Highway|Hwy|Terrace|Square|Sq|Suite|Ste|Straße|Strasse|Rue|Calle")
ADDRESS_RE = re.compile(rf"\b\d{{1,6}}\s+(?:[A-Z][\w'.-]*\s+){{0,4}}(?:{_STREET_WORDS})\b\.?(?:\s+\d+\w?)?")

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("dirbolt_log_context", default=_EMPTY)
_process_context: dict[str, Any] = {}
_CONTEXT_ATTR = "_dirbolt_log_context"


# ---------------------------------------------------------------- context
@contextlib.contextmanager
def log_context(*, sensitive: Any = None, **ids: Any) -> Iterator[Mapping[str, Any]]:
    """Add ids (job_id, directory_id, attempt, run_id, worker_id, ...) to every log line inside.

    Nested contexts add to the outer one; None removes a key. `sensitive` is a profile (dict,
    pydantic model or values) whose values are redacted from every log line of the process.
    """
    if sensitive is not None:
        register_sensitive(sensitive)
    merged = {**_context.get()}
    for key, value in ids.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value if isinstance(value, int | float | bool) else str(value)
    token = _context.set(merged)
    try:
        yield merged
    finally:
        _context.reset(token)


def current_log_context() -> dict[str, Any]:
    return {**_process_context, **_context.get()}


def set_process_log_context(**ids: Any) -> None:
    """Ids for every line of this process, threads started by hand included (one-job processes)."""
    for key, value in ids.items():
        if value is None:
            _process_context.pop(key, None)
        else:
            _process_context[key] = value if isinstance(value, int | float | bool) else str(value)


# --------------------------------------------------------------- redaction
def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many literal strings, shaped as a trie: matching costs the same for 10 or 10,000."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str | None:
        if list(node) == [""]:
            return None
        branches, singles = [], []
        for ch in sorted(k for k in node if k):
            rest = build(node[ch])
            if rest is None:
                singles.append(re.escape(ch))
            else:
                branches.append(re.escape(ch) + rest)
        if singles:
            branches.append(singles[0] if len(singles) == 1 else "[" + "".join(singles) + "]")
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return build(trie) or r"(?!)"


class _Registry:
    """Values to redact: the last MAX_PROFILES profiles this process handled, one trie regex over all.

    Literals match case-insensitively, whole words only where a literal starts or ends with a
    letter or digit. A literal that is the opening of a long value (a description) is extended
    over as much of that value as the text repeats, so a copy cut short anywhere is found too.
    """

    def __init__(self) -> None:
        self._profiles: OrderedDict[frozenset[str], tuple[frozenset[str], frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()
        self._regex: re.Pattern[str] | None = None
        self._longs: dict[str, list[str]] = {}

    def add(self, literals: Iterable[str], long_values: Iterable[str]) -> None:
        lits, longs = frozenset(literals), frozenset(long_values)
        key = lits | longs
        if not key:
            return
        with self._lock:
            if key in self._profiles:
                self._profiles.move_to_end(key)
                return
            self._profiles[key] = (lits, longs)
            while len(self._profiles) > MAX_PROFILES:
                self._profiles.popitem(last=False)
            self._regex = None

    def clear(self) -> None:
        with self._lock:
            self._profiles.clear()
            self._regex = None
            self._longs = {}

    def _compiled(self) -> tuple[re.Pattern[str] | None, dict[str, list[str]]]:
        with self._lock:
            if self._regex is None and self._profiles:
                words: set[str] = set()
                longs: dict[str, list[str]] = {}
                for lits, long_values in self._profiles.values():
                    words |= {w.lower() for w in lits}
                    for value in long_values:
                        opening = value[:_PREFIX_CHARS].lower()
                        words.add(opening)
                        longs.setdefault(opening, []).append(value.lower())
                self._regex = re.compile(_trie_pattern(words), re.IGNORECASE)
                self._longs = longs
            return self._regex, self._longs

    def redact(self, text: str) -> str:
        regex, longs = self._compiled()
        if regex is None:
            return text
        lowered = text.lower()
        if len(lowered) != len(text):  # lower() changed lengths (rare letters): compare as written
            lowered = text
        out, last = [], 0
        for match in regex.finditer(lowered):
            start, end = match.span()
            # A longer literal may start with a long value's opening ("okonkwo-lindqvist" of
            # "Okonkwo-Lindqvist Family Dental"): the long value is looked up by the first characters.
            openings = longs.get(match.group()[:_PREFIX_CHARS], ())
            # An opening of a long value ends mid-word by nature; only its start must be a word's.
            if start < last or not _whole_words(lowered, start, start if openings else end):
                continue
            for value in openings:
                n = end - start
                while start + n < len(lowered) and n < len(value) and lowered[start + n] == value[n]:
                    n += 1
                end = max(end, start + n)
            while end > match.end() and text[end - 1].isspace():
                end -= 1  # the value goes on; the text's own spacing stays
            out += [text[last:start], REDACTED]
            last = end
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)


def _whole_words(text: str, start: int, end: int) -> bool:
    """A match that starts or ends with a letter or digit must not be part of a longer word
    (end == start: only the start is checked)."""
    if text[start].isalnum() and start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    return end == start or not (text[end - 1].isalnum() and end < len(text)
                                and (text[end].isalnum() or text[end] == "_"))


_registry = _Registry()


def _flatten(value: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    if value is None or isinstance(value, bool):
        return
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _flatten(v, str(k))
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _flatten(v, key)
    else:
        yield key, str(value)


def _phone_spellings(digits: str) -> set[str]:
    """The ways a phone number is written: bare digits, grouped, bracketed, with a country code."""
    out = {digits}
    national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    out.add(national)
    if len(national) == 10:
        a, b, c = national[:3], national[3:6], national[6:]
        for sep in ("-", ".", " ", ""):
            out |= {f"{a}{sep}{b}{sep}{c}", f"({a}) {b}{sep or '-'}{c}", f"({a}){b}-{c}",
                    f"+1 {a}{sep}{b}{sep}{c}", f"+1{a}{b}{c}", f"1-{a}-{b}-{c}", f"+1 ({a}) {b}-{c}"}
    return out


def sensitive_patterns(profile: Any) -> tuple[set[str], set[str]]:
    """(literal strings, long values) that find a profile's values in text."""
    literals: set[str] = set()
    longs: set[str] = set()
    for key, raw in _flatten(profile):
        value = raw.strip()
        if len(value) < _MIN_VALUE_CHARS:
            continue
        digits = re.sub(r"\D", "", value)
        if value.isdigit() and len(value) < 5:
            continue  # a year or a small number is not worth shredding every log line for
        spellings = {value, jsonlib.dumps(value)[1:-1], repr(value)[1:-1]}
        if len(value) > _PREFIX_CHARS + 4:
            longs |= spellings
        else:
            literals |= spellings
        if len(digits) >= 7 and len(digits) >= len(re.sub(r"[\s().+-]", "", value)) - 1:
            literals |= _phone_spellings(digits)
        if key in _NAME_KEYS and key != "business_name":
            literals |= {part for part in re.split(r"[\s,\-]+", value) if len(part) >= _MIN_VALUE_CHARS}
    return literals, longs


def register_sensitive(profile: Any) -> None:
    """Redact this profile's values (dict, pydantic model, list or string) from every log line."""
    literals, longs = sensitive_patterns(profile)
    _registry.add(literals, longs)


def clear_sensitive() -> None:
    _registry.clear()


def redact(text: str) -> str:
    """Registered customer values, emails, phone numbers and street addresses replaced."""
    if not text:
        return text
    text = _registry.redact(text)
    text = EMAIL_RE.sub("[email]", text)
    text = PHONE_RE.sub("[phone]", text)
    return ADDRESS_RE.sub("[address]", text)


def redact_value(value: Any, key: str | None = None) -> Any:
    """A structured value with sensitive fields blanked and every string redacted."""
    if key is not None and key in SENSITIVE_FIELDS and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    return redact(str(value))


# ------------------------------------------------------------ record path
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", _CONTEXT_ATTR}
_exc_formatter = logging.Formatter()
_original_factory: Any = None


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _original_factory(*args, **kwargs)
    setattr(record, _CONTEXT_ATTR, current_log_context())
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the template, drop the arguments
        message = f"{record.msg} (unformattable arguments)"
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(_exc_formatter.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def _install_factory() -> None:
    global _original_factory
    if _original_factory is None:
        _original_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacting_factory)


def record_ids(record: logging.LogRecord) -> dict[str, Any]:
    """The ids of a record: its context, then anything passed as extra= under the same names."""
    ids = dict(getattr(record, _CONTEXT_ATTR, None) or current_log_context())
    for key in ID_KEYS:
        if key in record.__dict__ and record.__dict__[key] is not None:
            ids[key] = record.__dict__[key]
    return ids


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: redact_value(v, k) for k, v in record.__dict__.items()
            if k not in _STANDARD_ATTRS and k not in ID_KEYS and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, the four ids, msg, other ids and fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        ids = record_ids(record)
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            **{key: ids.pop(key, None) for key in ID_KEYS},
            "msg": redact(record.getMessage()),
        }
        line.update({k: redact_value(v, k) for k, v in ids.items()})
        line.update(_extras(record))
        exc = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else None)
        if exc:
            line["exc"] = redact(exc)
        if record.stack_info:
            line["stack"] = redact(record.stack_info)
        line["pid"] = record.process
        return jsonlib.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For people at a terminal: the same ids and redaction, one readable line."""

    def format(self, record: logging.LogRecord) -> str:
        ids = record_ids(record)
        tags = " ".join(f"{k}={ids[k]}" for k in (*ID_KEYS, *sorted(set(ids) - set(ID_KEYS))) if k in ids)
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC).strftime("%H:%M:%S")
        text = f"{stamp} {record.levelname:<7} {record.name}: {redact(record.getMessage())}"
        extras = _extras(record)
        if extras:
            text += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if tags:
            text += f" [{tags}]"
        exc = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else None)
        if exc:
            text += "\n" + redact(exc)
        return text


class _DirboltHandler(logging.StreamHandler):
    """Marks the handler configure_logging installed, so a second call replaces it."""


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
    logging.getLogger("dirbolt.uncaught").critical(
        "uncaught %s", exc_type.__name__, exc_info=(exc_type, exc, tb))


def _log_thread_uncaught(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("dirbolt.uncaught").critical(
        "uncaught %s in thread %s", args.exc_type.__name__, args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def configure_logging(json: bool = True, *, level: str | int | None = None, stream: TextIO | None = None,
                      capture_warnings: bool = True, excepthooks: bool = True) -> logging.Handler:
    """Route every log record of the process through redaction to one handler on the root logger.

    json: JSON lines (default; DIRBOLT_LOG_FORMAT=text overrides) or readable text.
    level: default DIRBOLT_LOG_LEVEL or INFO. stream: default stderr.
    excepthooks: uncaught exceptions (main thread and others) are logged, redacted, instead of
    printed raw. Calling it again replaces the handler it installed; other handlers stay.
    """
    settings = get_settings()
    if (settings.log_format or "").lower() == "text":
        json = False
    level = level or settings.log_level
    _install_factory()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _DirboltHandler)]:
        root.removeHandler(old)
    handler = _DirboltHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    if capture_warnings:
        logging.captureWarnings(True)
    if excepthooks:
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_thread_uncaught
    _configure_structlog()
    return handler


def reset_logging() -> None:
    """Undo configure_logging (tests): handler, record factory, warnings capture, exception hooks."""
    global _original_factory
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _DirboltHandler)]:
        root.removeHandler(old)
    if _original_factory is not None:
        logging.setLogRecordFactory(_original_factory)
        _original_factory = None
    logging.captureWarnings(False)
    if sys.excepthook is _log_uncaught:
        sys.excepthook = sys.__excepthook__
    if threading.excepthook is _log_thread_uncaught:
        threading.excepthook = threading.__excepthook__
    _process_context.clear()


def _configure_structlog() -> None:
    """structlog loggers (if any module uses them) end in the same stdlib path and handler."""
    try:
        import structlog
    except ImportError:  # optional
        return
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


# ------------------------------------------------------------- progress
def progress_line(done: int, total: int, directory_id: str, status: str, *, reason: str | None = None,
                  already_recorded: bool = False, elapsed_s: float | None = None) -> str:
    """`[3/30] sandbox-x: rejected (reason) · 42s elapsed, ~6m left`: a run's per-submission progress."""
    text = f"[{done}/{total}] {directory_id}: {status}"
    if already_recorded:
        text += " (already recorded)"
    elif reason:
        text += f" — {redact(' '.join(reason.split()))[:160]}"
    if elapsed_s is not None and done:
        left = elapsed_s / done * (total - done)
        text += f" · {_duration(elapsed_s)} elapsed" + (f", ~{_duration(left)} left" if total > done else "")
    return text


class ProgressThrottle:
    """Which progress lines also go to a costly sink. A Dagster run's event log is one: each line
    is a storage write, made on the run's event loop while its other submissions wait. The first,
    the last, the notable ones (a submission that did not go through) and one every `every_s`."""

    def __init__(self, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.every_s = every_s
        self._clock = clock
        self._last: float | None = None

    def due(self, done: int, total: int, *, notable: bool = False) -> bool:
        now = self._clock()
        if notable or done >= total or self._last is None or now - self._last >= self.every_s:
            self._last = now
            return True
        return False


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_exception_redacted(exc: BaseException) -> str:
    """A traceback as text with customer data removed (for places that print instead of log)."""
    return redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
