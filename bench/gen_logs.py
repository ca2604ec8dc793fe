"""Zeek conn and dns logs at scale, in Zeek's real TSV format, for the sensor benchmarks.

    .venv/bin/python bench/gen_logs.py OUT_DIR --size 1G            # conn.log + dns.log
    .venv/bin/python bench/gen_logs.py OUT_DIR --lines 1000000 --seed 7 --gzip

Seeded and streamed to disk in blocks: 1 GB takes no more memory than 1 MB. Values are
realistic: a few hundred internal clients (RFC 1918) talking to a long tail of external
servers (a Zipf-like mix, so hosts repeat as in real traffic), some IPv6, ephemeral client
ports, services by port, byte counts and durations, DNS queries for generated names with A,
AAAA, CNAME and TXT answers, NXDOMAIN, and Zeek's unset (``-``) and empty (``(empty)``)
markers where Zeek writes them. Header and ``#close`` lines are Zeek 6's.
"""

import argparse
import gzip
import random
import string
import sys
import time
from collections.abc import Iterator
from pathlib import Path

_START = 1_717_200_000.0  # 2024-06-01T00:00:00Z
_BLOCK = 2000  # lines per write

CONN_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
]
CONN_TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "string",
    "interval",
    "count",
    "count",
    "string",
    "bool",
    "bool",
    "count",
    "string",
    "count",
    "count",
    "count",
    "count",
    "set[string]",
]
DNS_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "trans_id",
    "rtt",
    "query",
    "qclass",
    "qclass_name",
    "qtype",
    "qtype_name",
    "rcode",
    "rcode_name",
    "AA",
    "TC",
    "RD",
    "RA",
    "Z",
    "answers",
    "TTLs",
    "rejected",
]
DNS_TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "count",
    "interval",
    "string",
    "count",
    "string",
    "count",
    "string",
    "count",
    "string",
    "bool",
    "bool",
    "bool",
    "bool",
    "count",
    "vector[string]",
    "vector[interval]",
    "bool",
]
_SERVICES = {53: "dns", 80: "http", 443: "ssl", 25: "smtp", 22: "ssh", 123: "-", 8080: "http"}
_TLDS = ("com", "net", "org", "de", "nl", "io", "info", "example")


def header(path: str, fields: list[str], types: list[str], opened: float) -> str:
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(opened))
    return (
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
        f"#path\t{path}\n#open\t{stamp}\n#fields\t" + "\t".join(fields) + "\n"
        "#types\t" + "\t".join(types) + "\n"
    )


