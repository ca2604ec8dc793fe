"""An over-long line is never held whole: counted as malformed, read past, the rest read.

Each line reader gets a log with a 50 MB line in the middle, written in pieces (never held
by the test either), plain, gzipped and followed; memory is traced while it is read.
"""

import gzip
import json
import os
import threading
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stixhub.sensor.readers import MAX_LINE_BYTES, ReadStats, _source, read_log
from stixhub.sensor.readers._source import iter_blocks, iter_lines
from tests.conftest import shared_path

LONG = 50 * 2**20
"""The over-long line: 50 MiB, fifty times the default limit."""
PIECE = 2**20
HEADROOM = 5 * 2**20
"""What reading may take at its peak: a line of the limit (1 MiB) and its pieces, not 50."""

CONN = shared_path("corpus", "logs", "zeek-tsv", "rita-proxy", "conn.log")
ZEEK_HEADER = CONN.read_text().splitlines(keepends=True)[:8]
TSV = (
    "1672843056.913119\tC1\t10.136.0.18\t55548\t198.51.100.{n}\t443\ttcp\tssl\t0.08\t1\t2\t"
    "SF\tT\tT\t0\tSh\t1\t2\t3\t4\t-"
)
ZEEK_JSON = (
    '{{"ts":1672843056.913119,"uid":"C1","id.orig_h":"10.136.0.18","id.orig_p":55548,'
    '"id.resp_h":"198.51.100.{n}","id.resp_p":443,"proto":"tcp"}}'
)
EVE = (
    '{{"timestamp":"2024-01-02T03:04:05.000000+0000","event_type":"flow",'
    '"src_ip":"10.136.0.18","src_port":55548,"dest_ip":"198.51.100.{n}","dest_port":443,'
    '"proto":"TCP"}}'
)
JSONL = '{{"@timestamp":"2024-01-02T03:04:05Z","client":"10.136.0.18","server":"198.51.100.{n}"}}'
CSV = "2024-01-02T03:04:05Z,10.136.0.18,198.51.100.{n}"


def _mapping(form: str) -> dict[str, object]:
    time_field, src, dst = ("@timestamp", "client", "server") if form == "jsonl" else "012"
    return {
        "format": form,
        "time": {"field": time_field, "format": "iso8601"},
        "observables": [
            {"field": src, "type": "ip", "role": "src"},
            {"field": dst, "type": "ip", "role": "dst"},
        ],
    }


class Log:
    """A log of one format: header lines, records 1-3, the long line, records 4-6."""

    def __init__(
        self, name: str, header: list[str], record: str, long_start: str, form: str = "auto"
    ) -> None:
        self.name = name
        self.format = form
        self.header = header
        self.record = record
        self.long_start = long_start
        self.mapping: Path | None = None

    @property
    def long_number(self) -> int:
        return len(self.header) + 4

    def before(self) -> bytes:
        """The lines before the long one, and its start."""
        records = "".join(self.record.format(n=n) + "\n" for n in (1, 2, 3))
        return ("".join(self.header) + records + self.long_start).encode()

    def after(self) -> bytes:
        """The long line's end, and the lines after it."""
        return ("\n" + "".join(self.record.format(n=n) + "\n" for n in (4, 5, 6))).encode()

    def write(self, path: Path) -> None:
        """The whole log; the long line's 50 MiB are a hole (NUL bytes): no disk written."""
        with path.open("wb") as out:
            out.write(self.before())
            out.truncate(out.tell() + LONG)
            out.seek(0, os.SEEK_END)
            out.write(self.after())

    def write_gzip(self, path: Path, long_member: bytes) -> None:
        """The log as gzip members (one stream to a reader), the long line's from a cache."""
        before = gzip.compress(self.before(), compresslevel=1)
        path.write_bytes(before + long_member + gzip.compress(self.after(), compresslevel=1))


