"""Great Expectations in a worker process, started early and kept for the whole process.

Importing great_expectations costs about 9 s on this project's 2-core machine (pandas,
scipy.stats, altair...), and creating its file context with 21 suites about 1 s more: the
largest fixed cost of a nightly run. The worker pays it on the other core while the main
process imports Dagster and lands the files, then validates every table's new rows when
asked. Data never crosses the pipe, only requests and per-expectation results: GX reads
the new rows from `landed.duckdb` itself, read-only, while the pipeline writes the
warehouse (see lib/ingest.py).

    worker = GxWorker.get()          # starts it if needed (also: prewarm())
    worker.validate_async(gx_dir, landed_db, ["orders"], run_name)   # returns at once
    ...                                        # the pipeline goes on
    worker.result(gx_dir, landed_db, ["orders"], run_name)          # waits for the results
    worker.build_data_docs(gx_dir, run_name)   # in the background; docs_done() waits

One worker per process serves every home (a Validator per `gx/` folder).
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any


def _send_msg(stream, obj) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _recv_msg(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (n,) = struct.unpack(">Q", head)
    return pickle.loads(stream.read(n))


def _serve() -> None:  # pragma: no cover - runs in the worker process
    import logging
    import warnings

    # the protocol owns the original stdout; anything GX prints goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    warnings.filterwarnings("ignore")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    validators: dict[str, Any] = {}

    def validator(gx_dir: str):
        from orchestration.lib.gx_suites import Validator

        if gx_dir not in validators:
            validators[gx_dir] = Validator(Path(gx_dir))
        return validators[gx_dir]

    try:
        import great_expectations  # noqa: F401  (the slow import, paid before the first request)

        from orchestration.lib import gx_suites  # noqa: F401
    except Exception:
        pass  # reported on the first request
    while True:
        try:
            cmd, kw = _recv_msg(inp)
        except EOFError:
            cmd, kw = "exit", {}
        if cmd == "exit":
            # every reply has been sent and GX wrote its stores and Data Docs while serving each
            # request: nothing is left to save, and tearing GX's imports down took about 2 s
            out.flush()
            os._exit(0)
        try:
            if cmd == "prepare":
                validator(kw["gx_dir"])
                result: Any = True
            elif cmd == "validate":
                v = validator(kw["gx_dir"])
                result = v.validate(kw["warehouse"], kw["tables"], kw["run_name"])
            elif cmd == "docs":
                result = validator(kw["gx_dir"]).build_data_docs(kw["run_name"])
            else:
                raise ValueError(f"unknown request {cmd!r}")
            _send_msg(out, ("ok", result))
        except BaseException:
            _send_msg(out, ("error", traceback.format_exc()))


class GxWorkerError(RuntimeError):
    pass


class GxWorker:
    _instance: GxWorker | None = None

    def __init__(self) -> None:
        # a plain subprocess (not multiprocessing): it never re-imports the caller's main module
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "orchestration.lib.gx_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        self._pending: list[tuple[str, str | None]] = []  # (request, key) sent, reply not read yet
        self._replies: dict[str, Any] = {}  # key -> reply of a validation
        self._asked: dict[str, list[str]] = {}  # key -> tables of the validation under way
        self._docs: str | None = None

    @classmethod
    def get(cls) -> GxWorker:
        if cls._instance is None or cls._instance._proc.poll() is not None:
            cls._instance = cls()
        return cls._instance

    def _stopped(self) -> str:
        return (
            "the Great Expectations worker process stopped unexpectedly (exit code "
            f"{self._proc.poll()}); run again (if it keeps stopping, check memory and the GX installation)"
        )

    def _send(self, cmd: str, key: str | None = None, **kw) -> None:
        try:
            _send_msg(self._proc.stdin, (cmd, kw))
        except (BrokenPipeError, OSError):
            raise GxWorkerError(self._stopped()) from None
        self._pending.append((cmd, key))

    def _read_one(self) -> None:
        cmd, key = self._pending.pop(0)
        try:
            status, value = _recv_msg(self._proc.stdout)
        except EOFError:
            raise GxWorkerError(self._stopped()) from None
        if status != "ok":
            if key is not None:
                self._asked.pop(key, None)
            raise GxWorkerError(f"Great Expectations failed on '{cmd}':\n{value}")
        if cmd == "docs":
            self._docs = value
        elif key is not None:
            self._replies[key] = value

    def prepare(self, gx_dir: Path) -> None:
        """Create the GX context of a home in the background."""
        self._send("prepare", gx_dir=str(gx_dir))

    def validate_async(self, gx_dir: Path, database: Path, tables: list[str], run_name: str) -> None:
        """Ask for the validation of the GX views of `tables` in `database`; returns at once."""
        key = str(database)
        self._replies.pop(key, None)
        self._asked[key] = list(tables)
        self._send("validate", key, gx_dir=str(gx_dir), warehouse=key, tables=list(tables), run_name=run_name)

    def result(self, gx_dir: Path, database: Path, tables: list[str], run_name: str) -> dict:
        """The results of the validation of `tables` (waiting for the one under way, or asking now)."""
        key = str(database)
        if sorted(self._asked.get(key, [])) != sorted(tables):
            self.validate_async(gx_dir, database, tables, run_name)
        while key not in self._replies:
            if not any(k == key for _, k in self._pending):
                raise GxWorkerError(f"no validation of {key} is under way")
            self._read_one()
        self._asked.pop(key, None)
        return self._replies.pop(key)

    def forget(self, database: Path) -> None:
        """Drop what is known of validations of `database` (nothing is pending for it)."""
        self._asked.pop(str(database), None)
        self._replies.pop(str(database), None)

    def build_data_docs(self, gx_dir: Path, run_name: str) -> None:
        """Start building Data Docs; the caller goes on (docs_done() waits)."""
        self._send("docs", gx_dir=str(gx_dir), run_name=run_name)

    def docs_done(self) -> str | None:
        """Wait for outstanding requests; the index.html of the last Data Docs built."""
        while self._pending:
            self._read_one()
        return self._docs

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                _send_msg(self._proc.stdin, ("exit", {}))
                self._proc.wait(5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        if self._proc.poll() is None:
            self._proc.kill()


def prewarm(gx_dir: Path | None = None) -> None:
    """Start the worker now (and the context of `gx_dir`), so GX is ready when ingestion needs it."""
    w = GxWorker.get()
    if gx_dir is not None:
        w.prepare(gx_dir)


@atexit.register
def _stop() -> None:
    if GxWorker._instance is not None:
        GxWorker._instance.close()


if __name__ == "__main__":  # pragma: no cover
    _serve()
