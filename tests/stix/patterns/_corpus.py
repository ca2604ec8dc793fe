"""Loaders for the shared corpus and the bug-report cases used by the pattern tests."""

import json
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[4] / "shared"
if not SHARED.exists():  # the repository sits next to the shared folder in /work
    SHARED = Path("/work/shared")


def load(relative: str) -> Any:
    return json.loads((SHARED / relative).read_text(encoding="utf-8"))


def pattern_cases() -> list[tuple[str, bool]]:
    """(pattern, stix2-patterns verdict) for every case of corpus/patterns."""
    cases = []
    for name, key in (
        ("stix2-patterns-cases.json", "valid"),
        ("stix-rust-pattern-fixtures.json", "stix2_patterns_2_1_2_valid"),
    ):
        for case in load(f"corpus/patterns/{name}")["cases"]:
            cases.append((case["pattern"], bool(case[key])))
    return cases


def matcher_cases() -> list[tuple[str, str, Any, str, object]]:
    """(case name, pattern, observations, STIX version the case ran with, stix2-matcher
    result) for corpus/matcher."""
    cases = []
    for path in sorted((SHARED / "corpus" / "matcher").glob("test_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for number, case in enumerate(data["cases"]):
            observations = data["observation_sets"][case["observations"]]
            name = f"{path.stem}-{number}"
            version = case.get("stix_version", "2.1")
            cases.append((name, case["pattern"], observations, version, case["expected"]))
    return cases
