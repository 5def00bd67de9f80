"""Writing files so that a reader never sees half of one.

A file is written beside its destination under a temporary name and moved into place in one
step; an existing file keeps its permissions, a new one gets those any program would give it
(0666 less the umask), not the private 0600 of a temporary file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


class OutputError(Exception):
    """The output cannot be written: unknown format, or the folder cannot be written to."""


@contextmanager
def atomic(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` in one step."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write into {folder}: {exc.strerror}") from exc
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(handle, mode, encoding=encoding, newline=newline) as stream:
            yield stream
        os.chmod(temp, stat.S_IMODE(path.stat().st_mode) if path.exists() else _new_file_mode())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _new_file_mode() -> int:
    """0666 less the process's umask, which can only be read by setting it (and back)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
