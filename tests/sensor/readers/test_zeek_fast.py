"""The conn/dns line readers, in C and in Python, give exactly what the general path gives."""

import ipaddress
import sys
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stixhub.sensor.events import Event
from stixhub.sensor.readers import ReadStats, _zeek_fast, read_log, zeek_tsv
from stixhub.sensor.readers._values import IP_OBJECTS, Memo, ip_object
from tests.conftest import REPO, shared_path

sys.path.insert(0, str(REPO / "bench"))
import gen_logs

_HEAD = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
CONN_HEADER = (
    f"{_HEAD}#path\tconn\n#fields\t" + "\t".join(gen_logs.CONN_FIELDS) + "\n"
    "#types\t" + "\t".join(gen_logs.CONN_TYPES) + "\n"
)
DNS_HEADER = (
    f"{_HEAD}#path\tdns\n#fields\t" + "\t".join(gen_logs.DNS_FIELDS) + "\n"
    "#types\t" + "\t".join(gen_logs.DNS_TYPES) + "\n"
)


@pytest.fixture(params=["c", "python"])
def line_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Every test here runs on the C readers (``_speedups.c``) and on the Python ones.

    Gives the counts of lines the block reader took (``fast``) and handed back (``general``),
    so a test can show the readers were used, not only that the output agrees.
    """
    if request.param == "c" and not _zeek_fast.has_c_readers():
        pytest.skip("stixhub.sensor.readers._speedups is not built (no C compiler at install)")
    counts = {"fast": 0, "general": 0}

    def counted(*args: Any, **kwargs: Any) -> Any:
        reader = _zeek_fast.fast_reader(*args, **kwargs, use_c=request.param == "c")
        if reader is None:
            return None
        is_c = isinstance(reader, partial)
        assert is_c == (request.param == "c")

        def read(lines: list[str], start: int, first: int, out: list[Event]) -> int:
            before = len(out)
            stop = reader(lines, start, first, out)
            assert len(out) - before == stop - start  # one event per line taken
            counts["fast"] += stop - start
            counts["general"] += stop < len(lines)  # the line handed back
            return stop

        return read

    monkeypatch.setattr(zeek_tsv, "fast_reader", counted)
    return counts


def general(path: Path) -> tuple[list[Event], ReadStats]:
    """The events and stats of the general path alone (no line reader)."""
    stats = ReadStats(str(path))
    original = zeek_tsv._fast_reader
    zeek_tsv._fast_reader = lambda *args: None  # type: ignore[assignment]
    try:
        return list(read_log(path, stats=stats)), stats
    finally:
        zeek_tsv._fast_reader = original


def fast(path: Path) -> tuple[list[Event], ReadStats]:
    stats = ReadStats(str(path))
    return list(read_log(path, stats=stats)), stats


class TestSameEvents:
    """Generated and corpus logs: the same events and stats, read mostly by the line readers."""

    def test_generated_and_corpus(self, tmp_path: Path, line_reader: dict[str, int]) -> None:
        """Every event and count is equal; at least 99% of the generated lines took the readers."""
        gen_logs.main([str(tmp_path), "--lines", "4000", "--seed", "3"])
        corpus = shared_path("corpus", "logs", "zeek-tsv")
        paths = [tmp_path / "conn.log", tmp_path / "dns.log"]
        paths += [corpus / "rita-proxy" / "conn.log", corpus / "rita-proxy" / "dns.log"]
        paths += [corpus / "wrccdc-2018" / "dns.first1000.log"]
        for path in paths:
            assert fast(path) == general(path), path
        assert line_reader["fast"] > 0.99 * 8000

    def test_events_are_events(self, tmp_path: Path, line_reader: dict[str, int]) -> None:
        """What a line reader makes is an Event like any other: fields, _replace, equality."""
        gen_logs.main([str(tmp_path), "--lines", "20", "--logs", "conn"])
        events = list(read_log(tmp_path / "conn.log"))
        assert line_reader["fast"] == 19  # the first line makes the reader
        assert len(events) == 20
        for event in events:
            assert type(event) is Event
            assert event.kind == "zeek.conn"
            assert event._replace(kind="x").kind == "x"
            assert Event(*event) == event
            assert event.objects["2"]["src_ref"] == "0"


# Values that are plain, and values that are each one of the traps the readers must notice.
_TS = st.one_of(
    st.integers(1_000_000_000, 9_999_999_999).map(lambda s: f"{s}.{s % 999983:06d}"),
    st.sampled_from(
        [
            "1717200000.000001",
            "1717200000.999999",
            "XXXXXXXXXX.XXXXXX",
            "2.385616957e+09",
            "-",
            "1717200000.5",
            "17172000001.23456",
            "1717200000.12345\u0661",
            "1717_00000.123456",
            "+717200000.123456",
        ]
    ),
)
_ADDR = st.sampled_from(
    [
        "10.0.0.1",
        "10.0.0.2",
        "1.2.3.4",
        "10.0.0.01",
        "::1",
        "0::1",
        "2001:DB8::1",
        "2001:db8:0:0:0:0:0:1",
        "fe80::1%eth0",
        "::ffff:1.2.3.4",
        "[::1]",
        " 1.2.3.4",
        "256.1.1.1",
        "1.2.3",
        "0.0.0.0",  # noqa: S104  a value in a log, nothing binds it
        "255.255.255.255",
        "1.2.3.4.",
        "1.2.3.256",
        "1..2.3",
        "1.2.3.4a",
        "-",
        "(empty)",
        "example.com",
    ]
)
_PORT = st.sampled_from(["80", "53", "0", "65535", "080", "65536", "-1", "+1", "1_0", "-", ""])
_PROTO = st.sampled_from(["tcp", "udp", "UDP", "icmp", "-", "(empty)", "DNS"])
_SERVICE = st.sampled_from(["-", "(empty)", "http", "SSL,http", "dns,,dns", "ssl,-", "Http"])
_COUNT = st.sampled_from(["0", "123", "-", "-5", "123456789012345678901", "1e3", "(empty)", "+7"])
_NAME = st.sampled_from(
    [
        "example.com",
        "WWW.Example.COM.",
        "1.2.3.4",
        "b\u00fccher.de",
        "xn--bcher-kva.de",
        "*.wild.example",
        "a b",
        "host:8080",
        "[::1]:53",
        "::1",
        "TXT 3 abc",
        "",
        "q\\x41.example",
        "10.0.0.1",
        "_dmarc.example.com",
        "a-b.c",
        "123",
        "example.com.",
        "-x-",
        "UPPER.example",
    ]
)
_ANSWERS = st.one_of(
    st.sampled_from(["-", "(empty)"]),
    st.lists(st.one_of(_NAME, _ADDR), min_size=1, max_size=5).map(",".join),
)


@st.composite
def conn_line(draw: st.DrawFn) -> str:
    values = dict.fromkeys(gen_logs.CONN_FIELDS, "-")
    values.update(ts=draw(_TS), uid="Cx", proto=draw(_PROTO), service=draw(_SERVICE))
    values["id.orig_h"], values["id.resp_h"] = draw(_ADDR), draw(_ADDR)
    values["id.orig_p"], values["id.resp_p"] = draw(_PORT), draw(_PORT)
    values["orig_bytes"], values["resp_bytes"] = draw(_COUNT), draw(_COUNT)
    line = "\t".join(values[f] for f in gen_logs.CONN_FIELDS)
    return line if draw(st.integers(0, 9)) else line + "\textra"


@st.composite
def dns_line(draw: st.DrawFn) -> str:
    values = dict.fromkeys(gen_logs.DNS_FIELDS, "-")
    values.update(ts=draw(_TS), uid="Cy", proto=draw(_PROTO), query=draw(_NAME))
    values["id.orig_h"], values["id.resp_h"] = draw(_ADDR), draw(_ADDR)
    values["id.orig_p"], values["id.resp_p"] = draw(_PORT), draw(_PORT)
    values["answers"] = draw(_ANSWERS)
    return "\t".join(values[f] for f in gen_logs.DNS_FIELDS)


def _paths(header: str, lines: list[str]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:  # hypothesis runs each test many times
        path = Path(folder) / "x.log"
        path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
        yield path


_PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
"""Both logs' property tests: ``line_reader`` only picks the reader and counts, so one
instance may serve every example."""


class TestProperty:
    """Lines with every trap, in any order (the readers keep the last ts second), agree."""

    @_PROPERTY
    @given(lines=st.lists(conn_line(), min_size=1, max_size=12))
    def test_conn(self, line_reader: dict[str, int], lines: list[str]) -> None:
        """A conn line reads the same through the line reader as through the general path."""
        for path in _paths(CONN_HEADER, lines):
            assert fast(path) == general(path)

    @_PROPERTY
    @given(lines=st.lists(dns_line(), min_size=1, max_size=12))
    def test_dns(self, line_reader: dict[str, int], lines: list[str]) -> None:
        """A dns line reads the same through the line reader as through the general path."""
        for path in _paths(DNS_HEADER, lines):
            assert fast(path) == general(path)

    def test_the_traps_reach_both_outcomes(self, line_reader: dict[str, int]) -> None:
        """Plain lines take the line reader, a trap line the general path (the first line
        always does: it makes the reader)."""
        plain = "\t".join(
            {"ts": "1717200000.000001", "id.orig_h": "10.0.0.1", "id.resp_h": "1.2.3.4"}.get(
                f, {"id.orig_p": "1", "id.resp_p": "2", "proto": "udp"}.get(f, "-")
            )
            for f in gen_logs.DNS_FIELDS
        )
        for path in _paths(DNS_HEADER, [plain, plain, plain.replace("udp", "-"), plain]):
            fast(path)
        assert line_reader == {"fast": 2, "general": 1}


class TestValues:
    """The memo and the address check the readers lean on."""

    @given(st.one_of(_ADDR, _NAME, st.text(alphabet="0123456789.:abcdefABCDEF%[] x", max_size=20)))
    def test_ip_object_same_as_uncached(self, text: str) -> None:
        """The memo and the cheap "cannot be an address" test never change an answer."""
        IP_OBJECTS.clear()
        first = ip_object(text)
        assert ip_object(text) == first
        if first is not None:
            assert first["type"] in ("ipv4-addr", "ipv6-addr")
        address = text.strip().partition("%")[0]
        if address.startswith("[") and address.endswith("]"):
            address = address[1:-1]
        try:
            parsed: Any = ipaddress.ip_address(address)
        except ValueError:
            assert first is None
            return
        if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
            parsed = parsed.ipv4_mapped
        assert first is not None
        assert first["value"] == str(parsed)

    def test_memo_is_bounded_and_keeps_what_is_used(self) -> None:
        """Never more than two generations; a value used in each generation stays."""
        memo = Memo(size=100)
        memo.keep("kept", 1)
        for n in range(1000):
            memo.keep(str(n), n)
            assert memo.recall("kept") == 1
            assert len(memo.hot) + len(memo.old) <= 200
        assert "3" not in memo.hot
        assert "3" not in memo.old  # unused for two generations: forgotten
