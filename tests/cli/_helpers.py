"""Helpers shared by the CLI tests: running ``stixhub`` in-process or as a server process."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from click.testing import CliRunner, Result

from stixhub.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"

# Variables of the developer's shell that would change what the CLI reads.
CLEAN_ENV: dict[str, str | None] = {"STIXHUB_DB": None, "STIXHUB_CONFIG": None}


@dataclass
class Cli:
    """Invokes the CLI with ``--db`` pointing at the test database."""

    db_url: str

    def __call__(self, *args: str, input: str | None = None, db: bool = True) -> Result:
        """Run ``stixhub --db URL ARGS``; with ``db=False``, run ``stixhub ARGS`` as given."""
        argv = ["--db", self.db_url, *args] if db else list(args)
        return CliRunner().invoke(main, argv, input=input, env=CLEAN_ENV, catch_exceptions=False)


def one_line_error(result: Result) -> str:
    """The single ``error: ...`` line a failed command printed; fails if there is more."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def stixhub_command(*args: str) -> list[str]:
    """The command line that runs this checkout's ``stixhub`` in a new process."""
    return [sys.executable, "-m", "stixhub.cli.main", *args]


START_WAIT_SECONDS = 90
STOP_WAIT_SECONDS = 30


@dataclass
class ServerProcess:
    """A ``stixhub serve`` process and what it wrote to stderr."""

    process: "subprocess.Popen[bytes]"
    log: IO[bytes]

    def output(self) -> str:
        """Everything the server logged so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self, signum: int = signal.SIGINT) -> int:
        """Send a signal and wait for the exit code; kill it if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"server did not stop:\n{self.output()}") from None


@contextmanager
def running_server(args: list[str], port: int) -> Iterator[ServerProcess]:
    """Run ``stixhub ARGS`` until it listens on 127.0.0.1:``port``, then yield it."""
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    with running_process(stixhub_command(*args), port, environment) as server:
        yield server


@contextmanager
def running_process(argv: list[str], port: int, env: dict[str, str]) -> Iterator[ServerProcess]:
    """Run a server process until it listens on 127.0.0.1:``port``, then yield it.

    It is stopped (SIGINT, then killed) at the end if the test did not stop it, so no
    server outlives its test.
    """
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = ServerProcess(process, log)
        try:
            _wait_until_listening(server, port)
            yield server
        finally:
            if process.poll() is None:
                server.stop()


def _wait_until_listening(server: ServerProcess, port: int) -> None:
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(
                f"server exited with {server.process.returncode}:\n{server.output()}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server did not listen on port {port}:\n{server.output()}")
