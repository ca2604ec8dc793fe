"""Zeek records (TSV and JSON alike) to observables, by field name, for every Zeek log.

Both Zeek formats are turned into the same record first: field name -> value, with unset
fields absent, strings unescaped and sets/vectors as lists. Observables then come from the
fields a record has, whatever its log (conn, dns, http, files, ssl, x509, notice, intel,
...), so a log with extra or missing columns needs nothing special; the log name only adds
the application protocol to the connection.
"""

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from stixhub.sensor.events import stix_time
from stixhub.sensor.readers._objects import ObjectsBuilder
from stixhub.sensor.readers._times import epoch_micros, iso_micros, number_micros

__all__ = ["FIELDS", "zeek_objects", "zeek_time"]

FIELDS = frozenset(
    (
        "id.orig_h",
        "id.orig_p",
        "id.resp_h",
        "id.resp_p",
        "proto",
        "service",
        "orig_bytes",
        "resp_bytes",
        "query",
        "answers",
        "method",
        "host",
        "uri",
        "referrer",
        "user_agent",
        "username",
        "md5",
        "sha1",
        "sha256",
        "filename",
        "mime_type",
        "tx_hosts",
        "rx_hosts",
        "total_bytes",
        "server_name",
        "ja3",
        "ja3s",
        "subject",
        "issuer",
        "cert_chain_fps",
        "fingerprint",
        "certificate.serial",
        "certificate.subject",
        "certificate.issuer",
        "certificate.not_valid_before",
        "certificate.not_valid_after",
        "san.dns",
        "san.email",
        "san.ip",
        "src",
        "dst",
        "seen.indicator",
        "seen.indicator_type",
    )
)
"""The fields observables come from; a reader can skip every other column."""

_APP = {"http": "http", "ssl": "ssl", "dns": "dns", "smtp": "smtp", "ssh": "ssh", "ftp": "ftp"}
_INTEL = {
    "Intel::ADDR": "ip",
    "Intel::DOMAIN": "domain",
    "Intel::URL": "url",
    "Intel::EMAIL": "email",
    "Intel::FILE_HASH": "file_hash",
    "Intel::FILE_NAME": "file_name",
    "Intel::CERT_HASH": "cert_hash",
    "Intel::USER_NAME": "user",
}


def zeek_time(value: Any) -> int:
    """A Zeek ``time`` value to microseconds: epoch text (TSV), number or ISO text (JSON)."""
    if type(value) is str:
        if "T" not in value and value.count("-") < 2:  # ISO dates have two dashes
            return epoch_micros(value)
        return iso_micros(value)
    if type(value) in (int, float):
        return number_micros(value)
    raise ValueError(f"{value!r} is not a time")


def _port(value: Any) -> int | None:
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 <= port <= 65535 else None


def _count(value: Any) -> int | None:
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None


def _items(value: Any) -> list[Any]:
    if type(value) is list:
        return value
    return [] if value is None else [value]


def zeek_objects(r: Mapping[str, Any], log: str) -> dict[str, dict[str, Any]]:  # noqa: PLR0912
    """The observables of one Zeek record of the log named ``log`` (``conn``, ``dns``, ...)."""
    out = ObjectsBuilder()
    get = r.get
    src = out.ip(get("id.orig_h"))
    dst = out.ip(get("id.resp_h"))
    traffic: dict[str, Any] | None = None
    if src is not None or dst is not None:
        traffic = _traffic(r, log, src, dst, out)
    query = get("query")
    if query is not None:
        out.domain(query)
    for answer in _items(get("answers")):
        if type(answer) is str and not answer.startswith("TXT "):
            out.host(answer)
    if "host" in r or "uri" in r:
        _http(r, out, traffic)
    user = get("username")
    if user is not None:
        out.user(user)
    if "md5" in r or "sha1" in r or "sha256" in r or "filename" in r:
        _file(r, out)
    for hosts in (get("tx_hosts"), get("rx_hosts")):
        for host in _items(hosts):
            out.ip(host)
    name = get("server_name")
    if name is not None:
        out.domain(name)
    if traffic is not None:
        for field in ("ja3", "ja3s"):
            value = get(field)
            if type(value) is str and value:
                traffic[f"x_{field}"] = value
    _certificates(r, out)
    for field in ("src", "dst"):
        out.ip(get(field))
    indicator = get("seen.indicator")
    if indicator is not None:
        _intel(indicator, get("seen.indicator_type"), out)
    return out.objects


