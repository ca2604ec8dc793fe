"""Zeek TSV: escaping and timestamps (property tests), malformed lines, headers."""

import sys
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stixhub.sensor.readers import ReadStats, read_log, zeek_tsv
from stixhub.sensor.readers._times import epoch_micros, iso_micros
from stixhub.sensor.readers._values import domain_names, zeek_unescape
from tests.conftest import REPO, shared_path

sys.path.insert(0, str(REPO / "bench"))
import gen_logs

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
    "#path\tdns\n#fields\tts\tid.orig_h\tid.resp_h\tquery\tanswers\n"
    "#types\ttime\taddr\taddr\tstring\tvector[string]\n"
)


def zeek_escape(value: str, separators: str = "\t,") -> str:
    """Escape ASCII text as Zeek's ASCII writer does: backslash, separators, unprintables."""
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char in separators or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "dns.log"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


class TestEscaping:
    """Zeek's escaping is undone exactly, sets split before their elements are decoded."""

    @given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30))
    def test_unescape_inverts_the_writer(self, value: str) -> None:
        """For ASCII text, decoding Zeek's escaped form gives the text back."""
        assert zeek_unescape(zeek_escape(value)) == value

    @given(st.binary(max_size=20))
    def test_any_bytes_decode_without_error(self, data: bytes) -> None:
        """Escaped arbitrary bytes decode to text: UTF-8 where valid, ``\\xNN`` text where not."""
        escaped = "".join(f"\\x{b:02x}" for b in data)
        assert zeek_unescape(escaped) == data.decode("utf-8", "backslashreplace")

    @given(st.lists(st.text(alphabet="ab,\\\t x.", min_size=1, max_size=8), min_size=1, max_size=4))
    def test_set_elements_keep_escaped_commas(self, items: list[str]) -> None:
        """An escaped comma stays inside its element; the elements come back in order."""
        names = [f"h{i}{zeek_escape(item)}" for i, item in enumerate(items)]
        record = f"1.5\t10.0.0.1\t10.0.0.2\tq.example\t{','.join(names)}\n"
        with tempfile.TemporaryDirectory() as folder:  # hypothesis runs it many times
            (event,) = read_log(write(Path(folder), record))
        expected = {n for i, item in enumerate(items) for n in domain_names(f"h{i}{item}")}
        got = {o["value"] for o in event.objects.values() if o["type"] == "domain-name"}
        assert got - {"q.example"} == expected - {"q.example"}


class TestTimestamps:
    """Epoch and ISO times are read to the microsecond, without float rounding."""

    @given(st.integers(0, 4102444800 * 10**6))
    def test_epoch_text_round_trip(self, micros: int) -> None:
        """Six-decimal epoch text gives exactly its microseconds."""
        text = f"{micros // 10**6}.{micros % 10**6:06d}"
        assert epoch_micros(text) == micros

    @given(st.integers(0, 4102444800 * 10**6), st.integers(-14 * 60, 14 * 60))
    def test_iso_with_any_offset(self, micros: int, offset_minutes: int) -> None:
        """An ISO time with an offset (with or without colon) is the same instant in UTC."""
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
        local = instant.astimezone(timezone(timedelta(minutes=offset_minutes)))
        text = local.strftime("%Y-%m-%dT%H:%M:%S.%f%z")  # -0600, Suricata's spelling
        assert iso_micros(text) == micros
        assert iso_micros(local.isoformat()) == micros  # -06:00

    def test_exponent_form(self) -> None:
        """Zeek writes large times as 2.385616957e+09."""
        assert epoch_micros("2.385616957e+09") == 2_385_616_957_000_000

    def test_no_zone_is_utc(self) -> None:
        """A time without a zone (Suricata's tls.notbefore) is read as UTC."""
        assert iso_micros("2017-02-27T17:54:31") == 1_488_218_071_000_000


class TestMalformed:
    """Bad lines are counted with their numbers and reasons; the good ones still count."""

    def test_wrong_column_count_and_bad_time(self, tmp_path: Path) -> None:
        """A short line is malformed; a line with an unreadable time keeps its observables."""
        body = (
            "1.0\t10.0.0.1\t10.0.0.2\ta.example\t-\n"
            "garbage\n"
            "nope\t10.0.0.1\t10.0.0.2\tb.example\t(empty)\n"
            "3.0\t10.0.0.1\t10.0.0.2\t-\t-\n"
        )
        stats = ReadStats("x")
        events = list(read_log(write(tmp_path, body), stats=stats))
        assert [e.line for e in events] == [8, 10, 11]
        assert [e.time for e in events] == [1_000_000, 1_000_000, 3_000_000]
        assert (stats.lines, stats.events, stats.malformed, stats.untimed) == (11, 3, 1, 1)
        assert stats.first_malformed[0].line == 9
        assert "columns" in stats.first_malformed[0].reason

    def test_data_before_header(self, tmp_path: Path) -> None:
        """A data line before #fields is malformed, not a crash."""
        path = tmp_path / "x.log"
        path.write_text("#separator \\x09\n1.0\t10.0.0.1\n", encoding="utf-8")
        stats = ReadStats("x")
        assert list(read_log(path, stats=stats)) == []
        assert stats.malformed == 1

    def test_many_problems_keep_only_the_first(self, tmp_path: Path) -> None:
        """Every malformed line is counted; only the first ten keep their reasons."""
        stats = ReadStats("x")
        list(read_log(write(tmp_path, "x\n" * 50), stats=stats))
        assert stats.malformed == 50
        assert len(stats.first_malformed) == 10

    def test_a_new_header_changes_the_columns(self, tmp_path: Path) -> None:
        """Headers that appear again mid-file (rotation, concatenation) are obeyed."""
        body = (
            "1.0\t10.0.0.1\t10.0.0.2\ta.example\t-\n"
            "#fields\tts\tquery\n#types\ttime\tstring\n"
            "2.0\tb.example\n"
        )
        events = list(read_log(write(tmp_path, body)))
        assert events[1].objects == {"0": {"type": "domain-name", "value": "b.example"}}

    def test_custom_separator(self, tmp_path: Path) -> None:
        """A #separator other than tab (here a comma-free '|') is decoded and used."""
        path = tmp_path / "x.log"
        path.write_text(
            "#separator \\x7c\n#set_separator|;\n#unset_field|-\n#fields|ts|query|answers\n"
            "#types|time|string|vector[string]\n5.0|a.example|1.2.3.4;b.example\n",
            encoding="utf-8",
        )
        (event,) = read_log(path)
        assert sorted(o["value"] for o in event.objects.values()) == [
            "1.2.3.4",
            "a.example",
            "b.example",
        ]


class TestFastPath:
    """The straight-line conn/dns builders give exactly what the general path gives."""

    def test_same_events_with_and_without(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Generated and corpus conn/dns logs read the same with the fast path switched off."""
        gen_logs.main([str(tmp_path), "--lines", "3000"])
        corpus = shared_path("corpus", "logs", "zeek-tsv")
        paths = [tmp_path / "conn.log", tmp_path / "dns.log"]
        paths += [corpus / "rita-proxy" / "conn.log", corpus / "rita-proxy" / "dns.log"]
        paths += [corpus / "wrccdc-2018" / "dns.first1000.log"]
        fast = {p: list(read_log(p)) for p in paths}
        monkeypatch.setattr(zeek_tsv, "_fast_reader", lambda *args: None)
        for path in paths:
            assert list(read_log(path)) == fast[path], path
