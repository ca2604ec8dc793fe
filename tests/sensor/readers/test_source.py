"""Reading files: gzip by magic bytes, follow mode across rotation, flat memory, detection."""

import gzip
import os
import shutil
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from stixhub.sensor import Event, InvalidMapping, UnsupportedLog
from stixhub.sensor.readers import ReadStats, detect_format, read_log
from tests.conftest import REPO, shared_path

sys.path.insert(0, str(REPO / "bench"))
import gen_logs

CONN = shared_path("corpus", "logs", "zeek-tsv", "rita-proxy", "conn.log")
HEADER = "".join(CONN.read_text().splitlines(keepends=True)[:8])
RECORD = (
    "1672843056.913119\tC1\t10.136.0.18\t55548\t198.51.100.{n}\t443\ttcp\tssl\t0.08\t1\t2\t"
    "SF\tT\tT\t0\tSh\t1\t2\t3\t4\t-\n"
)


class TestGzip:
    """A gzip file is read by its magic bytes, whatever its name."""

    def test_gzip_gives_the_same_events(self, tmp_path: Path) -> None:
        """The corpus conn.log compressed (named .log) reads exactly like the original."""
        packed = tmp_path / "conn.log"
        packed.write_bytes(gzip.compress(CONN.read_bytes()))
        assert list(map(_strip, read_log(packed))) == list(map(_strip, read_log(CONN)))

    def test_truncated_gzip_is_a_typed_error(self, tmp_path: Path) -> None:
        """A cut gzip stream ends the read with UnsupportedLog, not a traceback."""
        packed = tmp_path / "conn.log.gz"
        packed.write_bytes(gzip.compress(CONN.read_bytes())[:3000])
        with pytest.raises(UnsupportedLog, match="cannot read"):
            list(read_log(packed))


def _strip(event: Event) -> tuple[int, object, int]:
    return event.time, event.objects, event.line


class TestFollow:
    """Follow mode picks up appended lines and survives rotation; it ends on stop."""

    def test_appended_lines_and_rotation(self, tmp_path: Path) -> None:
        """Lines written after the start, half-written lines and a rotated file are all read."""
        path = tmp_path / "conn.log"
        path.write_text(HEADER + RECORD.format(n=1))
        stop = threading.Event()
        seen: list[str] = []
        got = {n: threading.Event() for n in (1, 2, 3, 4)}

        def read() -> None:
            for event in read_log(path, follow=True, stop=stop):
                last = event.objects["1"]["value"].rpartition(".")[2]
                seen.append(last)
                got[int(last)].set()

        reader = threading.Thread(target=read)
        reader.start()
        try:
            assert got[1].wait(10)
            with path.open("a") as out:
                line = RECORD.format(n=2)
                out.write(line[:20])
                out.flush()
                out.write(line[20:])
            assert got[2].wait(10)
            path.rename(tmp_path / "conn.log.1")  # rotation: a new file at the same path
            (tmp_path / "conn.log.new").write_text(HEADER + RECORD.format(n=3))
            (tmp_path / "conn.log.new").rename(path)
            assert got[3].wait(10)
            with path.open("a") as out:
                out.write(RECORD.format(n=4))
            assert got[4].wait(10)
        finally:
            stop.set()
            reader.join(10)
        assert not reader.is_alive()
        assert seen == ["1", "2", "3", "4"]

    def test_stop_before_start_reads_what_is_there(self, tmp_path: Path) -> None:
        """With stop already set, follow mode reads the file once and ends."""
        stop = threading.Event()
        stop.set()
        path = tmp_path / "conn.log"
        shutil.copy(CONN, path)
        assert len(list(read_log(path, follow=True, stop=stop))) == 463


class TestMemory:
    """Memory stays flat: the peak does not grow with the length of the log."""

    @staticmethod
    def _peak(path: Path) -> int:
        """Peak traced memory of a second read: the first fills the bounded value caches."""
        sum(1 for _ in read_log(path))
        tracemalloc.start()
        try:
            count = sum(1 for _ in read_log(path))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert count > 0
        return peak

    def test_peak_independent_of_length(self, tmp_path: Path) -> None:
        """Reading a log twenty times as long takes no more memory.

        The long log repeats the short one's records, so both name the same values and the
        bounded value caches hold the same; what is left to grow would be per-line memory.
        """
        gen_logs.main([str(tmp_path), "--lines", "1000", "--logs", "dns"])
        small = tmp_path / "dns.log"
        lines = small.read_text().splitlines(keepends=True)
        large = tmp_path / "large.log"
        large.write_text("".join(lines[:8] + lines[8:-1] * 20 + lines[-1:]))
        small_peak = self._peak(small)
        large_peak = self._peak(large)
        assert large_peak < 1.5 * small_peak + 2**16
        assert large.stat().st_size > 10 * large_peak


class TestGeneratedLogs:
    """bench/gen_logs.py writes real Zeek TSV: every line reads, none is malformed."""

    def test_generated_conn_and_dns(self, tmp_path: Path) -> None:
        """The generated logs read without a problem and vary in what they name."""
        gen_logs.main([str(tmp_path), "--lines", "3000", "--gzip"])
        for name in ("conn.log.gz", "dns.log.gz"):
            stats = ReadStats(name)
            events = list(read_log(tmp_path / name, stats=stats))
            assert (stats.events, stats.malformed, stats.untimed) == (3000, 0, 0)
            types = {o["type"] for e in events for o in e.objects.values()}
            assert {"ipv4-addr", "ipv6-addr", "network-traffic"} <= types

    def test_same_seed_same_bytes(self, tmp_path: Path) -> None:
        """A seed always writes the same file."""
        for folder in ("a", "b"):
            gen_logs.main([str(tmp_path / folder), "--lines", "500", "--logs", "conn"])
        a, b = (tmp_path / f / "conn.log" for f in ("a", "b"))
        assert a.read_bytes() == b.read_bytes()


