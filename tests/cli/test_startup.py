"""Start-up cost of ``stixhub``: commands import only what they use.

Every ``stixhub`` process pays for the modules imported before its command runs; pySigma,
SQLAlchemy with Alembic, and the sense pipeline's sources cost most of a second of CPU
together (docs/benchmarks.md, "CLI start"). Each test runs the command in a new process and
reads the modules it imported from ``sys.modules`` at exit, so a top-level import that
brings one back fails here rather than slowing every command down unnoticed.
"""

import os
import subprocess
import sys
from pathlib import Path

import orjson

from tests.cli._helpers import CLEAN_ENV, SAMPLES

# Runs the CLI like the console script does, then prints the imported module names.
_PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.__stderr__.write("\\nMODULES " + json.dumps(sorted(sys.modules))))
from stixhub.cli.main import main
sys.argv = ["stixhub", *sys.argv[1:]]
main()
"""

# The heavy packages.
SIGMA = "sigma"
SQLALCHEMY = "sqlalchemy"
ALEMBIC = "alembic"
STORE = "stixhub.store"


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}


def _imported(*args: str) -> tuple[int, set[str]]:
    """Run ``stixhub ARGS`` in a new interpreter; its exit code and the modules it imported."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    marker = result.stderr.rindex("MODULES ")
    modules: list[str] = orjson.loads(result.stderr[marker + len("MODULES ") :])
    return result.returncode, set(modules)


def _families(modules: set[str], *roots: str) -> set[str]:
    return {root for root in roots if any(m == root or m.startswith(root + ".") for m in modules)}


class TestStartup:
    """Which heavy packages each kind of command loads."""

    def test_help_imports_no_sigma_and_no_database(self) -> None:
        """``stixhub --help`` lists every command without pySigma, SQLAlchemy or the store."""
        code, modules = _imported("--help")
        assert code == 0
        assert "stixhub.cli.export" in modules  # the commands are all registered
        assert _families(modules, SIGMA, SQLALCHEMY, ALEMBIC, STORE) == set()

    def test_validate_imports_no_sigma_and_no_database(self) -> None:
        """``stixhub validate FILE`` validates without pySigma, SQLAlchemy or the store."""
        code, modules = _imported("validate", str(SAMPLES / "apt1.json"))
        assert code == 0
        assert "stixhub.stix.validation" in modules
        assert _families(modules, SIGMA, SQLALCHEMY, ALEMBIC, STORE) == set()

    def test_export_sigma_still_imports_pysigma(self, tmp_path: Path) -> None:
        """The lazy import is real: a Sigma export loads pySigma when it runs, and works."""
        out = tmp_path / "rules.yml"
        code, modules = _imported(
            "export", "sigma", "--from", str(SAMPLES / "demo-indicators.json"), "--out", str(out)
        )
        assert code == 0
        assert SIGMA in _families(modules, SIGMA)
        assert "domain|cased: www.honestimnotevil.com" in out.read_text()

    def test_database_errors_still_map_to_exit_codes(self) -> None:
        """With the store imported on first use, a bad database URL is still one line, exit 2."""
        result = subprocess.run(
            [sys.executable, "-m", "stixhub.cli.main", "--db", "notaurl", "api-root", "list"],
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2
        assert result.stderr == (
            "error: the database URL is not valid (sqlite:///FILE or postgresql://...)\n"
        )