class Traffic:
    """The population of hosts and names the generated lines draw from."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.clients = [f"10.{rng.randrange(8)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"]
        self.clients += [f"192.168.{rng.randrange(4)}.{rng.randrange(2, 254)}" for _ in range(300)]
        self.clients6 = [
            f"fd00:{rng.randrange(65536):x}::{rng.randrange(65536):x}" for _ in range(40)
        ]
        self.servers = [self._public_v4() for _ in range(20000)]
        self.servers6 = [
            f"2a0{rng.randrange(10)}:{rng.randrange(65536):x}:{rng.randrange(65536):x}::"
            f"{rng.randrange(65536):x}"
            for _ in range(2000)
        ]
        self.names = [self._name() for _ in range(30000)]
        self.resolvers = ["10.0.0.53", "10.0.0.54", "192.168.1.1"]

    def _public_v4(self) -> str:
        rng = self.rng
        while True:
            first = rng.randrange(1, 224)
            if first not in (10, 127, 169, 172, 192, 100):
                return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"

    def _name(self) -> str:
        rng = self.rng
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randrange(4, 12)))
        sub = rng.choice(("www", "api", "cdn", "mail", "static", "login", ""))
        name = f"{word}.{rng.choice(_TLDS)}"
        return f"{sub}.{name}" if sub else name

    def pick(self, population: list[str]) -> str:
        """A skewed choice: low indices much more often, as popular hosts are."""
        n = len(population)
        return population[min(n - 1, int(n * self.rng.random() ** 3))]


def _uid(rng: random.Random) -> str:
    return "C" + "".join(rng.choices(string.ascii_letters + string.digits, k=17))


def conn_lines(traffic: Traffic, start: float) -> Iterator[str]:
    rng = traffic.rng
    ts = start
    while True:
        ts += rng.expovariate(2000.0)
        six = rng.random() < 0.05
        orig = traffic.pick(traffic.clients6) if six else rng.choice(traffic.clients)
        resp = traffic.pick(traffic.servers6 if six else traffic.servers)
        port = rng.choice((443, 443, 443, 80, 53, 8080, 22, 25, 123, rng.randrange(1024, 65536)))
        proto = "udp" if port in (53, 123) else "tcp"
        service = _SERVICES.get(port, "-")
        established = rng.random() < 0.85
        if established:
            duration = f"{rng.expovariate(0.5):.6f}"
            ob, rb = rng.randrange(40, 5000), rng.randrange(0, 200000)
            state, history = ("SF", "ShADadFf") if proto == "tcp" else ("SF", "Dd")
            op, rp = rng.randrange(1, 60), rng.randrange(1, 200)
            fields = (
                duration,
                str(ob),
                str(rb),
                state,
                history,
                str(op),
                str(ob + op * 40),
                str(rp),
                str(rb + rp * 40),
            )
        else:
            fields = ("-", "-", "-", "S0", "S", "1", "60", "0", "0")
            service = "-"
        duration, ob_s, rb_s, state, history, op_s, oib, rp_s, rib = fields
        yield (
            f"{ts:.6f}\t{_uid(rng)}\t{orig}\t{rng.randrange(1024, 65536)}\t{resp}\t{port}\t"
            f"{proto}\t{service}\t{duration}\t{ob_s}\t{rb_s}\t{state}\tT\tF\t0\t{history}\t"
            f"{op_s}\t{oib}\t{rp_s}\t{rib}\t-\n"
        )


def dns_lines(traffic: Traffic, start: float) -> Iterator[str]:
    rng = traffic.rng
    ts = start
    while True:
        ts += rng.expovariate(1500.0)
        name = traffic.pick(traffic.names)
        qtype, qname = rng.choice(((1, "A"), (1, "A"), (28, "AAAA"), (16, "TXT"), (5, "CNAME")))
        roll = rng.random()
        if roll < 0.08:
            rcode, rname, answers, ttls = 3, "NXDOMAIN", "-", "-"
        elif roll < 0.12:
            rcode, rname, answers, ttls = 0, "NOERROR", "(empty)", "(empty)"
        else:
            rcode, rname = 0, "NOERROR"
            items = []
            if rng.random() < 0.3:
                items.append(traffic.pick(traffic.names))
            for _ in range(rng.randrange(1, 4)):
                if qname == "AAAA":
                    items.append(traffic.pick(traffic.servers6))
                elif qname == "TXT":
                    text = "".join(rng.choices(string.ascii_letters, k=24))
                    items.append(f"TXT {len(text)} {text}")
                else:
                    items.append(traffic.pick(traffic.servers))
            answers = ",".join(items)
            ttls = ",".join(f"{rng.randrange(30, 86400)}.000000" for _ in items)
        rtt = f"{rng.expovariate(50):.6f}" if answers != "-" else "-"
        yield (
            f"{ts:.6f}\t{_uid(rng)}\t{rng.choice(traffic.clients)}\t{rng.randrange(1024, 65536)}\t"
            f"{rng.choice(traffic.resolvers)}\t53\tudp\t{rng.randrange(65536)}\t{rtt}\t{name}\t1\t"
            f"C_INTERNET\t{qtype}\t{qname}\t{rcode}\t{rname}\tF\tF\tT\tT\t0\t{answers}\t{ttls}\tF\n"
        )


def write_log(
    path: Path, kind: str, size: int | None, lines: int | None, seed: int, compress: bool
) -> tuple[int, int]:
    """Write one log until it has ``size`` bytes or ``lines`` records; (records, bytes)."""
    rng = random.Random(f"{seed}-{kind}")
    traffic = Traffic(rng)
    fields, types, source = (
        (CONN_FIELDS, CONN_TYPES, conn_lines)
        if kind == "conn"
        else (DNS_FIELDS, DNS_TYPES, dns_lines)
    )
    records = written = 0
    opened = gzip.open(path, "wt", encoding="utf-8", compresslevel=1) if compress else None  # noqa: SIM115
    with opened or path.open("w", encoding="utf-8") as out:
        head = header(kind, fields, types, _START)
        out.write(head)
        written += len(head)
        generator = source(traffic, _START)
        while (size is None or written < size) and (lines is None or records < lines):
            count = _BLOCK if lines is None else min(_BLOCK, lines - records)
            block = "".join(next(generator) for _ in range(count))
            out.write(block)
            written += len(block)
            records += count
        close = time.strftime("#close\t%Y-%m-%d-%H-%M-%S\n", time.gmtime(_START + 86400))
        out.write(close)
    return records, written + len(close)


def parse_size(text: str) -> int:
    units = {"K": 10**3, "M": 10**6, "G": 10**9}
    if text[-1:].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write conn.log and dns.log into")
    parser.add_argument("--size", type=parse_size, help="bytes of all logs together (1G, 200M)")
    parser.add_argument("--lines", type=int, help="records per log (instead of --size)")
    parser.add_argument("--logs", default="conn,dns", help="which logs (conn,dns)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gzip", action="store_true", help="write .log.gz")
    args = parser.parse_args(argv)
    if (args.size is None) == (args.lines is None):
        parser.error("give exactly one of --size and --lines")
    kinds = [k for k in args.logs.split(",") if k]
    if not kinds or set(kinds) - {"conn", "dns"}:
        parser.error("--logs takes conn and/or dns")
    args.out.mkdir(parents=True, exist_ok=True)
    each = None if args.size is None else args.size // len(kinds)
    for kind in kinds:
        path = args.out / (f"{kind}.log.gz" if args.gzip else f"{kind}.log")
        records, size = write_log(path, kind, each, args.lines, args.seed, args.gzip)
        print(f"{path}: {records} records, {size} bytes of text", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
