"""Per-symbol cross-process locks for cache writers.

A lock is an OS advisory lock (`fcntl.flock`; `msvcrt.locking` on Windows) on a small file in the
symbol's folder. The operating system releases it when the holder exits or dies, so a lock left
behind by a crashed or killed process never blocks anyone: the next writer takes the file over
(the file stays; only its lock matters). The holder writes its pid, host and start time into the
file so a timeout can say who holds it. Re-entrant within a thread.

Writers hold the lock only around read-merge-write of a shard (milliseconds); downloads happen
outside it. Readers never lock: shards are replaced atomically (temp file + rename).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Self

from .errors import LockTimeout

try:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


_held = threading.local()


class FileLock:
    def __init__(self, path: Path, timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._fd: int | None = None

    def _depths(self) -> dict[str, int]:
        if not hasattr(_held, "depths"):
            _held.depths = {}
        return _held.depths

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text() or "{}")
            return f"pid {info.get('pid')} on {info.get('host')} since {info.get('since')}"
        except (OSError, ValueError):
            return "unknown holder"

    def acquire(self) -> None:
        key = str(self.path)
        depths = self._depths()
        if depths.get(key, 0) > 0:
            depths[key] += 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout_s
        delay = 0.005
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockTimeout(
                    f"timed out after {self.timeout_s:g}s waiting for candle lock {self.path} ({self.holder()})"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        depths[key] = 1

    def release(self) -> None:
        key = str(self.path)
        depths = self._depths()
        if depths.get(key, 0) > 1:
            depths[key] -= 1
            return
        depths.pop(key, None)
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _unlock(fd)
            finally:
                os.close(fd)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
