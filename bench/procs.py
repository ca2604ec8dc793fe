"""Starting, watching and stopping the servers under test, from /proc alone.

Why not psutil: the orchestrator runs in stixhub's own virtualenv, which the bench must not
change, and everything needed is in /proc on Linux. Every server starts in its own session
(``start_new_session``), so the server and all the worker processes it forks share one
session id: that is how memory and CPU are summed over a pre-fork server (uvicorn or gunicorn
workers), and how the whole tree is killed at once with ``killpg``, even on error.
"""

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ServerProcess",
    "Usage",
    "UsageSampler",
    "free_port",
    "session_usage",
    "stop_all",
]

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_RUNNING: list["ServerProcess"] = []


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Usage:
    """Resident memory (bytes) and CPU time (seconds) of a process session at one instant."""

    rss: int
    cpu: float
    processes: int


def session_usage(session_id: int) -> Usage:
    """Sum RSS and user+system CPU of every live process in a session.

    CPU includes the children a process has already waited for (``cutime``/``cstime``), so
    a worker that a server restarts does not make CPU time go backwards.
    """
    rss = 0
    ticks = 0
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its end.
        fields = raw[raw.rfind(")") + 2 :].split()
        if int(fields[3]) != session_id:  # field 6 of stat: session id
            continue
        ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        rss += int(fields[21]) * _PAGE_SIZE  # field 24: rss in pages
        count += 1
    return Usage(rss=rss, cpu=ticks / _CLOCK_TICKS, processes=count)


@dataclass
class UsageSampler:
    """Samples a session's memory in a background thread to catch its peak during a run."""

    session_id: int
    interval: float = 0.1
    peak_rss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "UsageSampler":
        self.peak_rss = session_usage(self.session_id).rss
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.peak_rss = max(self.peak_rss, session_usage(self.session_id).rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_rss = max(self.peak_rss, session_usage(self.session_id).rss)


class ServerProcess:
    """A server started in its own session; ``stop`` (or exit of the bench) kills its tree."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        # Appended: a server restarted after a failed cell keeps the log of the failure.
        self._log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _RUNNING.append(self)

    @property
    def session_id(self) -> int:
        """The session (and process group) id: the pid of the process we started."""
        return self.process.pid

    def wait_listening(self, timeout: float) -> None:
        """Block until the port accepts connections; raise with the log tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}: {self.log_tail()}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.name} did not listen on {self.port} in {timeout}s: {self.log_tail()}"
        )

    def log_tail(self, size: int = 2000) -> str:
        """The end of the server's log, for error messages."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_bytes()[-size:].decode("utf-8", "replace")

    def usage(self) -> Usage:
        """Memory and CPU of the whole server tree now."""
        return session_usage(self.session_id)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left after ``grace`` seconds."""
        if self in _RUNNING:
            _RUNNING.remove(self)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.session_id, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        # Workers may outlive their master: kill whatever is left in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.session_id, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        if self._log is not subprocess.DEVNULL:
            self._log.close()


def stop_all() -> None:
    """Kill every server still running: the last line of defence on any exit path."""
    for server in list(_RUNNING):
        server.stop(grace=3.0)


atexit.register(stop_all)
