"""Suricata EVE JSON: one event per line, ``event_type`` naming its sub-object.

Observables come from the sub-objects a line has (``http``, ``dns``, ``tls``,
``fileinfo``, ``flow`` ...), not only from the one ``event_type`` names, because an alert
line carries the ``http`` or ``tls`` of the flow it fired on. Addresses are kept as
Suricata's direction says: on a DNS answer or a fileinfo line the server is ``src_ip``.
Lines without addresses or observables (``stats``) are skipped, not malformed.
"""

from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Any

from stixhub.sensor.events import Event, stix_time
from stixhub.sensor.readers._context import ReadContext
from stixhub.sensor.readers._json import json_object
from stixhub.sensor.readers._objects import ObjectsBuilder
from stixhub.sensor.readers._times import iso_micros

__all__ = ["read_suricata"]

_APP = {"http": "http", "tls": "tls", "dns": "dns", "smtp": "smtp", "ssh": "ssh", "ftp": "ftp"}


def _port(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= 65535 else None


def _sub(record: dict[str, Any], name: str) -> dict[str, Any]:
    value = record.get(name)
    return value if type(value) is dict else {}


def suricata_objects(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The observables of one EVE record."""
    out = ObjectsBuilder()
    src = out.ip(record.get("src_ip"))
    dst = out.ip(record.get("dest_ip"))
    traffic: dict[str, Any] | None = None
    if src is not None or dst is not None:
        protocols: list[str] = []
        proto = record.get("proto")
        if type(proto) is str:
            protocols.append(proto.lower())
        app = record.get("app_proto")
        event_type = record.get("event_type")
        app = _APP.get(app if type(app) is str else event_type if type(event_type) is str else "")
        if app is not None and app not in protocols:
            protocols.append(app)
        traffic = {"type": "network-traffic", "protocols": protocols or ["ipv4"]}
        if src is not None:
            traffic["src_ref"] = src
        if dst is not None:
            traffic["dst_ref"] = dst
        for field, prop in (("src_port", "src_port"), ("dest_port", "dst_port")):
            port = _port(record.get(field))
            if port is not None:
                traffic[prop] = port
        out.add(traffic)
    _http(_sub(record, "http"), out, traffic)
    dns = _sub(record, "dns")
    if dns:
        _dns(dns, out)
    tls = _sub(record, "tls")
    if tls:
        _tls(tls, out, traffic)
    fileinfo = _sub(record, "fileinfo")
    if fileinfo:
        _file(fileinfo, out)
    return out.objects


def _http(http: dict[str, Any], out: ObjectsBuilder, traffic: dict[str, Any] | None) -> None:
    if not http:
        return
    host, url = http.get("hostname"), http.get("url")
    out.host(host)
    out.request_url(host, url)
    out.url(http.get("http_refer"))
    redirect = http.get("redirect")
    if type(redirect) is str and redirect.startswith("/"):
        out.request_url(host, redirect)
    else:
        out.url(redirect)
    method = http.get("http_method")
    if traffic is not None and type(method) is str and type(url) is str:
        request: dict[str, Any] = {"request_method": method.lower(), "request_value": url}
        headers = {}
        if type(host) is str:
            headers["Host"] = host
        agent = http.get("http_user_agent")
        if type(agent) is str:
            headers["User-Agent"] = agent
        if headers:
            request["request_header"] = headers
        traffic["extensions"] = {"http-request-ext": request}


def _dns(dns: dict[str, Any], out: ObjectsBuilder) -> None:
    out.domain(dns.get("rrname"))
    rdata = dns.get("rdata")
    if type(rdata) is str and dns.get("rrtype") != "TXT":
        out.host(rdata)
    for answer in dns.get("answers", ()) if type(dns.get("answers")) is list else ():
        if type(answer) is dict:
            out.domain(answer.get("rrname"))
            if answer.get("rrtype") != "TXT":
                out.host(answer.get("rdata"))
    grouped = dns.get("grouped")
    if type(grouped) is dict:
        for rrtype, values in grouped.items():
            if rrtype != "TXT" and type(values) is list:
                for value in values:
                    out.host(value)


def _tls(tls: dict[str, Any], out: ObjectsBuilder, traffic: dict[str, Any] | None) -> None:
    out.domain(tls.get("sni"))
    cert: dict[str, Any] = {"type": "x509-certificate"}
    hashes = out.hashes(tls.get("fingerprint"))
    if hashes:
        cert["hashes"] = hashes
    for field, prop in (
        ("serial", "serial_number"),
        ("subject", "subject"),
        ("issuerdn", "issuer"),
    ):
        value = tls.get(field)
        if type(value) is str and value:
            cert[prop] = value
    for field, prop in (("notbefore", "validity_not_before"), ("notafter", "validity_not_after")):
        value = tls.get(field)
        if type(value) is str:
            with suppress(ValueError):  # an unreadable validity is left out, the rest kept
                cert[prop] = stix_time(iso_micros(value))
    if len(cert) > 1:
        out.add(cert)
    if traffic is not None:
        for field in ("ja3", "ja3s"):
            sub = tls.get(field)
            digest = sub.get("hash") if type(sub) is dict else None
            if type(digest) is str:
                traffic[f"x_{field}"] = digest


def _file(fileinfo: dict[str, Any], out: ObjectsBuilder) -> None:
    obj: dict[str, Any] = {"type": "file"}
    hashes = out.hashes(fileinfo.get("md5"), fileinfo.get("sha1"), fileinfo.get("sha256"))
    if hashes:
        obj["hashes"] = hashes
    name = fileinfo.get("filename")
    if type(name) is str and name:
        obj["name"] = name.rpartition("/")[2] or name
    size = fileinfo.get("size")
    if type(size) is int and size >= 0:
        obj["size"] = size
    if "hashes" in obj or "name" in obj:
        out.add(obj)


def read_suricata(lines: Iterable[tuple[int, str]], ctx: ReadContext) -> Iterator[Event]:
    """The events of an EVE JSON log; malformed lines are counted in ``ctx.stats``."""
    stats = ctx.stats
    source = ctx.source
    for number, line in lines:
        stats.lines += 1
        if not line.strip():
            stats.skipped += 1
            continue
        record = json_object(line, number, stats)
        if record is None:
            continue
        stamp = record.get("timestamp")
        try:
            if type(stamp) is not str:
                raise ValueError("no timestamp")
            time = iso_micros(stamp)
            ctx.fallback_time = time
        except ValueError as error:
            time = ctx.untimed(number, str(error))
        objects = suricata_objects(record)
        if not objects:
            stats.skipped += 1
            continue
        stats.events += 1
        event_type = record.get("event_type")
        kind = f"suricata.{event_type}" if type(event_type) is str else "suricata"
        yield Event(time, objects, source, number, kind)
