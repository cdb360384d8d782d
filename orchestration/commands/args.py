"""Argument types shared by the `kpi` verbs: every value is checked before any work starts,
and a bad one is refused with what to write instead (argparse exits 2 with the message)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD (e.g. 2025-11-20)") from None


def past_date(text: str) -> dt.date:
    """A date that is not after today (UTC): a run cannot be as of a day that has not happened."""
    d = date(text)
    today = dt.datetime.now(dt.UTC).date()
    if d > today:
        raise argparse.ArgumentTypeError(
            f"{text} is after today ({today}, UTC): an as-of date must be a day that has happened "
            "(the default is yesterday)"
        )
    return d


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range: use 1-65535 (e.g. 3000)")
    return value


def existing_folder(text: str) -> Path:
    """A folder that exists (never created: a typo must not leave folders behind)."""
    path = Path(text).expanduser().resolve()
    if not path.exists():
        raise argparse.ArgumentTypeError(
            f"{path} does not exist; point it at a folder with one sub-folder per raw table"
        )
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a file, not a folder; point it at the landing folder")
    return path


def home_folder(text: str) -> Path:
    """The home: a folder (created when missing), never a file."""
    path = Path(text).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{path} is a file; --home is the folder that holds all state (give a folder, new or existing)"
        )
    return path