def _traffic(
    r: Mapping[str, Any], log: str, src: str | None, dst: str | None, out: ObjectsBuilder
) -> dict[str, Any]:
    protocols: list[str] = []
    proto = r.get("proto")
    if type(proto) is str:
        protocols.append(proto.lower())
    for service in _items(r.get("service")):
        if type(service) is str:
            protocols.extend(s for s in service.lower().split(",") if s and s not in protocols)
    app = _APP.get(log)
    if app is not None and app not in protocols:
        protocols.append(app)
    if not protocols:
        protocols.append("ipv6" if ":" in str(r.get("id.orig_h", "")) else "ipv4")
    traffic: dict[str, Any] = {"type": "network-traffic", "protocols": protocols}
    if src is not None:
        traffic["src_ref"] = src
    if dst is not None:
        traffic["dst_ref"] = dst
    port = _port(r.get("id.orig_p"))
    if port is not None:
        traffic["src_port"] = port
    port = _port(r.get("id.resp_p"))
    if port is not None:
        traffic["dst_port"] = port
    count = _count(r.get("orig_bytes"))
    if count is not None:
        traffic["src_byte_count"] = count
    count = _count(r.get("resp_bytes"))
    if count is not None:
        traffic["dst_byte_count"] = count
    out.add(traffic)
    return traffic


def _http(r: Mapping[str, Any], out: ObjectsBuilder, traffic: dict[str, Any] | None) -> None:
    host, uri, method = r.get("host"), r.get("uri"), r.get("method")
    out.host(host)
    if method == "CONNECT" and type(uri) is str:
        out.host(uri)  # CONNECT names host:port, no URL
    else:
        out.request_url(host, uri)
    out.url(r.get("referrer"))
    if traffic is None:
        return
    headers: dict[str, str] = {}
    for field, header in (("host", "Host"), ("user_agent", "User-Agent"), ("referrer", "Referer")):
        value = r.get(field)
        if type(value) is str:
            headers[header] = value
    if type(method) is str and type(uri) is str:
        request: dict[str, Any] = {"request_method": method.lower(), "request_value": uri}
        if headers:
            request["request_header"] = headers
        traffic["extensions"] = {"http-request-ext": request}


def _file(r: Mapping[str, Any], out: ObjectsBuilder) -> None:
    obj: dict[str, Any] = {"type": "file"}
    hashes = out.hashes(r.get("md5"), r.get("sha1"), r.get("sha256"))
    if hashes:
        obj["hashes"] = hashes
    name = r.get("filename")
    if type(name) is str and name:
        obj["name"] = name
    mime = r.get("mime_type")
    if type(mime) is str and mime and len(obj) > 1:
        obj["mime_type"] = mime
    size = _count(r.get("total_bytes"))
    if size is not None and len(obj) > 1:
        obj["size"] = size
    if len(obj) > 1:
        out.add(obj)


def _certificates(r: Mapping[str, Any], out: ObjectsBuilder) -> None:
    """The x509-certificate of an x509 record, and the chain and names an ssl record gives."""
    cert: dict[str, Any] = {"type": "x509-certificate"}
    hashes = out.hashes(r.get("fingerprint"))
    if hashes:
        cert["hashes"] = hashes
    for field, prop in (
        ("certificate.serial", "serial_number"),
        ("certificate.subject", "subject"),
        ("certificate.issuer", "issuer"),
        ("subject", "subject"),
        ("issuer", "issuer"),
    ):
        value = r.get(field)
        if type(value) is str and value:
            cert[prop] = value
    for field, prop in (
        ("certificate.not_valid_before", "validity_not_before"),
        ("certificate.not_valid_after", "validity_not_after"),
    ):
        value = r.get(field)
        if value is not None:
            with suppress(ValueError):  # an unreadable validity is left out, the rest kept
                cert[prop] = stix_time(zeek_time(value))
    if len(cert) > 1:
        out.add(cert)
    for fingerprint in _items(r.get("cert_chain_fps")):
        chain = out.hashes(fingerprint)
        if chain and chain != hashes:
            out.add({"type": "x509-certificate", "hashes": chain})
    for name in _items(r.get("san.dns")):
        out.domain(name)
    for address in _items(r.get("san.ip")):
        out.ip(address)
    for email in _items(r.get("san.email")):
        out.email(email)


def _intel(indicator: Any, kind: Any, out: ObjectsBuilder) -> None:
    """The observable an intel.log record says Zeek saw, by its indicator type."""
    role = _INTEL.get(kind) if type(kind) is str else None
    if role is None or type(indicator) is not str:
        return
    if role == "ip":
        out.ip(indicator)
    elif role == "domain":
        out.domain(indicator)
    elif role == "url":
        out.url(indicator if "://" in indicator else f"http://{indicator}")
    elif role == "email":
        out.email(indicator)
    elif role == "user":
        out.user(indicator)
    elif role == "file_name":
        out.add({"type": "file", "name": indicator})
    else:
        hashes = out.hashes(indicator)
        if hashes:
            out.add(
                {"type": "file" if role == "file_hash" else "x509-certificate", "hashes": hashes}
            )
