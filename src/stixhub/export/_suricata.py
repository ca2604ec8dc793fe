"""Suricata: dataset files and a rules file that uses them (Suricata user guide, "Datasets").

Each indicator gets its own rules, one per value kind and sticky buffer, with a **stable
sid** derived from the indicator id and the rule's slot, in the range reserved for
generated rules, ``SID_BASE`` to ``SID_BASE + SID_SPAN - 1`` (3,000,000,000-3,999,999,999,
above the blocks public rule sets use). Slots whose hashes collide are resolved in id order
by taking the next free sid, so a sid only moves when a colliding indicator appears. ``msg``
names the indicator (``stixhub <name>``), ``metadata`` carries its id and confidence.

Values go into list files of the right type, one per indicator and type, under
``datasets/``; rules load them with ``load`` (reloaded on rule reload, nothing written by
Suricata) and relative names (no ``allow-absolute-filenames`` needed):

* domains: dataset ``type string`` (values base64, as datasets require) on ``dns.query``,
  ``tls.sni`` and ``http.host``, lower-cased as Suricata normalises those buffers;
* addresses: dataset ``type ip`` on ``ip.src`` and ``ip.dst``;
* file hashes: ``filemd5`` / ``filesha1`` / ``filesha256`` with a hex-per-line file (no
  sticky buffer holds a file's hash, so the hash list keywords are the dataset here);
* networks cannot be set members: each indicator's networks make one IP-only rule with an
  address list (``alert ip any any <> [nets] any``);
* URLs: a content rule per URL on ``http.host`` and ``http.uri.raw``, exact
  (``startswith; endswith``), every byte outside printable ASCII and ``"``, ``;``, ``\\``,
  ``|`` written as ``|HH|``. ``http.host`` is the *normalised* host name (lower case, no
  port: the user guide's "HTTP Keywords"), so a URL's port goes into the rule header as the
  destination port (``-> any 8080``), and the host part ends at the first ``/``, ``?`` or
  ``#``; the fragment is never sent, so it is no part of the URI either.

Other kinds (file names, e-mail, user names, software, SHA-512, certificates) are counted
as skipped: Suricata has no exact keyword for them that this export trusts.
"""

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass

from stixhub.export._listing import Listed, listed
from stixhub.export._model import ExportOptions, ExportOutput, Selection
from stixhub.export._observables import Kind, Observable

__all__ = ["RULES_FILE", "SID_BASE", "SID_SPAN", "export_suricata", "msg_text"]

RULES_FILE = "stixhub.rules"
SID_BASE = 3_000_000_000
SID_SPAN = 1_000_000_000
_DOMAIN_BUFFERS = (("dns", "dns.query"), ("tls", "tls.sni"), ("http", "http.host"))
_IP_BUFFERS = ("ip.src", "ip.dst")
_HASH_KEYWORDS: dict[Kind, str] = {"md5": "filemd5", "sha1": "filesha1", "sha256": "filesha256"}
_SUPPORTED: frozenset[Kind] = frozenset(
    {"domain", "ipv4", "ipv6", "ipv4-net", "ipv6-net", "url", "md5", "sha1", "sha256"}
)
# Lists of indicators no longer exported: removed once the new rules are written.
_OWNED_LISTS = "datasets/stixhub-*.lst"
_SAFE_CONTENT = frozenset(c for c in range(0x20, 0x7F) if chr(c) not in '"\\;|')


@dataclass(frozen=True, slots=True)
class _Rule:
    slot: str  # what the rule is for, part of the sid seed
    header: str
    body: str  # options between msg and sid


def msg_text(text: str) -> str:
    """Text for ``msg``: control characters become spaces, ``" ; \\`` are escaped."""
    clean = "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
    for special in ("\\", '"', ";"):
        clean = clean.replace(special, "\\" + special)
    return clean


def _content(text: str) -> str:
    out: list[str] = []
    for byte in text.encode():
        out.append(chr(byte) if byte in _SAFE_CONTENT else f"|{byte:02X}|")
    return "".join(out).replace("||", " ")


def _accept(observable: Observable) -> str | None:
    if observable.kind not in _SUPPORTED:
        return f"no Suricata keyword for {observable.kind}"
    if observable.kind == "url" and _split_url(observable.value) is None:
        return "URL without a host, port and path Suricata can match"
    return None


