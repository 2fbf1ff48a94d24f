"""Neo4j 5.26 Community in a child JVM, with Bolt on 127.0.0.1: for tests, CI and `maillage neo4j start`.

The server is the small Java launcher in ``tools/neo4j-launcher`` (embedded Neo4j built from Maven
Central artifacts, no Neo4j distribution and no Docker). `build_launcher` builds it with Maven when
needed; `Neo4jServer` runs it, waits until Bolt answers, and stops it.

    with Neo4jServer() as server:          # a free port and a temporary data directory
        driver = neo4j.GraphDatabase.driver(server.uri, auth=None)

Run in the foreground until Ctrl-C::

    python -m graph.neo4j_server --port 7687 --data-dir ./neo4j-data
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

import neo4j
import neo4j.exceptions

__all__ = [
    "DEFAULT_HEAP",
    "DEFAULT_PAGE_CACHE",
    "NEO4J_VERSION",
    "READY_PREFIX",
    "Neo4jLaunchError",
    "Neo4jServer",
    "build_launcher",
    "free_port",
    "launcher_jar",
    "main",
]

NEO4J_VERSION = "5.26.30"
"""The Neo4j version that tools/neo4j-launcher/pom.xml pins."""

READY_PREFIX = "BOLT READY "
"""Start of the one line the launcher prints on standard output once Bolt is open."""

DEFAULT_HEAP = "1g"
DEFAULT_PAGE_CACHE = "256m"

_REPO_ROOT = Path(__file__).resolve().parents[1]
_LAUNCHER = Path("tools") / "neo4j-launcher"
_OUTPUT_TAIL = 40
_STOP_GRACE = 20.0
_PORT_RETRIES = 3


class Neo4jLaunchError(RuntimeError):
    """The launcher could not be built, or the server did not start (the message has the output tail)."""


def launcher_jar(repo_root: Path | None = None) -> Path:
    """Where `build_launcher` puts the jar (it may not exist yet)."""
    return (repo_root or _REPO_ROOT) / _LAUNCHER / "target" / "neo4j-launcher.jar"


def _tail(lines: Sequence[str], count: int = _OUTPUT_TAIL) -> str:
    return "\n".join(lines[-count:])


def _launcher_is_fresh(tool: Path, jar: Path) -> bool:
    lib = jar.parent / "lib"
    if not jar.is_file() or not lib.is_dir() or not any(lib.glob("*.jar")):
        return False
    built = jar.stat().st_mtime
    sources = [tool / "pom.xml", *(tool / "src").rglob("*")]
    return all(source.stat().st_mtime <= built for source in sources if source.is_file())


@contextlib.contextmanager
def _build_lock(tool: Path) -> Iterator[None]:
    """Serialises builds of one checkout across processes (pytest workers, a CLI run beside tests)."""
    key = hashlib.sha256(str(tool.resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"maillage-neo4j-launcher-{key}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_launcher(*, repo_root: Path | None = None, quiet: bool = True) -> Path:
    """Build tools/neo4j-launcher with Maven unless its jar is newer than pom.xml and the sources.

    Runs ``mvn -q -B package -DskipTests`` (``-q`` only when `quiet`; otherwise Maven's output goes to
    this process's stdout/stderr). Maven's own settings apply: ``MAVEN_OPTS``, ``~/.m2`` (the artifact
    cache CI may keep), ``.mvn/``. Returns the jar path; raises `Neo4jLaunchError` with the tail of
    Maven's output when the build fails or ``mvn`` is not on PATH.
    """
    root = repo_root or _REPO_ROOT
    tool = root / _LAUNCHER
    jar = launcher_jar(root)
    if not (tool / "pom.xml").is_file():
        raise Neo4jLaunchError(f"no launcher project at {tool}")
    if _launcher_is_fresh(tool, jar):
        return jar
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jLaunchError("mvn is not on PATH: Maven 3.8+ and a JDK 17 are needed to build the launcher")
    with _build_lock(tool):
        if _launcher_is_fresh(tool, jar):  # another process built it while we waited
            return jar
        command = [mvn, "-B", *(["-q"] if quiet else []), "package", "-DskipTests"]
        result = subprocess.run(
            command,
            cwd=tool,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if quiet else None,
            stderr=subprocess.STDOUT if quiet else None,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        output = (result.stdout or "").splitlines()
        detail = _tail(output) if output else "(Maven's output is above)"
        raise Neo4jLaunchError(
            f"building the Neo4j launcher failed ({' '.join(command)} in {tool}, exit {result.returncode}):\n"
            f"{detail}"
        )
    if not jar.is_file():
        raise Neo4jLaunchError(f"Maven succeeded but {jar} is missing")
    # Maven keeps the jar's old mtime when nothing changed in it: touch so the freshness check holds
    jar.touch()
    return jar


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now (another process may still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise Neo4jLaunchError("java is not on PATH (and JAVA_HOME is not set): a JDK 17+ is needed")
    return found


class Neo4jServer:
    """One Neo4j server process: `start` it, use `uri`, `stop` it (or use it as a context manager).

    ``with Neo4jServer() as server`` starts it on a free port with a temporary data directory (removed
    on stop). For a chosen port or directory call `start` first; ``with`` then only stops it.

    The JVM gets ``--watch-stdin``: it shuts itself down when this process goes away, even by SIGKILL.
    """

    HOST = "127.0.0.1"

    def __init__(
        self,
        *,
        jar: Path | None = None,
        java: str | None = None,
        heap: str = DEFAULT_HEAP,
        page_cache: str = DEFAULT_PAGE_CACHE,
        password: str | None = None,
        log_level: str = "INFO",
        settings: Sequence[str] = (),
        jvm_args: Sequence[str] = (),
        repo_root: Path | None = None,
        echo: IO[str] | None = None,
    ) -> None:
        """`jar` defaults to the launcher built (if needed) by `build_launcher`; `password` turns auth on
        for user ``neo4j`` (8+ characters); `settings`: other Neo4j settings, ``KEY=VALUE`` as in
        ``neo4j.conf``, applied after the launcher's own; `echo` receives every line the JVM prints,
        as it comes."""
        if password is not None and len(password) < 8:
            raise ValueError("Neo4j passwords need at least 8 characters")
        self._jar = jar
        self._java = java
        self._heap = heap
        self._page_cache = page_cache
        self._password = password
        self._log_level = log_level
        self._settings = tuple(settings)
        self._jvm_args = tuple(jvm_args)
        self._repo_root = repo_root
        self._echo = echo
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._lines: collections.deque[str] = collections.deque(maxlen=500)
        self._ready = threading.Event()
        self._uri: str | None = None
        self._port: int | None = None
        self._data_dir: Path | None = None
        self._temp_dir: Path | None = None

    # -- state ---------------------------------------------------------------------------------------

    @property
    def uri(self) -> str:
        """``bolt://127.0.0.1:PORT`` of the running server."""
        if self._uri is None:
            raise Neo4jLaunchError("the Neo4j server is not running")
        return self._uri

    @property
    def port(self) -> int:
        if self._port is None or self._uri is None:
            raise Neo4jLaunchError("the Neo4j server is not running")
        return self._port

    @property
    def data_dir(self) -> Path | None:
        """The data directory of the running (or last) server."""
        return self._data_dir

    @property
    def auth(self) -> tuple[str, str] | None:
        """What to pass as the driver's ``auth``."""
        return None if self._password is None else ("neo4j", self._password)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def output(self, lines: int = _OUTPUT_TAIL) -> str:
        """The last lines the JVM printed (standard output and error together)."""
        return _tail(list(self._lines), lines)

    # -- start ---------------------------------------------------------------------------------------

    def start(self, *, port: int | None = None, data_dir: Path | None = None, timeout: float = 120.0) -> str:
        """Start the server and return its Bolt URI once a driver can talk to it.

        `port` None picks a free port (and retries another one if it is taken meanwhile); `data_dir`
        None uses a new temporary directory, removed by `stop`. Raises `Neo4jLaunchError`, with the
        JVM's last output lines, if the JVM exits or Bolt does not answer within `timeout` seconds.
        """
        if self._process is not None:
            raise Neo4jLaunchError(f"the Neo4j server is already started ({self._uri or 'starting'})")
        jar = self._jar or build_launcher(repo_root=self._repo_root)
        if data_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="maillage-neo4j-"))
            data_dir = self._temp_dir
        self._data_dir = data_dir
        try:
            attempts = _PORT_RETRIES if port is None else 1
            for attempt in range(attempts):
                try:
                    return self._start_once(jar, port or free_port(self.HOST), data_dir, timeout)
                except Neo4jLaunchError as error:
                    self._kill()
                    if attempt + 1 >= attempts or "already in use" not in str(error).lower():
                        raise
            raise AssertionError("unreachable")  # pragma: no cover
        except BaseException:
            self._cleanup()
            raise

    def _command(self, jar: Path, port: int, data_dir: Path) -> list[str]:
        command = [
            self._java or _find_java(),
            f"-Xmx{self._heap}",
            "-XX:+UseG1GC",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djdk.nio.maxCachedBufferSize=1024",
            *self._jvm_args,
            "-jar",
            str(jar),
            "--host",
            self.HOST,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--page-cache",
            self._page_cache,
            "--log-level",
            self._log_level,
            "--watch-stdin",
        ]
        for setting in self._settings:
            command += ["--setting", setting]
        if self._password is not None:
            command += ["--password", self._password]
        return command

    def _start_once(self, jar: Path, port: int, data_dir: Path, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        if _port_open(self.HOST, port, timeout=0.5):
            # Neo4j would find out only after creating its stores, some 20 s later
            raise Neo4jLaunchError(f"port {port} on {self.HOST} is already in use")
        self._lines.clear()
        self._ready.clear()
        self._port = port
        command = self._command(jar, port, data_dir)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
                # Ctrl-C in a terminal reaches only us; we stop the JVM ourselves (or it sees stdin close)
                start_new_session=True,
            )
        except OSError as error:
            raise Neo4jLaunchError(f"cannot run {command[0]}: {error}") from error
        self._process = process
        self._reader = threading.Thread(
            target=self._read_output, args=(process,), name=f"neo4j-{port}-output", daemon=True
        )
        self._reader.start()
        uri = f"bolt://{self.HOST}:{port}"
        while True:
            if process.poll() is not None:
                self._reader.join(timeout=5)
                raise Neo4jLaunchError(
                    f"Neo4j exited with code {process.returncode} before Bolt answered on {uri}:\n"
                    f"{self.output()}"
                )
            if time.monotonic() > deadline:
                raise Neo4jLaunchError(
                    f"Neo4j did not answer on {uri} within {timeout:g} s:\n{self.output()}"
                )
            if self._ready.wait(0.2) and _port_open(self.HOST, port) and self._driver_connects(uri):
                self._uri = uri
                return uri

    def _driver_connects(self, uri: str) -> bool:
        try:
            with neo4j.GraphDatabase.driver(uri, auth=self.auth) as driver:
                driver.verify_connectivity()
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError):
            return False  # not listening yet, or still starting its databases
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as error:
            raise Neo4jLaunchError(f"Neo4j is up on {uri} but refuses the driver: {error}") from error
        return True

    def _read_output(self, process: subprocess.Popen[str]) -> None:
        stream = process.stdout
        if stream is None:  # pragma: no cover - always a pipe
            return
        for raw in stream:
            line = raw.rstrip("\n")
            self._lines.append(line)
            if line.startswith(READY_PREFIX):
                self._ready.set()
            if self._echo is not None:
                with contextlib.suppress(ValueError, OSError):
                    self._echo.write(raw)
                    self._echo.flush()

    # -- stop ----------------------------------------------------------------------------------------

    def wait(self) -> int:
        """Block until the JVM exits by itself; its exit code."""
        if self._process is None:
            raise Neo4jLaunchError("the Neo4j server is not running")
        return self._process.wait()

    def stop(self, grace: float = _STOP_GRACE) -> None:
        """Shut the server down (SIGTERM, then SIGKILL after `grace` seconds) and wait for it."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._cleanup()

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._close_process()

    def _close_process(self) -> None:
        process = self._process
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if self._reader is not None:
                self._reader.join(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        self._process = None
        self._reader = None
        self._uri = None

    def _cleanup(self) -> None:
        self._kill()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    # -- context manager -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self._uri or ("starting" if self._process is not None else "stopped")
        return f"Neo4jServer({state})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run Neo4j in the foreground until Ctrl-C or SIGTERM; backs ``maillage neo4j start``."""
    parser = argparse.ArgumentParser(
        prog="python -m graph.neo4j_server",
        description=f"Run Neo4j {NEO4J_VERSION} Community with Bolt on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=7687, help="Bolt port (default 7687; 0 picks a free one)")
    parser.add_argument(
        "--data-dir", type=Path, default=Path("neo4j-data"), help="data directory (default ./neo4j-data)"
    )
    parser.add_argument("--password", help="turn auth on; user 'neo4j' gets this password (8+ characters)")
    parser.add_argument("--heap", default=DEFAULT_HEAP, help=f"JVM max heap (default {DEFAULT_HEAP})")
    parser.add_argument(
        "--page-cache", default=DEFAULT_PAGE_CACHE, help=f"page cache size (default {DEFAULT_PAGE_CACHE})"
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="start-up timeout in seconds")
    parser.add_argument("--log-level", default="INFO", help="Neo4j log level on stderr (default INFO)")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other Neo4j setting, as in neo4j.conf (repeatable)",
    )
    args = parser.parse_args(argv)

    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        build_launcher(quiet=False)
        server = Neo4jServer(
            heap=args.heap,
            page_cache=args.page_cache,
            password=args.password,
            log_level=args.log_level,
            settings=args.setting,
            echo=sys.stderr,
        )
        args.data_dir.mkdir(parents=True, exist_ok=True)
        uri = server.start(port=args.port or None, data_dir=args.data_dir.resolve(), timeout=args.timeout)
    except Neo4jLaunchError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    sys.stdout.write(f"Neo4j {NEO4J_VERSION} ready at {uri} (data in {args.data_dir}); Ctrl-C stops it\n")
    sys.stdout.flush()
    try:
        code = server.wait()
        sys.stderr.write(f"Neo4j exited by itself with code {code}\n")
        return code or 1
    except KeyboardInterrupt:
        sys.stderr.write("stopping Neo4j...\n")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
