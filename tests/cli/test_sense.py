"""``stixhub sense`` on the command line: dry run, usage and input errors, unreachable hub."""

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from stixhub.cli.main import main
from tests.cli._helpers import CLEAN_ENV, free_port, one_line_error

HTTP_LOG = Path(__file__).resolve().parents[3] / "shared/corpus/logs/zeek-tsv/rita-proxy/http.log"
IDENTITY = {
    "type": "identity",
    "spec_version": "2.1",
    "id": "identity--1f0e8c7a-6a3c-4e1b-9f2e-5b8f6c2d1a00",
    "created": "2024-01-01T00:00:00.000Z",
    "modified": "2024-01-01T00:00:00.000Z",
    "name": "Water board",
}
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--0a1b2c3d-0000-4000-8000-000000000001",
    "created": "2020-01-01T00:00:00.000Z",
    "modified": "2020-01-01T00:00:00.000Z",
    "pattern": "[domain-name:value = 'www.honestimnotevil.com']",
    "pattern_type": "stix",
    "valid_from": "2020-01-01T00:00:00Z",
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """An identity file, an indicator file and a spool folder."""
    identity = tmp_path / "identity.json"
    identity.write_bytes(orjson.dumps(IDENTITY))
    indicators = tmp_path / "intel.json"
    bundle = {"type": "bundle", "id": "bundle--0a1b2c3d-0000-4000-8000-000000000000"}
    indicators.write_bytes(orjson.dumps({**bundle, "objects": [INDICATOR]}))
    return {"identity": identity, "indicators": indicators, "spool": tmp_path / "spool"}


def sense(files: dict[str, Path], *args: str) -> Result:
    """Run ``stixhub sense`` in-process with the files and extra arguments."""
    argv = [
        "sense", "--indicators", str(files["indicators"]), "--log", str(HTTP_LOG),
        "--identity", str(files["identity"]), "--spool", str(files["spool"]), *args,
    ]  # fmt: skip
    env = {**CLEAN_ENV, "STIXHUB_USER": None, "STIXHUB_PASSWORD": None, "STIXHUB_TOKEN": None}
    return CliRunner().invoke(main, argv, env=env, catch_exceptions=False)


class TestSenseCli:
    """The command prints, refuses and exits by class."""

    def test_dry_run_prints_the_bundle_and_keeps_nothing(self, files: dict[str, Path]) -> None:
        """--dry-run prints a valid bundle on stdout, spools nothing, records nothing."""
        result = sense(files, "--dry-run", "--tlp", "green", "--tlp-version", "2.0")
        assert result.exit_code == 0, result.output
        bundle = orjson.loads(result.stdout)
        assert bundle["type"] == "bundle"
        types = {o["type"] for o in bundle["objects"]}
        assert {"marking-definition", "sighting", "observed-data", "domain-name"} <= types
        assert list((files["spool"] / "outbox").iterdir()) == []
        assert not (files["spool"] / "ledger.json").exists()
        again = sense(files, "--dry-run")
        assert orjson.loads(again.stdout)["objects"][1:] != []  # still unreported

    def test_share_none(self, files: dict[str, Path]) -> None:
        """--share-observables none sends sightings without observed-data."""
        result = sense(files, "--dry-run", "--share-observables", "none")
        types = {o["type"] for o in orjson.loads(result.stdout)["objects"]}
        assert types == {"marking-definition", "sighting"}

    def test_report_or_dry_run_required(self, files: dict[str, Path]) -> None:
        """Without --report or --dry-run the command is bad usage (2)."""
        result = sense(files)
        assert result.exit_code == 2
        assert "--report" in one_line_error(result)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--period", "7m"], "period"),
            (["--tlp", "purple"], "TLP"),
            (["--tlp", "amber+strict", "--tlp-version", "1.0"], "TLP 1.0"),
            (["--private-range", "10.0.0.0/99"], "address range"),
            (["--own-domain", "a b"], "domain"),
        ],
    )
    def test_bad_options(self, files: dict[str, Path], args: list[str], message: str) -> None:
        """An unreadable option value is one error line and exit code 2."""
        result = sense(files, "--dry-run", *args)
        assert result.exit_code == 2
        assert message in one_line_error(result)

    def test_bad_identity(self, files: dict[str, Path]) -> None:
        """An identity file without an identity is exit code 2."""
        files["identity"].write_text("[]")
        result = sense(files, "--dry-run")
        assert result.exit_code == 2
        assert "identity" in one_line_error(result)

    def test_unreachable_hub_spools(self, files: dict[str, Path]) -> None:
        """With no hub listening the report waits in the outbox and the exit code is 1."""
        url = f"http://127.0.0.1:{free_port()}/api1/"
        collection = "0a1b2c3d-0000-4000-8000-000000000099"
        result = sense(files, "--report", url, collection, "--timeout", "2")
        assert result.exit_code == 1
        assert "wait in" in one_line_error(result)
        assert len(list((files["spool"] / "outbox").iterdir())) == 1
        again = sense(files, "--report", url, collection, "--timeout", "2", "--json")
        assert again.exit_code == 1
        summary = orjson.loads(again.stdout)
        assert summary["sightings"] == 0  # already in the outbox, not made twice
        assert summary["delivery"]["waiting_bundles"] == 1
