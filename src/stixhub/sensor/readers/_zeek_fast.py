"""Straight-line readers for the two logs that dominate sensor volume: conn and dns.

Each takes a raw line and gives its finished event, with no column list beyond the columns
it needs, no record dict and no builder object: the sensor matches about 4 µs per event, so
reading has to cost well under 2. They give exactly what the general path (``_record`` and
``zeek_objects``) gives, and hand a line back to it (by returning None) for anything not
plain, so they may assume what Zeek writes for typed columns and check only cheaply:

- the line is ASCII and has no ``\\`` (no escapes to decode, ``isdigit`` means 0-9),
- it has as many columns as ``#fields`` names (the general path reports it otherwise),
- ``ts`` is 10.6 digits, ports are canonical 0-65535, byte counts digits or unset,
- both addresses are addresses and differ, the proto is set, the service is not empty,
- every DNS answer is an address, a host name or a ``TXT`` record.

``tests`` compare the two paths on generated, corpus and property-generated lines.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from stixhub.sensor.events import Event
from stixhub.sensor.readers._values import IP_OBJECTS, NAME_OBJECTS, ip_object, name_objects

try:  # the same readers in C, built when a compiler was there at install (see _speedups.c)
    from stixhub.sensor.readers import _speedups
except ImportError:  # pragma: no cover - exercised where the extension is not built
    _speedups = None  # type: ignore[assignment]

__all__ = ["BlockReader", "LineReader", "fast_reader", "has_c_readers"]

LineReader = Callable[[str, int], Event | None]
"""(line, line number) -> its event, or None for the general path to read the line."""
BlockReader = Callable[[list[str], int, int, list[Event]], int]
"""(lines with their ends, start, number of lines[0], out) -> index of the first line not read.

Appends the events of ``lines[start:]`` to ``out`` up to the first line the reader hands to
the general path (the returned index; ``len(lines)`` when it read them all). One call per
block of lines keeps the per-line work out of the interpreter.
"""

_MICROS = 1_000_000
_KEYS = tuple(str(n) for n in range(64))
"""The object keys "0".."63": an event with more objects takes the general path."""
_PROTOCOL_CACHE = 256
_C_MAX_COLUMNS = 64  # MAX_COLUMNS in _speedups.c
_new_event = tuple.__new__
"""``Event(...)`` runs the named tuple's Python ``__new__``; this is the same, in C."""

_CONN_NEED: tuple[str, ...] = ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto")
_CONN_NEED += ("service", "orig_bytes", "resp_bytes")
_CONN_OTHER = {"uid", "duration", "conn_state", "local_orig", "local_resp", "missed_bytes"}
_CONN_OTHER |= {"history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"}
_CONN_OTHER |= {"tunnel_parents", "ip_proto", "orig_l2_addr", "resp_l2_addr", "community_id"}
_DNS_NEED: tuple[str, ...] = ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p")
_DNS_NEED += ("proto", "query", "answers")
_DNS_OTHER = {"uid", "trans_id", "rtt", "qclass", "qclass_name", "qtype", "qtype_name"}
_DNS_OTHER |= {"rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z", "TTLs", "rejected"}
_DNS_OTHER |= {"opcode", "opcode_name", "auth", "addl"}

_PORTS: dict[str, int] = {}
"""Canonical port spellings seen so far: at most 65,536 entries, whatever the logs hold."""


def _port(text: str) -> int | None:
    """A canonical port number (what Zeek writes); None for anything else."""
    if not text.isdigit() or len(text) > 5:
        return None
    port = int(text)
    if port > 65535 or str(port) != text:
        return None
    _PORTS[text] = port
    return port


def has_c_readers() -> bool:
    """Whether the C readers (``_speedups.c``) were built."""
    return _speedups is not None


def fast_reader(  # noqa: PLR0911
    path: str,
    fields: list[str],
    header: tuple[str, str, str, str],
    source: str,
    kind: str,
    *,
    use_c: bool = True,
) -> BlockReader | None:
    """A line reader for a conn or dns header with the standard columns; None otherwise.

    ``header`` is (separator, set separator, empty marker, unset marker) of the file. The C
    reader is used when it was built and the markers are ASCII with one-character
    separators (what Zeek writes); ``use_c=False`` gives the Python one (tests compare).
    """
    need: tuple[str, ...]
    if path == "conn":
        need, other = _CONN_NEED, _CONN_OTHER
    elif path == "dns":
        need, other = _DNS_NEED, _DNS_OTHER
    else:
        return None
    index = {name: i for i, name in enumerate(fields)}
    if len(index) != len(fields) or any(n not in index for n in need):
        return None
    if set(fields) - other - set(need):
        return None  # another schema: the general path reads it by name
    width = len(fields)
    in_c = use_c and _speedups is not None and width <= _C_MAX_COLUMNS
    in_c = in_c and all(m.isascii() for m in header) and len(header[0]) == len(header[1]) == 1
    protocols = _Protocols(header[2], header[3])
    if path == "conn":
        indices = tuple(index[n] for n in _CONN_NEED)
        if in_c:
            config = _c_config(width, indices, header, {}, protocols.conn)
            return partial(_speedups.conn_block, (*config, source, kind))
        return _blocks(_conn_reader(indices, width, header, protocols, source, kind))
    indices = tuple(index[n] for n in _DNS_NEED)
    if in_c:
        config = _c_config(width, (*indices, -1), header, protocols.table, protocols.dns_log)
        return partial(_speedups.dns_block, (*config, source, kind))
    return _blocks(_dns_reader(indices, width, header, protocols, source, kind))


