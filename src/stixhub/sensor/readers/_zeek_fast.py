"""Straight-line builders for the two logs that dominate sensor volume: conn and dns.

They read the columns by index and build the objects in one go, with no record dict and
no builder object. They give exactly what the general path (``zeek_objects``) gives, and
hand a record back to it (by returning None) for anything not plain: an unreadable port,
an address that is none, the same address on both sides. ``tests`` compare the two paths.
"""

from collections.abc import Callable
from typing import Any

from stixhub.sensor.readers._values import domain_names, ip_object

__all__ = ["fast_builder"]

Builder = Callable[[list[str]], dict[str, dict[str, Any]] | None]


def fast_builder(  # noqa: PLR0915  two straight-line builders, on purpose
    path: str, fields: list[str], unset: str, empty: str, set_separator: str
) -> Builder | None:
    """A builder for a conn or dns header with the standard columns; None otherwise."""
    index = {name: i for i, name in enumerate(fields)}
    need = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"]
    if path == "conn":
        need += ["service", "orig_bytes", "resp_bytes"]
        allowed = set(need) | {"ts", "uid", "duration", "conn_state", "local_orig"}
        allowed |= {"local_resp", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes"}
        allowed |= {"resp_pkts", "resp_ip_bytes", "tunnel_parents", "ip_proto"}
        allowed |= {"orig_l2_addr", "resp_l2_addr", "community_id"}
    elif path == "dns":
        need += ["query", "answers"]
        allowed = set(need) | {"ts", "uid", "trans_id", "rtt", "qclass", "qclass_name"}
        allowed |= {"qtype", "qtype_name", "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z"}
        allowed |= {"TTLs", "rejected", "opcode", "opcode_name", "auth", "addl"}
    else:
        return None
    if any(name not in index for name in need) or set(fields) - allowed:
        return None  # another schema: the general path reads it by name
    oh, op, rh, rp, pr = (index[n] for n in need[:5])
    if path == "conn":
        sv, ob, rb = index["service"], index["orig_bytes"], index["resp_bytes"]

        def conn(cols: list[str]) -> dict[str, dict[str, Any]] | None:
            a = ip_object(cols[oh])
            b = ip_object(cols[rh])
            if a is None or b is None or a is b or cols[pr] == unset:
                return None
            protocols = [cols[pr].lower()]
            service = cols[sv]
            if service != unset:
                if service == empty:
                    return None
                for s in service.lower().split(","):
                    if s and s not in protocols:
                        protocols.append(s)
            try:
                traffic: dict[str, Any] = {
                    "type": "network-traffic",
                    "protocols": protocols,
                    "src_ref": "0",
                    "dst_ref": "1",
                    "src_port": int(cols[op]),
                    "dst_port": int(cols[rp]),
                }
                if cols[ob] != unset:
                    traffic["src_byte_count"] = int(cols[ob])
                if cols[rb] != unset:
                    traffic["dst_byte_count"] = int(cols[rb])
            except ValueError:
                return None
            if not (traffic["src_port"] <= 65535 and traffic["dst_port"] <= 65535):
                return None
            if traffic.get("src_byte_count", 0) < 0 or traffic.get("dst_byte_count", 0) < 0:
                return None
            return {"0": a, "1": b, "2": traffic}

        return conn
    qu, an = index["query"], index["answers"]

    def dns(cols: list[str]) -> dict[str, dict[str, Any]] | None:  # noqa: PLR0912
        a = ip_object(cols[oh])
        b = ip_object(cols[rh])
        if a is None or b is None or a is b or cols[pr] == unset:
            return None
        proto = cols[pr].lower()
        try:
            traffic: dict[str, Any] = {
                "type": "network-traffic",
                "protocols": [proto] if proto == "dns" else [proto, "dns"],
                "src_ref": "0",
                "dst_ref": "1",
                "src_port": int(cols[op]),
                "dst_port": int(cols[rp]),
            }
        except ValueError:
            return None
        if not (0 <= traffic["src_port"] <= 65535 and 0 <= traffic["dst_port"] <= 65535):
            return None
        objects: dict[str, dict[str, Any]] = {"0": a, "1": b, "2": traffic}
        seen = {a["value"], b["value"]}
        query = cols[qu]
        if query != unset:
            for name in domain_names(query):
                if name not in seen:
                    seen.add(name)
                    objects[str(len(objects))] = {"type": "domain-name", "value": name}
        answers = cols[an]
        if answers not in (unset, empty):
            for answer in answers.split(set_separator):
                if answer.startswith("TXT "):
                    continue
                obj = ip_object(answer)
                if obj is not None:
                    if obj["value"] not in seen:
                        seen.add(obj["value"])
                        objects[str(len(objects))] = obj
                    continue
                if ":" in answer or not answer:
                    return None  # host:port and other odd answers: the general path decides
                for name in domain_names(answer):
                    if name not in seen:
                        seen.add(name)
                        objects[str(len(objects))] = {"type": "domain-name", "value": name}
        return objects

    return dns
