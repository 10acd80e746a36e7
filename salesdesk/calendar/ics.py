"""A small iCalendar (RFC 5545) writer for the feeds: content lines, TEXT escaping, 75-octet folding.

The `icalendar` package writes a 1,000-task feed in about a second (its property machinery is built
for reading and round-tripping); these few functions write the same lines in milliseconds. Only the
VTIMEZONE blocks come from `icalendar` (once per zone, cached). Tests read every output back with
two parsers that share no code with either (vobject, ical).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Timezone

CRLF = "\r\n"


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (3.1), never inside a
    UTF-8 character (a Japanese title is three octets a character)."""
    if len(line) <= 75 and (line.isascii() or len(line.encode()) <= 75):
        return line
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append("".join(current))
            current, size = [" "], 1  # the continuation's leading space counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return CRLF.join(parts)


def utc(moment: datetime) -> str:
    return local(moment.astimezone(UTC)) + "Z"


def local(m: datetime) -> str:
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}"  # strftime is slower


def day(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def duration(value: timedelta) -> str:
    """A DURATION (3.3.6) in hours, minutes and seconds: -PT15H, PT9H, -PT10M."""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    return f"{sign}PT{parts or '0S'}"


@lru_cache(maxsize=64)
def vtimezone(zone: str) -> str:
    """The VTIMEZONE of an IANA zone (its transitions from 1970 on, as `icalendar` builds them)."""
    return Timezone.from_tzid(zone).to_ical().decode().rstrip("\r\n")


class Lines:
    """Content lines, folded, joined with CRLF."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, value: str) -> None:
        self.lines.append(fold(f"{name}:{value}"))

    def raw(self, block: str) -> None:
        self.lines.append(block)

    def ical(self) -> bytes:
        return (CRLF.join(self.lines) + CRLF).encode()