def _blocks(reader: LineReader) -> BlockReader:
    """A block reader that calls a line reader on each line (what the C module does in C)."""

    def read(lines: list[str], start: int, first: int, out: list[Event]) -> int:
        for i in range(start, len(lines)):
            event = reader(lines[i].rstrip("\r\n"), first + i)
            if event is None:
                return i
            out.append(event)
        return len(lines)

    return read


def _c_config(
    width: int,
    indices: tuple[int, ...],
    header: tuple[str, str, str, str],
    table: dict[Any, list[str] | None],
    protocols_of: Callable[..., list[str] | None],
) -> tuple[Any, ...]:
    """The tuple the C readers take (then source, kind): the enum atop ``_speedups.c``.

    The conn table is the C reader's own (it keys it by one string, not a pair).
    """
    sep, set_sep, empty, unset = header
    return (
        width,
        *indices,
        sep,
        set_sep,
        unset,
        empty,
        IP_OBJECTS.hot,
        ip_object,
        table,
        protocols_of,
        NAME_OBJECTS.hot,
        name_objects,
        Event,
    )


class _Protocols:
    """The ``protocols`` list of a traffic object by its proto (and service), memoised.

    Few distinct values occur, so a small table spares the lowering and splitting; every
    event gets a copy, never the table's list.
    """

    def __init__(self, empty: str, unset: str) -> None:
        self.table: dict[Any, list[str] | None] = {}
        self.empty = empty
        self.unset = unset

    def conn(self, proto: str, service: str) -> list[str] | None:
        """proto then each service, lower case, once; None when the service is empty."""
        protocols = [proto.lower()]
        if service != self.unset:
            if service == self.empty:
                return None
            for s in service.lower().split(","):
                if s and s not in protocols:
                    protocols.append(s)
        if len(self.table) < _PROTOCOL_CACHE:
            self.table[proto, service] = protocols
        return protocols

    def dns_log(self, proto: str) -> list[str]:
        """proto, lower case, and ``dns`` (the application of every dns.log record)."""
        lowered = proto.lower()
        protocols = [lowered] if lowered == "dns" else [lowered, "dns"]
        if len(self.table) < _PROTOCOL_CACHE:
            self.table[proto] = protocols
        return protocols


def _conn_reader(  # noqa: PLR0915  one straight line, on purpose
    indices: tuple[int, ...],
    width: int,
    header: tuple[str, str, str, str],
    protocols: _Protocols,
    source: str,
    kind: str,
) -> LineReader:
    sep, _set_sep, _empty, unset = header
    ti, oh, op, rh, rp, pr, sv, ob, rb = indices
    cut = max(indices) + 1
    gaps = width - 1
    ips = IP_OBJECTS.hot
    ports = _PORTS
    protocol_cache = protocols.table
    protocols_of = protocols.conn
    last_whole = ""
    base = 0

    def conn(line: str, number: int) -> Event | None:  # noqa: PLR0911, PLR0912
        nonlocal last_whole, base
        if line.count(sep) != gaps or "\\" in line or not line.isascii() or line[:1] == "#":
            return None
        cols = line.split(sep, cut)
        ts = cols[ti]
        if len(ts) != 17 or ts[10] != ".":
            return None
        whole = ts[:10]
        if whole != last_whole:
            if not whole.isdigit():
                return None
            last_whole = whole
            base = int(whole) * _MICROS
        fraction = ts[11:]
        if not fraction.isdigit():
            return None
        text = cols[oh]
        a = ips.get(text) or ip_object(text)
        text = cols[rh]
        b = ips.get(text) or ip_object(text)
        if a is None or b is None or a["value"] == b["value"]:
            return None
        proto, service = cols[pr], cols[sv]
        if proto == unset:
            return None
        template = protocol_cache.get((proto, service))
        if template is None:
            template = protocols_of(proto, service)
            if template is None:
                return None
        text = cols[op]
        src_port = ports.get(text)
        if src_port is None:
            src_port = _port(text)
            if src_port is None:
                return None
        text = cols[rp]
        dst_port = ports.get(text)
        if dst_port is None:
            dst_port = _port(text)
            if dst_port is None:
                return None
        sent, received = cols[ob], cols[rb]
        if sent.isdigit():
            if received.isdigit():
                traffic = {
                    "type": "network-traffic",
                    "protocols": template.copy(),
                    "src_ref": "0",
                    "dst_ref": "1",
                    "src_port": src_port,
                    "dst_port": dst_port,
                    "src_byte_count": int(sent),
                    "dst_byte_count": int(received),
                }
            elif received == unset:
                traffic = {
                    "type": "network-traffic",
                    "protocols": template.copy(),
                    "src_ref": "0",
                    "dst_ref": "1",
                    "src_port": src_port,
                    "dst_port": dst_port,
                    "src_byte_count": int(sent),
                }
            else:
                return None
        elif sent == unset:
            if received == unset:
                traffic = {
                    "type": "network-traffic",
                    "protocols": template.copy(),
                    "src_ref": "0",
                    "dst_ref": "1",
                    "src_port": src_port,
                    "dst_port": dst_port,
                }
            elif received.isdigit():
                traffic = {
                    "type": "network-traffic",
                    "protocols": template.copy(),
                    "src_ref": "0",
                    "dst_ref": "1",
                    "src_port": src_port,
                    "dst_port": dst_port,
                    "dst_byte_count": int(received),
                }
            else:
                return None
        else:
            return None
        return _new_event(
            Event,
            (base + int(fraction), {"0": a, "1": b, "2": traffic}, source, number, kind),
        )

    return conn