LOGS = {
    "zeek-tsv": Log("conn.log", ZEEK_HEADER, TSV, TSV.format(n=9)[:40]),
    "zeek-json": Log("conn.log", [], ZEEK_JSON, '{"ts":1672843056.9,"uid":"C9","note":"'),
    "suricata": Log("eve.json", [], EVE, '{"timestamp":"2024-01-02T03:04:05Z","x":"'),
    "jsonl": Log("app.jsonl", [], JSONL, '{"@timestamp":"2024-01-02T03:04:05Z","c":"', "jsonl"),
    "csv": Log("app.csv", [], CSV, "2024-01-02T03:04:05Z,10.136.0.18,", "csv"),
}


@pytest.fixture(scope="module")
def long_member() -> bytes:
    """A gzip member of 50 MiB of NUL bytes (about 50 KiB compressed), made once."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    piece = bytes(PIECE)
    packed = [packer.compress(piece) for _ in range(LONG // PIECE)]
    return b"".join(packed) + packer.flush()


@pytest.fixture(params=sorted(LOGS))
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Log:
    found = LOGS[request.param]
    found.mapping = None
    if found.format != "auto":
        found.mapping = tmp_path / "mapping.json"
        found.mapping.write_text(json.dumps(_mapping(found.format)))
    return found


def _traced(read: Callable[[], list[int]]) -> tuple[list[int], int]:
    """The line numbers of the events ``read`` made, and the peak memory it took."""
    tracemalloc.start()
    try:
        lines = read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return lines, peak


def _check(log: Log, stats: ReadStats, lines: list[int], peak: int) -> None:
    header = len(log.header)
    assert lines == [header + n for n in (1, 2, 3, 5, 6, 7)]
    assert peak < HEADROOM
    assert (stats.events, stats.malformed, stats.lines) == (6, 1, header + 7)
    (problem,) = stats.first_malformed
    assert problem.line == log.long_number
    assert problem.reason == (
        f"longer than {MAX_LINE_BYTES:,} characters: skipped up to its newline"
    )


class TestOnce:
    """Read once, plain or gzipped: the long line is one malformed line, memory stays small."""

    def test_plain(self, log: Log, tmp_path: Path) -> None:
        """The lines around the long one give their events with their own line numbers."""
        path = tmp_path / log.name
        log.write(path)
        stats = ReadStats(log.name)

        def read() -> list[int]:
            events = read_log(path, log.format, mapping=log.mapping, stats=stats)
            return [event.line for event in events]

        _check(log, stats, *_traced(read))

    def test_gzip(self, log: Log, tmp_path: Path, long_member: bytes) -> None:
        """A gzip stream expanding to 50 MB without a newline is read past the same way."""
        path = tmp_path / log.name
        log.write_gzip(path, long_member)
        assert path.stat().st_size < LONG // 100
        stats = ReadStats(log.name)

        def read() -> list[int]:
            events = read_log(path, log.format, mapping=log.mapping, stats=stats)
            return [event.line for event in events]

        _check(log, stats, *_traced(read))


class TestFollow:
    """Followed, the long line is counted too, and a long line still being written is bounded."""

    def test_written_before(self, log: Log, tmp_path: Path) -> None:
        """A followed log already holding the long line (stop set: read what is there)."""
        path = tmp_path / log.name
        log.write(path)
        stats = ReadStats(log.name)
        stop = threading.Event()
        stop.set()

        def read() -> list[int]:
            events = read_log(
                path, log.format, mapping=log.mapping, stats=stats, follow=True, stop=stop
            )
            return [event.line for event in events]

        _check(log, stats, *_traced(read))

    def test_written_while_followed(self, tmp_path: Path) -> None:
        """A line growing at the end of the file, past the limit, is dropped while it grows."""
        log = LOGS["zeek-tsv"]
        path = tmp_path / log.name
        with path.open("w") as out:
            out.writelines(log.header)
            out.write(log.record.format(n=1) + "\n")
        stats = ReadStats(log.name)
        stop = threading.Event()
        seen: list[int] = []
        first, last = threading.Event(), threading.Event()

        def read() -> None:
            for event in read_log(path, stats=stats, follow=True, stop=stop):
                seen.append(event.line)
                (last if len(seen) == 2 else first).set()

        tracemalloc.start()
        reader = threading.Thread(target=read)
        try:
            reader.start()
            assert first.wait(10)
            for _ in range(LONG // PIECE):  # the line grows by 1 MiB holes (NUL bytes)
                os.truncate(path, path.stat().st_size + PIECE)
            with path.open("a") as out:
                out.write("\n" + log.record.format(n=2) + "\n")
            assert last.wait(30)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            stop.set()
            reader.join(30)
            tracemalloc.stop()
        assert not reader.is_alive()
        header = len(log.header)
        assert seen == [header + 1, header + 3]
        assert peak < HEADROOM
        assert (stats.events, stats.malformed) == (2, 1)
        assert stats.first_malformed[0].line == header + 2


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode())


def _expected(
    text: str, limit: int, *, partial_last: bool
) -> tuple[list[tuple[int, str]], list[int]]:
    """What a reader should give: (number, line) within the limit, the numbers of the rest."""
    raw = text.split("\n")
    last = raw.pop()
    if last and partial_last:
        raw.append(last)
    good = [(n, line.rstrip("\r")) for n, line in enumerate(raw, 1) if len(line) <= limit]
    long = [n for n, line in enumerate(raw, 1) if len(line) > limit]
    return good, long


TEXT = st.text(alphabet="ab\r\n", max_size=60)


class TestBoundaries:
    """Lines of every length against every limit and piece size give what splitting gives."""

    @settings(max_examples=150, deadline=None)
    @given(text=TEXT, limit=st.integers(1, 12), piece=st.integers(1, 9))
    def test_read_once(
        self, tmp_path_factory: pytest.TempPathFactory, text: str, limit: int, piece: int
    ) -> None:
        """Lines and blocks, with lines ending across pieces and limits under the piece size."""
        path = tmp_path_factory.mktemp("once") / "log"
        _write(path, text)
        good, long = _expected(text, limit, partial_last=True)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_source, "_BLOCK_CHARS", piece)
            stats = ReadStats("log")
            assert list(iter_lines(path, max_line_bytes=limit, stats=stats)) == good
            assert [m.line for m in stats.first_malformed] == long[:10]
            assert (stats.malformed, stats.lines) == (len(long), len(long))
            blocks = list(iter_blocks(path, max_line_bytes=limit, stats=ReadStats("log")))
        assert [(n + i, line) for n, block in blocks for i, line in enumerate(block)] == good
        assert all(block for _, block in blocks)

    @settings(max_examples=100, deadline=None)
    @given(text=TEXT, limit=st.integers(1, 12))
    def test_follow(self, tmp_path_factory: pytest.TempPathFactory, text: str, limit: int) -> None:
        """Followed (stop set), a last line without its newline waits: it is not given."""
        path = tmp_path_factory.mktemp("follow") / "log"
        _write(path, text)
        good, long = _expected(text, limit, partial_last=False)
        stop = threading.Event()
        stop.set()
        stats = ReadStats("log")
        assert (
            list(iter_lines(path, follow=True, stop=stop, max_line_bytes=limit, stats=stats))
            == good
        )
        assert stats.malformed == len(long)
        assert [m.line for m in stats.first_malformed] == long[:10]

    def test_limit_must_be_positive(self) -> None:
        """A limit under one character is refused before anything is read."""
        with pytest.raises(ValueError, match="at least 1"):
            read_log(CONN, max_line_bytes=0)

    def test_long_first_lines_do_not_stop_detection(self, tmp_path: Path) -> None:
        """Detection passes over an over-long first line as the reader does."""
        path = tmp_path / "eve.json"
        _write(path, '{"x":"' + "y" * 1000 + '"}\n' + EVE.format(n=1) + "\n")
        stats = ReadStats("eve.json")
        events = list(read_log(path, stats=stats, max_line_bytes=500))
        assert (stats.format, [e.line for e in events], stats.malformed) == ("suricata", [2], 1)