class TestDetection:
    """Unknown files are typed errors with a clear message; formats are told apart."""

    def test_unknown_and_empty_files(self, tmp_path: Path) -> None:
        """A text file, an empty file, a directory and a missing file are UnsupportedLog."""
        text = tmp_path / "notes.txt"
        text.write_text("hello\n")
        empty = tmp_path / "empty.log"
        empty.write_text("")
        for path, message in (
            (text, "not a Zeek or Suricata"),
            (empty, "empty"),
            (tmp_path, "not a file"),
            (tmp_path / "missing", "not a file"),
        ):
            with pytest.raises(UnsupportedLog, match=message):
                read_log(path)

    def test_wrong_format_named(self) -> None:
        """--format suricata on a Zeek log says what the file is."""
        with pytest.raises(UnsupportedLog, match="zeek-tsv log, not suricata"):
            read_log(CONN, "suricata")
        with pytest.raises(UnsupportedLog, match="unknown log format"):
            read_log(CONN, "syslog")
        with pytest.raises(UnsupportedLog, match="needs a mapping"):
            read_log(CONN, "csv")

    def test_each_corpus_flavour(self) -> None:
        """TSV, both Zeek JSON flavours, EVE and the masked btest JSON are recognised."""
        logs = ("corpus", "logs")
        assert detect_format(CONN) == "zeek-tsv"
        assert detect_format(shared_path(*logs, "zeek-json", "rita-dnscat2", "dns.log")) == (
            "zeek-json"
        )
        assert detect_format(shared_path(*logs, "zeek-json", "wrccdc-2018", "x509.json")) == (
            "zeek-json"
        )
        assert detect_format(shared_path(*logs, "suricata", "elastic-beats.eve.json")) == (
            "suricata"
        )
        masked = shared_path(*logs, "zeek-btest", "http.json-non-printable-escaping.log.json")
        assert detect_format(masked) == "zeek-json"


class TestMappingErrors:
    """A bad mapping file is one InvalidMapping naming the mistake, before any line is read."""

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("format = 'xml'", "format must be"),
            ("[time]\nfield = '0'\n", "observables"),
            ("[[observables]]\nfield = '1'\ntype = 'ip'\n", r"\[time\]"),
            (
                "[time]\nfield='0'\n[[observables]]\nfield='1'\ntype='hostname'\n",
                "type must be one of",
            ),
            (
                "[time]\nfield='0'\nformat='weekday'\n[[observables]]\nfield='1'\ntype='ip'\n",
                "time format",
            ),
            (
                "[time]\nfield='0'\ntimezone='Mars/Olympus'\n[[observables]]\nfield='1'\ntype='ip'\n",
                "time zone",
            ),
            ("prefix = '('\n", "regular expression"),
            ("colour = 'red'\n", "unknown key"),
            ("this is = = not toml", "not valid TOML"),
        ],
    )
    def test_bad_mapping(self, tmp_path: Path, text: str, message: str) -> None:
        """Each mistake gets its own message, with the file named."""
        mapping = tmp_path / "map.toml"
        mapping.write_text(text)
        with pytest.raises(InvalidMapping, match=message):
            read_log(CONN, "csv", mapping=mapping)

    def test_jsonl_mapping_with_nested_fields(self, tmp_path: Path) -> None:
        """A JSON-lines log with nested and flat keys, ISO and epoch times, via a JSON mapping."""
        mapping = tmp_path / "map.json"
        mapping.write_text(
            '{"format": "jsonl", "time": {"field": "@timestamp", "format": "iso8601"},'
            ' "observables": [{"field": "source.ip", "type": "ip", "role": "src"},'
            ' {"field": "url.full", "type": "url"}, {"field": "user", "type": "email-addr"}]}'
        )
        log = tmp_path / "events.jsonl"
        log.write_text(
            '{"@timestamp": "2024-01-02T03:04:05.5+01:00", "source": {"ip": "2001:DB8::1"},'
            ' "url.full": "http://X.example/a", "user": "Bob@Example.org"}\n'
            "not json\n"
            '{"@timestamp": "yesterday", "source": {"ip": "-"}}\n'
        )
        stats = ReadStats("x")
        events = list(read_log(log, "jsonl", mapping=mapping, stats=stats))
        assert (stats.events, stats.malformed, stats.untimed, stats.skipped) == (1, 1, 1, 1)
        (event,) = events
        assert event.time == 1704161045500000
        values = sorted(str(o.get("value")) for o in event.objects.values())
        assert values == [
            "2001:db8::1",
            "None",
            "bob@example.org",
            "http://X.example/a",
            "x.example",
        ]


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    before = threading.active_count()
    yield
    assert threading.active_count() <= before


def test_environment_not_read() -> None:
    """The readers take everything as arguments; no STIXHUB_ variable changes them."""
    assert "STIXHUB_SENSOR_FORMAT" not in os.environ