def _dns_reader(  # noqa: PLR0915  one straight line, on purpose
    indices: tuple[int, ...],
    width: int,
    header: tuple[str, str, str, str],
    protocols: _Protocols,
    source: str,
    kind: str,
) -> LineReader:
    sep, set_sep, empty, unset = header
    ti, oh, op, rh, rp, pr, qu, an = indices
    cut = max(ti, oh, op, rh, rp, pr, qu) + 1
    tail = width - an  # rsplit(sep, tail)[1] is the answers column when it is not in the head
    gaps = width - 1
    ips = IP_OBJECTS.hot
    names = NAME_OBJECTS.hot
    ports = _PORTS
    protocol_cache = protocols.table
    protocols_of = protocols.dns_log
    last_whole = ""
    base = 0

    def dns(line: str, number: int) -> Event | None:  # noqa: PLR0911, PLR0912, PLR0915
        nonlocal last_whole, base
        if line.count(sep) != gaps or "\\" in line or not line.isascii() or line[:1] == "#":
            return None
        cols = line.split(sep, cut)
        ts = cols[ti]
        if len(ts) != 17 or ts[10] != ".":
            return None
        whole = ts[:10]
        if whole != last_whole:
            if not whole.isdigit():
                return None
            last_whole = whole
            base = int(whole) * _MICROS
        fraction = ts[11:]
        if not fraction.isdigit():
            return None
        text = cols[oh]
        a = ips.get(text) or ip_object(text)
        text = cols[rh]
        b = ips.get(text) or ip_object(text)
        if a is None or b is None:
            return None
        a_value, b_value = a["value"], b["value"]
        if a_value == b_value:
            return None
        proto = cols[pr]
        template = protocol_cache.get(proto)
        if template is None:
            if proto == unset:
                return None
            template = protocols_of(proto)
        text = cols[op]
        src_port = ports.get(text)
        if src_port is None:
            src_port = _port(text)
            if src_port is None:
                return None
        text = cols[rp]
        dst_port = ports.get(text)
        if dst_port is None:
            dst_port = _port(text)
            if dst_port is None:
                return None
        objects: dict[str, dict[str, Any]] = {
            "0": a,
            "1": b,
            "2": {
                "type": "network-traffic",
                "protocols": template.copy(),
                "src_ref": "0",
                "dst_ref": "1",
                "src_port": src_port,
                "dst_port": dst_port,
            },
        }
        query = cols[qu]
        answers = cols[an] if an < cut else line.rsplit(sep, tail)[1]
        if answers in (unset, empty):
            if query != unset:
                for obj in names.get(query) or name_objects(query):
                    objects[_KEYS[len(objects)]] = obj  # a query's names are distinct
            return _new_event(Event, (base + int(fraction), objects, source, number, kind))
        seen = {a_value, b_value}
        if query != unset:
            for obj in names.get(query) or name_objects(query):
                seen.add(obj["value"])
                objects[_KEYS[len(objects)]] = obj
        for answer in answers.split(set_sep):
            found = names.get(answer)
            if not found:
                # a name known to have names is no address: domain_names() is () for those
                if answer.startswith("TXT "):
                    continue
                obj = ips.get(answer) or ip_object(answer)
                if obj is not None:
                    value = obj["value"]
                    if value not in seen:
                        if len(objects) >= len(_KEYS):
                            return None
                        seen.add(value)
                        objects[_KEYS[len(objects)]] = obj
                    continue
                if ":" in answer or not answer:
                    return None  # host:port and other odd answers: the general path decides
                found = name_objects(answer)
            for obj in found:
                value = obj["value"]
                if value not in seen:
                    if len(objects) >= len(_KEYS):
                        return None
                    seen.add(value)
                    objects[_KEYS[len(objects)]] = obj
        return _new_event(Event, (base + int(fraction), objects, source, number, kind))

    return dns