def _split_url(url: str) -> tuple[str, str, str] | None:
    """(host as ``http.host`` holds it, destination port or ``any``, request URI), or None."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, target = rest[:end], rest[end:]
    hostport = authority.rsplit("@", 1)[-1]
    if hostport.startswith("["):  # an IPv6 literal: [2001:db8::1]:8080
        close = hostport.find("]")
        if close < 0:
            return None
        host, after = hostport[: close + 1], hostport[close + 1 :]
        if after and not after.startswith(":"):
            return None
        port_text = after[1:] if after else None
    else:
        host, colon, port_text_raw = hostport.partition(":")
        port_text = port_text_raw if colon else None
    if not host:
        return None
    port = "any"
    if port_text is not None:
        if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            return None
        port = str(int(port_text))
    target = target.partition("#")[0]
    if not target.startswith("/"):
        target = "/" + target
    return host.lower(), port, target


def _set_name(item: Listed, kind: str) -> str:
    return f"stixhub-{item.selected.id.split('--', 1)[-1]}-{kind}"


def _rules_for(item: Listed, files: dict[str, bytes]) -> list[_Rule]:
    rules: list[_Rule] = []
    by_kind: dict[str, list[Observable]] = {}
    for observable in item.observables:
        by_kind.setdefault(observable.kind, []).append(observable)
    if "domain" in by_kind:
        name = _set_name(item, "domain")
        values = sorted({o.value.lower() for o in by_kind["domain"]})
        files[f"datasets/{name}.lst"] = "".join(
            base64.b64encode(v.encode()).decode() + "\n" for v in values
        ).encode()
        for proto, buffer in _DOMAIN_BUFFERS:
            rules.append(
                _Rule(
                    f"domain:{buffer}",
                    f"alert {proto} any any -> any any",
                    f"{buffer}; dataset:isset,{name}, type string, load datasets/{name}.lst, "
                    f"hashsize {_hashsize(len(values))};",
                )
            )
    addresses = by_kind.get("ipv4", []) + by_kind.get("ipv6", [])
    if addresses:
        name = _set_name(item, "ip")
        values = sorted({o.value for o in addresses})
        files[f"datasets/{name}.lst"] = "".join(f"{v}\n" for v in values).encode()
        for buffer in _IP_BUFFERS:
            rules.append(
                _Rule(
                    f"ip:{buffer}",
                    "alert ip any any -> any any",
                    f"{buffer}; dataset:isset,{name}, type ip, load datasets/{name}.lst, "
                    f"hashsize {_hashsize(len(values))};",
                )
            )
    networks = by_kind.get("ipv4-net", []) + by_kind.get("ipv6-net", [])
    if networks:
        nets = ",".join(sorted({o.value for o in networks}))
        rules.append(_Rule("net", f"alert ip any any <> [{nets}] any", ""))
    for kind, keyword in _HASH_KEYWORDS.items():
        if kind in by_kind:
            name = _set_name(item, kind)
            values = sorted({o.value for o in by_kind[kind]})
            files[f"datasets/{name}.lst"] = "".join(f"{v}\n" for v in values).encode()
            rules.append(
                _Rule(f"{kind}", "alert http any any -> any any", f"{keyword}:datasets/{name}.lst;")
            )
    for observable in by_kind.get("url", []):
        split = _split_url(observable.value)
        assert split is not None  # _accept refused the others
        host, port, path = split
        rules.append(
            _Rule(
                f"url:{observable.value}",
                f"alert http any any -> any {port}",
                f'http.host; content:"{_content(host)}"; startswith; endswith; '
                f'http.uri.raw; content:"{_content(path)}"; startswith; endswith;',
            )
        )
    return rules


def _hashsize(entries: int) -> int:
    """A power of two near the number of entries, as the user guide advises."""
    size = 1
    while size < entries:
        size *= 2
    return max(size, 8)


def _sid_seed(indicator_id: str, slot: str) -> int:
    digest = hashlib.sha256(f"{indicator_id}\x00{slot}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SID_SPAN


def export_suricata(selection: Selection, options: ExportOptions) -> ExportOutput:
    """The rules file and the list files of the selected indicators."""
    skipped: Counter[str] = Counter(selection.skipped)
    files: dict[str, bytes] = {}
    planned: list[tuple[Listed, _Rule]] = []
    exported = 0
    for item in listed(selection, skipped, _accept):
        exported += 1
        planned.extend((item, rule) for rule in _rules_for(item, files))
    planned.sort(key=lambda pair: (pair[0].selected.id, pair[1].slot))
    used: set[int] = set()
    lines = [f"# stixhub export: {len(planned)} rules, sids {SID_BASE}-{SID_BASE + SID_SPAN - 1}\n"]
    for item, rule in planned:
        offset = _sid_seed(item.selected.id, rule.slot)
        while offset in used:
            offset = (offset + 1) % SID_SPAN
        used.add(offset)
        ind = item.selected.indicator
        meta = f"stix_id {item.selected.id}"
        confidence = ind.get("confidence")
        if isinstance(confidence, int) and not isinstance(confidence, bool):
            meta += f", confidence {confidence}"
        source = msg_text(options.source_label)
        body = f"{rule.body} " if rule.body else ""
        lines.append(
            f'{rule.header} (msg:"{source} {msg_text(item.selected.name)}"; {body}'
            f"metadata:{meta}; sid:{SID_BASE + offset}; rev:1;)\n"
        )
    files[RULES_FILE] = "".join(lines).encode()
    return ExportOutput(files, exported, skipped, single=False, owned=(_OWNED_LISTS,))
