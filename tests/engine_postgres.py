"""PostgreSQL for the conformance suite: a private server, started once per test session.

``initdb`` makes a cluster in a temporary directory; ``postgres`` listens on a free port of
127.0.0.1 and keeps its socket in that directory, so the server touches nothing outside it and
cannot collide with another server on the machine. ``pg_ctl stop -m fast`` stops it and the
directory is deleted when the session ends, whether the tests passed or not. As root (CI's
containers), the server runs as Debian's ``postgres`` user: PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from abmdsl.engines import EngineError
from tests.engines import unavailable

DATABASE = "abm"
USER = "abm"


@dataclass(frozen=True)
class Server:
    """A running server: where it is and how to reach its database."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps one per major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    part = Path(path).parents[1].name
    return int(part) if part.isdigit() else 0


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        unavailable("running as root, and there is no `runuser` to run PostgreSQL as `postgres`")
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def start_server(bin_dir: Path, directory: Path) -> Server:
    """``initdb`` and start a server in ``directory`` (which must be empty); wait until ready."""
    prefix = _as_server_user()
    if prefix:
        shutil.chown(directory, "postgres", "postgres")
    data, port = directory / "data", _free_port()
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust"]
    _run([*prefix, *initdb, "-E", "UTF8", "--locale=C", "--no-sync"])
    options = (
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    log = directory / "server.log"
    pg_ctl = [str(bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data)]
    _run([*prefix, *pg_ctl, "-l", str(log), "-o", options])
    createdb = [str(bin_dir / "createdb"), "-h", str(directory), "-p", str(port), "-U", USER]
    # A linguistic collation (ICU's English), as most servers have, not the C locale: text
    # must still sort byte by byte, as in DuckDB, wherever the compiled SQL orders it.
    icu = ["--locale-provider=icu", "--icu-locale=en-US", "--template=template0"]
    try:
        _run([*prefix, *createdb, *icu, DATABASE])
    except RuntimeError:  # a server built without ICU
        _run([*prefix, *createdb, DATABASE])
    return Server(directory, port)


def stop_server(bin_dir: Path, server: Server) -> None:
    stop = [str(bin_dir / "pg_ctl"), "stop", "-m", "fast", "-D", str(server.directory / "data")]
    subprocess.run([*_as_server_user(), *stop], capture_output=True, timeout=60, check=False)


def servers() -> Iterator[Server]:
    """A private server for as long as the generator is open; stopped and deleted after."""
    if importlib.util.find_spec("psycopg") is None:
        unavailable("psycopg is not installed (pip install 'abmdsl[postgres]')")
    bin_dir = binaries()
    if bin_dir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="abm-pg-"))
    server = None
    try:
        try:
            server = start_server(bin_dir, directory)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            unavailable(f"cannot start a PostgreSQL server: {exc}")
        yield server
    finally:
        if server is not None:
            stop_server(bin_dir, server)
        shutil.rmtree(directory, ignore_errors=True)


def started() -> Iterator[object]:
    """A :class:`~abmdsl.engines.postgres.PostgresEngine` on a private server; its ``url``
    reaches the same database, for tests that read data from it."""
    from abmdsl.engines.postgres import PostgresEngine

    for server in servers():
        try:
            engine = PostgresEngine.connect(server.url)
        except EngineError as exc:
            unavailable(str(exc))
        try:
            yield engine
        finally:
            engine.close()


def create_table(url: str, name: str, rows: object) -> None:
    """A permanent table ``name`` holding the Arrow table ``rows``, with its column types (for
    tests that read data from PostgreSQL); replaces any table of that name."""
    import psycopg

    from abmdsl.engines.postgres import PostgresEngine

    engine = PostgresEngine.connect(url)
    try:
        engine.put(name, rows)  # type: ignore[arg-type]
        with engine.con.transaction():
            engine.con.execute(
                psycopg.sql.SQL("DROP TABLE IF EXISTS public.{}").format(
                    psycopg.sql.Identifier(name)
                )
            )
            engine.con.execute(
                psycopg.sql.SQL("CREATE TABLE public.{0} AS TABLE pg_temp.{0}").format(
                    psycopg.sql.Identifier(name)
                )
            )
    finally:
        engine.close()
