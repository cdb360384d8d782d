"""A cheap fingerprint of the landing zone, for the sensor that starts a run when files land.

Only names, sizes and modification times are read (one `stat` per file, never the
contents): the ingestion ledger decides later which files really changed.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LandingState:
    fingerprint: str  # sha256 over (relative path, size, mtime_ns) of every file, sorted
    files: int
    newest_mtime: float | None  # seconds since the epoch; None when there are no files

    def settled(self, seconds: float, now: float | None = None) -> bool:
        """True when no file changed in the last `seconds` (a copy is probably finished)."""
        if self.newest_mtime is None:
            return True
        return (now if now is not None else time.time()) - self.newest_mtime >= seconds


def landing_state(landing: Path) -> LandingState:
    """The top-level files of every `landing/<table>/` folder (what ingestion reads)."""
    entries: list[tuple[str, int, int]] = []
    if landing.is_dir():
        for folder in os.scandir(landing):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            for f in os.scandir(folder.path):
                if f.is_file() and not f.name.startswith("."):
                    st = f.stat()
                    entries.append((f"{folder.name}/{f.name}", st.st_size, st.st_mtime_ns))
    entries.sort()
    digest = hashlib.sha256()
    for name, size, mtime_ns in entries:
        digest.update(f"{name}\0{size}\0{mtime_ns}\n".encode())
    newest = max((m for _, _, m in entries), default=None)
    return LandingState(digest.hexdigest()[:32], len(entries), newest / 1e9 if newest is not None else None)
