"""The object types of STIX 2.1: their properties, what each holds, and their own rules.

``TYPE_SPECS`` is built once at import; the validator compiles it with the common
properties of each kind into one property table per type.
"""

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from stixhub.stix._door import SCO_TYPES as DOOR_SCO_TYPES
from stixhub.stix.validation._checks import (
    BINARY,
    BOOLEAN,
    DICTIONARY,
    FLOAT,
    HASHES,
    HEX,
    INTEGER,
    KILL_CHAIN_PHASES,
    LANG,
    STRING,
    STRINGS,
    TIMESTAMP,
    Check,
    Targets,
    charset,
    enum,
    enums,
    integer,
    list_of,
    number,
    obj,
    open_vocab,
    open_vocabs,
    ref,
    refs,
    string,
)
from stixhub.stix.validation._context import Context
from stixhub.stix.validation._findings import member
from stixhub.stix.validation._primitives import (
    PROPERTY_NAME,
    is_lang_tag,
    is_later_or_same,
    same_instant,
    timestamp_problem,
)

__all__ = [
    "KNOWN_TYPES",
    "RELATIONSHIP_TYPE",
    "SCO_TYPES",
    "SDO_TYPES",
    "SRO_TYPES",
    "TYPE_SPECS",
    "Kind",
    "TypeSpec",
]

Kind = Literal["sdo", "sro", "sco", "meta"]
Extra = Callable[[dict[str, Any], str, Context], None]

SDO_TYPES = frozenset(
    [
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
    ]
)
SRO_TYPES = frozenset({"relationship", "sighting"})
# The cyber-observable types (STIX 2.1 section 6), defined once for the door and here.
SCO_TYPES = DOOR_SCO_TYPES
META_TYPES = frozenset({"language-content", "marking-definition", "extension-definition"})
KNOWN_TYPES = SDO_TYPES | SRO_TYPES | SCO_TYPES | META_TYPES | {"bundle"}


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """What section 4-7 says about one type, before the common properties are merged in.

    ``contributing`` lists the ID contributing properties of an SCO (section 6); None for
    types without deterministic ids. ``extensions`` maps the predefined extension names of
    an SCO to their checkers; ``extensions_must`` marks the four SCO tables whose
    ``extensions`` keys MUST be predefined names or extension-definition ids.
    """

    kind: Kind
    props: dict[str, Check]
    required: tuple[str, ...] = ()
    extras: tuple[Extra, ...] = ()
    contributing: tuple[str, ...] | None = None
    extensions: dict[str, Check] = field(default_factory=dict)
    extensions_must: bool = False


def _t(types: str, describe: str, *, custom: bool = False) -> Targets:
    return Targets(types.split(), describe, custom=custom)


_K = KNOWN_TYPES


def _r(types: str, describe: str, *, custom: bool = False) -> Check:
    return ref(_t(types, describe, custom=custom), _K)


def _rs(types: str, describe: str, *, custom: bool = False) -> Check:
    return refs(_t(types, describe, custom=custom), _K)


ANY_REFS = refs(None, _K)
SOFTWARE = _r("software", "a software object")
SCO_REFS = refs(Targets(SCO_TYPES, "a cyber-observable object", custom=True), _K)
SDO_REF = ref(Targets(SDO_TYPES, "a domain object (SDO)", custom=True), _K)
IDENTITY_REF = _r("identity", "an identity")
ADDR_REF = _r(
    "ipv4-addr ipv6-addr mac-addr domain-name", "an ipv4-addr, ipv6-addr, mac-addr or domain-name"
)


# -- rules shared by several types ------------------------------------------------------------


def ordered(first: str, last: str, *, strictly: bool = False) -> Extra:
    """``last`` is later than (or equal to, unless strictly) ``first`` when both are valid."""
    relation = "later than" if strictly else "later than or equal to"

    def check(o: dict[str, Any], path: str, ctx: Context) -> None:
        a, b = o.get(first), o.get(last)
        if not (isinstance(a, str) and isinstance(b, str)):
            return
        if timestamp_problem(a) or timestamp_problem(b):
            return
        later = is_later_or_same(a, b)
        if not later or (strictly and same_instant(a, b)):
            earlier = "is the same instant as" if later else "is earlier than"
            ctx.error(
                "timestamp-order",
                f"{path}.{last}",
                f"{last} {b} {earlier} {first} {a}; it must be {relation} {first}",
            )

    return check


def at_least_one(*names: str) -> Extra:
    def check(o: dict[str, Any], path: str, ctx: Context) -> None:
        if not any(n in o for n in names):
            ctx.error(
                "required", path, f"{o.get('type')} requires at least one of {', '.join(names)}"
            )

    return check


def needs_a_property(o: dict[str, Any], path: str, ctx: Context) -> None:
    """Types whose properties are all optional still need one besides the common ones."""
    own = set(o) - _SCO_COMMON_NAMES
    if not own:
        ctx.error(
            "empty-object", path, f"{o.get('type')} must contain at least one property of its own"
        )


_SCO_COMMON_NAMES = frozenset(
    {
        "type",
        "id",
        "spec_version",
        "object_marking_refs",
        "granular_markings",
        "defanged",
        "extensions",
    }
)

# -- SDOs (section 4) ---------------------------------------------------------------------------

_CVE = re.compile(r"CVE-\d{4}-\d{4,}")
_CAPEC = re.compile(r"CAPEC-\d+")


def _external_id_rule(source: str, pattern: re.Pattern[str], example: str) -> Extra:
    """Sections 4.1 and 4.19: a CAPEC or CVE reference uses the exact source and id form."""

    def check(o: dict[str, Any], path: str, ctx: Context) -> None:
        refs_ = o.get("external_references")
        if not isinstance(refs_, list):
            return
        for i, er in enumerate(refs_):
            if not isinstance(er, dict):
                continue
            name, ext_id = er.get("source_name"), er.get("external_id")
            names_it = isinstance(name, str) and name.lower() == source
            ids_it = isinstance(ext_id, str) and ext_id.upper().startswith(source.upper() + "-")
            if not (names_it or ids_it):
                continue
            at = f"{path}.external_references[{i}]"
            if name != source:
                ctx.error(
                    "external-id",
                    f"{at}.source_name",
                    f"a {source.upper()} reference must have source_name {source!r}, not {name!r}",
                )
            if not (isinstance(ext_id, str) and pattern.fullmatch(ext_id)):
                ctx.error(
                    "external-id",
                    f"{at}.external_id",
                    f"a {source.upper()} reference needs external_id of the form {example}, "
                    f"not {ext_id!r}",
                )

    return check


_LAT = number(-90.0, 90.0)
_LON = number(-180.0, 180.0)
_COUNTRY = re.compile(r"[A-Z]{2}")


def _location(o: dict[str, Any], path: str, ctx: Context) -> None:
    has_lat, has_lon = "latitude" in o, "longitude" in o
    if not ("region" in o or "country" in o or (has_lat and has_lon)):
        ctx.error("required", path, "location requires region, country, or latitude and longitude")
    if has_lat != has_lon:
        missing = "longitude" if has_lat else "latitude"
        ctx.error("required", f"{path}.{missing}", "latitude and longitude must be given together")
    if "precision" in o:
        if not (has_lat and has_lon):
            ctx.error("required", f"{path}.precision", "precision requires latitude and longitude")
        p = o["precision"]
        if isinstance(p, int | float) and not isinstance(p, bool) and p < 0:
            ctx.warn("range", f"{path}.precision", f"precision {p} metres is negative")
    country = o.get("country")
    if isinstance(country, str) and _COUNTRY.fullmatch(country) is None:
        ctx.warn("country", f"{path}.country", f"{country!r} should be an ISO 3166-1 alpha-2 code")


def _malware(o: dict[str, Any], path: str, ctx: Context) -> None:
    if o.get("is_family") is True and "name" not in o:
        ctx.error("required", f"{path}.name", "a malware family (is_family true) requires name")


def _observed_data(o: dict[str, Any], path: str, ctx: Context) -> None:
    has_refs, has_objects = "object_refs" in o, "objects" in o
    if has_refs == has_objects:
        ctx.error(
            "observed-data-content",
            path,
            "observed-data needs exactly one of object_refs or the deprecated objects",
        )
    if has_objects:
        ctx.warn(
            "deprecated", f"{path}.objects", "objects is deprecated in STIX 2.1; use object_refs"
        )
    object_refs = o.get("object_refs")
    if isinstance(object_refs, list) and object_refs:
        kinds = {r.split("--", 1)[0] for r in object_refs if isinstance(r, str)}
        if not any(k in SCO_TYPES or k not in KNOWN_TYPES for k in kinds):
            ctx.error(
                "reference-type",
                f"{path}.object_refs",
                "object_refs must include at least one cyber-observable object",
            )


_OBSERVED_REFS = refs(
    Targets(SCO_TYPES | SRO_TYPES, "a cyber-observable object or a relationship", custom=True), _K
)

SDO_SPECS: dict[str, TypeSpec] = {
    "attack-pattern": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "aliases": STRINGS,
            "kill_chain_phases": KILL_CHAIN_PHASES,
        },
        ("name",),
        (_external_id_rule("capec", _CAPEC, "CAPEC-<number>"),),
    ),
    "campaign": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "aliases": STRINGS,
            "first_seen": TIMESTAMP,
            "last_seen": TIMESTAMP,
            "objective": STRING,
        },
        ("name",),
        (ordered("first_seen", "last_seen"),),
    ),
    "course-of-action": TypeSpec("sdo", {"name": STRING, "description": STRING}, ("name",)),
    "grouping": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "context": open_vocab("grouping-context-ov"),
            "object_refs": ANY_REFS,
        },
        ("context", "object_refs"),
    ),
    "identity": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "roles": STRINGS,
            "identity_class": open_vocab("identity-class-ov"),
            "sectors": open_vocabs("industry-sector-ov"),
            "contact_information": STRING,
        },
        ("name",),
    ),
    "incident": TypeSpec(
        "sdo",
        {"name": STRING, "description": STRING, "kill_chain_phases": KILL_CHAIN_PHASES},
        ("name",),
    ),
    "indicator": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "indicator_types": open_vocabs("indicator-type-ov"),
            "pattern": STRING,
            "pattern_type": open_vocab("pattern-type-ov"),
            "pattern_version": STRING,
            "valid_from": TIMESTAMP,
            "valid_until": TIMESTAMP,
            "kill_chain_phases": KILL_CHAIN_PHASES,
        },
        ("pattern", "pattern_type", "valid_from"),
        (ordered("valid_from", "valid_until", strictly=True),),
    ),
    "infrastructure": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "infrastructure_types": open_vocabs("infrastructure-type-ov"),
            "aliases": STRINGS,
            "kill_chain_phases": KILL_CHAIN_PHASES,
            "first_seen": TIMESTAMP,
            "last_seen": TIMESTAMP,
        },
        ("name",),
        (ordered("first_seen", "last_seen"),),
    ),
    "intrusion-set": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "aliases": STRINGS,
            "first_seen": TIMESTAMP,
            "last_seen": TIMESTAMP,
            "goals": STRINGS,
            "resource_level": open_vocab("attack-resource-level-ov"),
            "primary_motivation": open_vocab("attack-motivation-ov"),
            "secondary_motivations": open_vocabs("attack-motivation-ov"),
        },
        ("name",),
        (ordered("first_seen", "last_seen"),),
    ),
    "location": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "latitude": _LAT,
            "longitude": _LON,
            "precision": FLOAT,
            "region": open_vocab("region-ov"),
            "country": STRING,
            "administrative_area": STRING,
            "city": STRING,
            "street_address": STRING,
            "postal_code": STRING,
        },
        (),
        (_location,),
    ),
    "malware": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "malware_types": open_vocabs("malware-type-ov"),
            "is_family": BOOLEAN,
            "aliases": STRINGS,
            "kill_chain_phases": KILL_CHAIN_PHASES,
            "first_seen": TIMESTAMP,
            "last_seen": TIMESTAMP,
            "operating_system_refs": _rs("software", "a software object"),
            "architecture_execution_envs": open_vocabs("processor-architecture-ov"),
            "implementation_languages": open_vocabs("implementation-language-ov"),
            "capabilities": open_vocabs("malware-capabilities-ov"),
            "sample_refs": _rs("file artifact", "a file or an artifact"),
        },
        ("is_family",),
        (_malware, ordered("first_seen", "last_seen")),
    ),
    "malware-analysis": TypeSpec(
        "sdo",
        {
            "product": STRING,
            "version": STRING,
            "host_vm_ref": SOFTWARE,
            "operating_system_ref": SOFTWARE,
            "installed_software_refs": _rs("software", "a software object"),
            "configuration_version": STRING,
            "modules": STRINGS,
            "analysis_engine_version": STRING,
            "analysis_definition_version": STRING,
            "submitted": TIMESTAMP,
            "analysis_started": TIMESTAMP,
            "analysis_ended": TIMESTAMP,
            "result_name": STRING,
            "result": open_vocab("malware-result-ov"),
            "analysis_sco_refs": SCO_REFS,
            "sample_ref": _r(
                "file artifact network-traffic", "a file, artifact or network-traffic"
            ),
        },
        ("product",),
        (
            at_least_one("result", "analysis_sco_refs"),
            ordered("analysis_started", "analysis_ended"),
        ),
    ),
    "note": TypeSpec(
        "sdo",
        {"abstract": STRING, "content": STRING, "authors": STRINGS, "object_refs": ANY_REFS},
        ("content", "object_refs"),
    ),
    "observed-data": TypeSpec(
        "sdo",
        {
            "first_observed": TIMESTAMP,
            "last_observed": TIMESTAMP,
            "number_observed": integer(1, 999_999_999),
            "objects": DICTIONARY,
            "object_refs": _OBSERVED_REFS,
        },
        ("first_observed", "last_observed", "number_observed"),
        (_observed_data, ordered("first_observed", "last_observed")),
    ),
    "opinion": TypeSpec(
        "sdo",
        {
            "explanation": STRING,
            "authors": STRINGS,
            "opinion": enum("opinion-enum"),
            "object_refs": ANY_REFS,
        },
        ("opinion", "object_refs"),
    ),
    "report": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "report_types": open_vocabs("report-type-ov"),
            "published": TIMESTAMP,
            "object_refs": ANY_REFS,
        },
        ("name", "published", "object_refs"),
    ),
    "threat-actor": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "threat_actor_types": open_vocabs("threat-actor-type-ov"),
            "aliases": STRINGS,
            "first_seen": TIMESTAMP,
            "last_seen": TIMESTAMP,
            "roles": open_vocabs("threat-actor-role-ov"),
            "goals": STRINGS,
            "sophistication": open_vocab("threat-actor-sophistication-ov"),
            "resource_level": open_vocab("attack-resource-level-ov"),
            "primary_motivation": open_vocab("attack-motivation-ov"),
            "secondary_motivations": open_vocabs("attack-motivation-ov"),
            "personal_motivations": open_vocabs("attack-motivation-ov"),
        },
        ("name",),
        (ordered("first_seen", "last_seen"),),
    ),
    "tool": TypeSpec(
        "sdo",
        {
            "name": STRING,
            "description": STRING,
            "tool_types": open_vocabs("tool-type-ov"),
            "aliases": STRINGS,
            "kill_chain_phases": KILL_CHAIN_PHASES,
            "tool_version": STRING,
        },
        ("name",),
    ),
    "vulnerability": TypeSpec(
        "sdo",
        {"name": STRING, "description": STRING},
        ("name",),
        (_external_id_rule("cve", _CVE, "CVE-<year>-<4 or more digits>"),),
    ),
}

# -- SROs (section 5) ---------------------------------------------------------------------------

_RELATABLE = Targets(
    SDO_TYPES | SCO_TYPES,
    "a domain or cyber-observable object (not an SRO, bundle or meta object)",
    custom=True,
)
RELATIONSHIP_TYPE = re.compile(r"[a-z0-9-]+")

SRO_SPECS: dict[str, TypeSpec] = {
    "relationship": TypeSpec(
        "sro",
        {
            "relationship_type": string(
                RELATIONSHIP_TYPE, "lower-case letters, digits and hyphens"
            ),
            "description": STRING,
            "source_ref": ref(_RELATABLE, _K),
            "target_ref": ref(_RELATABLE, _K),
            "start_time": TIMESTAMP,
            "stop_time": TIMESTAMP,
        },
        ("relationship_type", "source_ref", "target_ref"),
        (ordered("start_time", "stop_time", strictly=True),),
    ),
    "sighting": TypeSpec(
        "sro",
        {
            "description": STRING,
            "first_seen": TIMESTAMP,
            "last_seen": TIMESTAMP,
            "count": integer(0, 999_999_999),
            "sighting_of_ref": SDO_REF,
            "observed_data_refs": _rs("observed-data", "an observed-data object"),
            "where_sighted_refs": _rs("identity location", "an identity or a location"),
            "summary": BOOLEAN,
        },
        ("sighting_of_ref",),
        (ordered("first_seen", "last_seen"),),
    ),
}

# -- SCOs (section 6) ---------------------------------------------------------------------------

_MIME = re.compile(
    r"(?:application|audio|font|image|message|model|multipart|text|video|example|haptics)"
    r"/[A-Za-z0-9!#$&^_.+-]{1,127}(?:\s*;.*)?"
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
_EMAIL = re.compile(r"[^\s@<>\"(),:;]+@[^\s@<>\"(),:;]+")
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_CPE = re.compile(r"cpe:2\.3:[aho*\-](?::(?:[^:\\]|\\.)*){10}")
_HIVE_SHORT = re.compile(r"(?:HKLM|HKCC|HKCR|HKCU|HKU)(?:\\.*)?", re.IGNORECASE)
_PORT = integer(0, 65535)
_COUNT = integer(0)


def _ipv4(value: Any, path: str, ctx: Context) -> None:
    _ip_value(value, path, ctx, 4)


def _ipv6(value: Any, path: str, ctx: Context) -> None:
    _ip_value(value, path, ctx, 6)


def _ip_value(value: Any, path: str, ctx: Context, version: int) -> None:
    if not isinstance(value, str):
        ctx.error("type", path, "must be a string")
        return
    try:
        address, _, prefix = value.partition("/")
        parsed = ipaddress.ip_address(address)
        if parsed.version != version:
            raise ValueError
        if prefix or "/" in value:
            limit = 32 if version == 4 else 128
            if not (prefix.isdigit() and (prefix == "0" or not prefix.startswith("0"))):
                raise ValueError
            if int(prefix) > limit:
                raise ValueError
    except ValueError:
        ctx.error("format", path, f"{value!r} is not an IPv{version} address or CIDR block")


def _artifact(o: dict[str, Any], path: str, ctx: Context) -> None:
    if ("payload_bin" in o) == ("url" in o):
        ctx.error("artifact-content", path, "artifact needs exactly one of payload_bin or url")
    if "url" in o and "hashes" not in o:
        ctx.error("required", f"{path}.hashes", "an artifact given by url requires hashes")
    if "decryption_key" in o and "encryption_algorithm" not in o:
        ctx.error(
            "artifact-content",
            f"{path}.decryption_key",
            "decryption_key requires encryption_algorithm",
        )


def _email_message(o: dict[str, Any], path: str, ctx: Context) -> None:
    multipart = o.get("is_multipart")
    if multipart is True and "body" in o:
        ctx.error(
            "email-body",
            f"{path}.body",
            "a multipart message (is_multipart true) must not have body; use body_multipart",
        )
    if multipart is False and "body_multipart" in o:
        ctx.error(
            "email-body",
            f"{path}.body_multipart",
            "a message that is not multipart must not have body_multipart",
        )


def _network_traffic(o: dict[str, Any], path: str, ctx: Context) -> None:
    if "src_ref" not in o and "dst_ref" not in o:
        ctx.error("required", path, "network-traffic requires at least one of src_ref or dst_ref")
    if o.get("is_active") is True and "end" in o:
        ctx.error(
            "network-traffic-end", f"{path}.end", "end must be absent while is_active is true"
        )
    protocols = o.get("protocols")
    if isinstance(protocols, list):
        for i, p in enumerate(protocols):
            if isinstance(p, str) and p.lower() != p:
                ctx.warn(
                    "protocol-format",
                    f"{path}.protocols[{i}]",
                    f"protocol {p!r} should be a lower-case IANA service name",
                )


def _registry_key(o: dict[str, Any], path: str, ctx: Context) -> None:
    key = o.get("key")
    if isinstance(key, str) and _HIVE_SHORT.fullmatch(key):
        ctx.error(
            "registry-hive",
            f"{path}.key",
            f"{key!r} abbreviates the hive; write it in full (e.g. HKEY_LOCAL_MACHINE)",
        )


def _email_addr(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, str):
        ctx.error("type", path, "must be a string")
    elif _EMAIL.fullmatch(value) is None:
        ctx.error("format", path, f"{value!r} is not a bare e-mail address (no display name)")


def _languages(value: Any, path: str, ctx: Context) -> None:
    list_of(LANG)(value, path, ctx)


def _x509(o: dict[str, Any], path: str, ctx: Context) -> None:
    own = set(o) - _SCO_COMMON_NAMES
    if not own:
        ctx.error(
            "empty-object", path, "x509-certificate must contain at least one certificate property"
        )


_ADS = obj(
    {"name": STRING, "hashes": HASHES, "size": _COUNT}, ("name",), "an alternate data stream"
)
_PE_OPTIONAL = obj(
    {
        **dict.fromkeys(
            [
                "major_linker_version",
                "minor_linker_version",
                "size_of_code",
                "size_of_initialized_data",
                "size_of_uninitialized_data",
                "address_of_entry_point",
                "base_of_code",
                "base_of_data",
                "image_base",
                "section_alignment",
                "file_alignment",
                "major_os_version",
                "minor_os_version",
                "major_image_version",
                "minor_image_version",
                "major_subsystem_version",
                "minor_subsystem_version",
                "size_of_image",
                "size_of_headers",
                "size_of_stack_reserve",
                "size_of_stack_commit",
                "size_of_heap_reserve",
                "size_of_heap_commit",
                "number_of_rva_and_sizes",
            ],
            INTEGER,
        ),
        **dict.fromkeys(
            [
                "magic_hex",
                "win32_version_value_hex",
                "checksum_hex",
                "subsystem_hex",
                "dll_characteristics_hex",
                "loader_flags_hex",
            ],
            HEX,
        ),
        "hashes": HASHES,
    },
    (),
    "a windows PE optional header",
    at_least_one=True,
)
_PE_SECTION = obj(
    {"name": STRING, "size": _COUNT, "entropy": FLOAT, "hashes": HASHES}, ("name",), "a PE section"
)


def _pebinary(o: dict[str, Any], path: str, ctx: Context) -> None:
    if len(o) < 2:
        ctx.error(
            "empty-object",
            path,
            "windows-pebinary-ext needs pe_type and at least one other property",
        )


FILE_EXTENSIONS: dict[str, Check] = {
    "ntfs-ext": obj(
        {"sid": STRING, "alternate_data_streams": list_of(_ADS)}, (), "ntfs-ext", at_least_one=True
    ),
    "raster-image-ext": obj(
        {
            "image_height": INTEGER,
            "image_width": INTEGER,
            "bits_per_pixel": INTEGER,
            "exif_tags": DICTIONARY,
        },
        (),
        "raster-image-ext",
        at_least_one=True,
    ),
    "pdf-ext": obj(
        {
            "version": STRING,
            "is_optimized": BOOLEAN,
            "document_info_dict": DICTIONARY,
            "pdfid0": STRING,
            "pdfid1": STRING,
        },
        (),
        "pdf-ext",
        at_least_one=True,
    ),
    "archive-ext": obj(
        {"contains_refs": _rs("file directory", "a file or a directory"), "comment": STRING},
        ("contains_refs",),
        "archive-ext",
    ),
    "windows-pebinary-ext": obj(
        {
            "pe_type": open_vocab("windows-pebinary-type-ov"),
            "imphash": STRING,
            "machine_hex": HEX,
            "number_of_sections": _COUNT,
            "time_date_stamp": TIMESTAMP,
            "pointer_to_symbol_table_hex": HEX,
            "number_of_symbols": _COUNT,
            "size_of_optional_header": _COUNT,
            "characteristics_hex": HEX,
            "file_header_hashes": HASHES,
            "optional_header": _PE_OPTIONAL,
            "sections": list_of(_PE_SECTION),
        },
        ("pe_type",),
        "windows-pebinary-ext",
        extra=_pebinary,
    ),
}
NETWORK_EXTENSIONS: dict[str, Check] = {
    "http-request-ext": obj(
        {
            "request_method": STRING,
            "request_value": STRING,
            "request_version": STRING,
            "request_header": DICTIONARY,
            "message_body_length": _COUNT,
            "message_body_data_ref": _r("artifact", "an artifact"),
        },
        ("request_method", "request_value"),
        "http-request-ext",
    ),
    "icmp-ext": obj(
        {"icmp_type_hex": HEX, "icmp_code_hex": HEX}, ("icmp_type_hex", "icmp_code_hex"), "icmp-ext"
    ),
    "socket-ext": obj(
        {
            "address_family": enum("network-socket-address-family-enum"),
            "is_blocking": BOOLEAN,
            "is_listening": BOOLEAN,
            "options": DICTIONARY,
            "socket_type": enum("network-socket-type-enum"),
            "socket_descriptor": _COUNT,
            "socket_handle": INTEGER,
        },
        ("address_family",),
        "socket-ext",
    ),
    "tcp-ext": obj({"src_flags_hex": HEX, "dst_flags_hex": HEX}, (), "tcp-ext", at_least_one=True),
}
PROCESS_EXTENSIONS: dict[str, Check] = {
    "windows-process-ext": obj(
        {
            "aslr_enabled": BOOLEAN,
            "dep_enabled": BOOLEAN,
            "priority": STRING,
            "owner_sid": STRING,
            "window_title": STRING,
            "startup_info": DICTIONARY,
            "integrity_level": enum("windows-integrity-level-enum"),
        },
        (),
        "windows-process-ext",
        at_least_one=True,
    ),
    "windows-service-ext": obj(
        {
            "service_name": STRING,
            "descriptions": STRINGS,
            "display_name": STRING,
            "group_name": STRING,
            "start_type": enum("windows-service-start-type-enum"),
            "service_dll_refs": _rs("file", "a file"),
            "service_type": enum("windows-service-type-enum"),
            "service_status": enum("windows-service-status-enum"),
        },
        (),
        "windows-service-ext",
        at_least_one=True,
    ),
}
USER_ACCOUNT_EXTENSIONS: dict[str, Check] = {
    "unix-account-ext": obj(
        {"gid": INTEGER, "groups": STRINGS, "home_dir": STRING, "shell": STRING},
        (),
        "unix-account-ext",
        at_least_one=True,
    ),
}
_MIME_PART = obj(
    {
        "body": STRING,
        "body_raw_ref": _r("artifact file", "an artifact or a file"),
        "content_type": STRING,
        "content_disposition": STRING,
    },
    (),
    "a MIME part",
    extra=at_least_one("body", "body_raw_ref"),
)
_REGISTRY_VALUE = obj(
    {"name": STRING, "data": STRING, "data_type": enum("windows-registry-datatype-enum")},
    (),
    "a registry value",
    at_least_one=True,
)
_X509_V3 = obj(
    {
        **dict.fromkeys(
            [
                "basic_constraints",
                "name_constraints",
                "policy_constraints",
                "key_usage",
                "extended_key_usage",
                "subject_key_identifier",
                "authority_key_identifier",
                "subject_alternative_name",
                "issuer_alternative_name",
                "subject_directory_attributes",
                "crl_distribution_points",
                "inhibit_any_policy",
                "certificate_policies",
                "policy_mappings",
            ],
            STRING,
        ),
        "private_key_usage_period_not_before": TIMESTAMP,
        "private_key_usage_period_not_after": TIMESTAMP,
    },
    (),
    "x509_v3_extensions",
    at_least_one=True,
)
_EMAIL_REF = _r("email-addr", "an email-addr")
_EMAIL_REFS = _rs("email-addr", "an email-addr")

SCO_SPECS: dict[str, TypeSpec] = {
    "artifact": TypeSpec(
        "sco",
        {
            "mime_type": string(_MIME, "an IANA media type"),
            "payload_bin": BINARY,
            "url": string(_URI, "a URL"),
            "hashes": HASHES,
            "encryption_algorithm": enum("encryption-algorithm-enum"),
            "decryption_key": STRING,
        },
        (),
        (_artifact,),
        ("hashes", "payload_bin"),
    ),
    "autonomous-system": TypeSpec(
        "sco", {"number": INTEGER, "name": STRING, "rir": STRING}, ("number",), (), ("number",)
    ),
    "directory": TypeSpec(
        "sco",
        {
            "path": STRING,
            "path_enc": charset,
            "ctime": TIMESTAMP,
            "mtime": TIMESTAMP,
            "atime": TIMESTAMP,
            "contains_refs": _rs("file directory", "a file or a directory"),
        },
        ("path",),
        (),
        ("path",),
    ),
    "domain-name": TypeSpec(
        "sco",
        {
            "value": STRING,
            "resolves_to_refs": _rs(
                "ipv4-addr ipv6-addr domain-name", "an ipv4-addr, ipv6-addr or domain-name"
            ),
        },
        ("value",),
        (),
        ("value",),
    ),
    "email-addr": TypeSpec(
        "sco",
        {
            "value": _email_addr,
            "display_name": STRING,
            "belongs_to_ref": _r("user-account", "a user-account"),
        },
        ("value",),
        (),
        ("value",),
    ),
    "email-message": TypeSpec(
        "sco",
        {
            "is_multipart": BOOLEAN,
            "date": TIMESTAMP,
            "content_type": STRING,
            "from_ref": _EMAIL_REF,
            "sender_ref": _EMAIL_REF,
            "to_refs": _EMAIL_REFS,
            "cc_refs": _EMAIL_REFS,
            "bcc_refs": _EMAIL_REFS,
            "message_id": STRING,
            "subject": STRING,
            "received_lines": STRINGS,
            "additional_header_fields": DICTIONARY,
            "body": STRING,
            "body_multipart": list_of(_MIME_PART),
            "raw_email_ref": _r("artifact", "an artifact"),
        },
        ("is_multipart",),
        (_email_message,),
        ("from_ref", "subject", "body"),
    ),
    "file": TypeSpec(
        "sco",
        {
            "hashes": HASHES,
            "size": _COUNT,
            "name": STRING,
            "name_enc": charset,
            "magic_number_hex": HEX,
            "mime_type": string(_MIME, "an IANA media type", must=False),
            "ctime": TIMESTAMP,
            "mtime": TIMESTAMP,
            "atime": TIMESTAMP,
            "parent_directory_ref": _r("directory", "a directory"),
            "contains_refs": SCO_REFS,
            "content_ref": _r("artifact", "an artifact"),
        },
        (),
        (at_least_one("hashes", "name"),),
        ("hashes", "name", "extensions", "parent_directory_ref"),
        FILE_EXTENSIONS,
        True,
    ),
    "ipv4-addr": TypeSpec(
        "sco",
        {
            "value": _ipv4,
            "resolves_to_refs": _rs("mac-addr", "a mac-addr"),
            "belongs_to_refs": _rs("autonomous-system", "an autonomous-system"),
        },
        ("value",),
        (),
        ("value",),
    ),
    "ipv6-addr": TypeSpec(
        "sco",
        {
            "value": _ipv6,
            "resolves_to_refs": _rs("mac-addr", "a mac-addr"),
            "belongs_to_refs": _rs("autonomous-system", "an autonomous-system"),
        },
        ("value",),
        (),
        ("value",),
    ),
    "mac-addr": TypeSpec(
        "sco",
        {"value": string(_MAC, "a colon-separated lower-case MAC-48 address")},
        ("value",),
        (),
        ("value",),
    ),
    "mutex": TypeSpec("sco", {"name": STRING}, ("name",), (), ("name",)),
    "network-traffic": TypeSpec(
        "sco",
        {
            "start": TIMESTAMP,
            "end": TIMESTAMP,
            "is_active": BOOLEAN,
            "src_ref": ADDR_REF,
            "dst_ref": ADDR_REF,
            "src_port": _PORT,
            "dst_port": _PORT,
            "protocols": STRINGS,
            "src_byte_count": _COUNT,
            "dst_byte_count": _COUNT,
            "src_packets": _COUNT,
            "dst_packets": _COUNT,
            "ipfix": DICTIONARY,
            "src_payload_ref": _r("artifact", "an artifact"),
            "dst_payload_ref": _r("artifact", "an artifact"),
            "encapsulates_refs": _rs("network-traffic", "a network-traffic"),
            "encapsulated_by_ref": _r("network-traffic", "a network-traffic"),
        },
        ("protocols",),
        (_network_traffic, ordered("start", "end")),
        ("start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"),
        NETWORK_EXTENSIONS,
        True,
    ),
    "process": TypeSpec(
        "sco",
        {
            "is_hidden": BOOLEAN,
            "pid": INTEGER,
            "created_time": TIMESTAMP,
            "cwd": STRING,
            "command_line": STRING,
            "environment_variables": DICTIONARY,
            "opened_connection_refs": _rs("network-traffic", "a network-traffic"),
            "creator_user_ref": _r("user-account", "a user-account"),
            "image_ref": _r("file", "a file"),
            "parent_ref": _r("process", "a process"),
            "child_refs": _rs("process", "a process"),
        },
        (),
        (needs_a_property,),
        (),
        PROCESS_EXTENSIONS,
        True,
    ),
    "software": TypeSpec(
        "sco",
        {
            "name": STRING,
            "cpe": string(_CPE, "a CPE 2.3 name"),
            "swid": STRING,
            "languages": _languages,
            "vendor": STRING,
            "version": STRING,
        },
        ("name",),
        (),
        ("name", "cpe", "swid", "vendor", "version"),
    ),
    "url": TypeSpec("sco", {"value": string(_URI, "a URL")}, ("value",), (), ("value",)),
    "user-account": TypeSpec(
        "sco",
        {
            "user_id": STRING,
            "credential": STRING,
            "account_login": STRING,
            "account_type": open_vocab("account-type-ov"),
            "display_name": STRING,
            "is_service_account": BOOLEAN,
            "is_privileged": BOOLEAN,
            "can_escalate_privs": BOOLEAN,
            "is_disabled": BOOLEAN,
            "account_created": TIMESTAMP,
            "account_expires": TIMESTAMP,
            "credential_last_changed": TIMESTAMP,
            "account_first_login": TIMESTAMP,
            "account_last_login": TIMESTAMP,
        },
        (),
        (needs_a_property,),
        ("account_type", "user_id", "account_login"),
        USER_ACCOUNT_EXTENSIONS,
        True,
    ),
    "windows-registry-key": TypeSpec(
        "sco",
        {
            "key": STRING,
            "values": list_of(_REGISTRY_VALUE),
            "modified_time": TIMESTAMP,
            "creator_user_ref": _r("user-account", "a user-account"),
            "number_of_subkeys": _COUNT,
        },
        (),
        (needs_a_property, _registry_key),
        ("key", "values"),
    ),
    "x509-certificate": TypeSpec(
        "sco",
        {
            "is_self_signed": BOOLEAN,
            "hashes": HASHES,
            "version": STRING,
            "serial_number": STRING,
            "signature_algorithm": STRING,
            "issuer": STRING,
            "validity_not_before": TIMESTAMP,
            "validity_not_after": TIMESTAMP,
            "subject": STRING,
            "subject_public_key_algorithm": STRING,
            "subject_public_key_modulus": STRING,
            "subject_public_key_exponent": INTEGER,
            "x509_v3_extensions": _X509_V3,
        },
        (),
        (_x509, ordered("validity_not_before", "validity_not_after")),
        ("hashes", "serial_number"),
    ),
}

# -- meta objects (section 7) -------------------------------------------------------------------


def _contents(value: Any, path: str, ctx: Context) -> None:
    """language-content ``contents``: language tags to translations of properties."""
    if not isinstance(value, dict):
        ctx.error("type", path, "must be a dictionary")
        return
    if not value:
        ctx.error("empty-dictionary", path, "must not be an empty dictionary")
    for tag, translation in value.items():
        at = member(path, tag)
        if not is_lang_tag(tag):
            ctx.error("language", at, f"key {tag!r} is not an RFC 5646 language tag")
        if not isinstance(translation, dict) or not translation:
            ctx.error(
                "type", at, "each language must map to a non-empty object of translated properties"
            )
            continue
        for name in translation:
            if PROPERTY_NAME.fullmatch(name) is None:
                ctx.error("property-name", member(at, name), f"{name!r} is not a property name")


_VERSION = re.compile(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?")


def _extension_definition(o: dict[str, Any], path: str, ctx: Context) -> None:
    types = o.get("extension_types")
    types = types if isinstance(types, list) else []
    if "extension_properties" in o and "toplevel-property-extension" not in types:
        ctx.error(
            "extension-properties",
            f"{path}.extension_properties",
            "extension_properties is only allowed with extension type toplevel-property-extension",
        )
    if "toplevel-property-extension" in types and "extension_properties" not in o:
        ctx.warn(
            "extension-properties",
            path,
            "a toplevel-property-extension should list its extension_properties",
        )
    version = o.get("version")
    if isinstance(version, str) and _VERSION.fullmatch(version) is None:
        ctx.warn(
            "version-format",
            f"{path}.version",
            f"version {version!r} should follow semantic versioning",
        )


META_SPECS: dict[str, TypeSpec] = {
    "language-content": TypeSpec(
        "meta",
        {"object_ref": ref(None, _K), "object_modified": TIMESTAMP, "contents": _contents},
        ("object_ref", "contents"),
    ),
    "extension-definition": TypeSpec(
        "meta",
        {
            "name": STRING,
            "description": STRING,
            "schema": STRING,
            "version": STRING,
            "extension_types": enums("extension-type-enum"),
            "extension_properties": STRINGS,
        },
        ("name", "schema", "version", "extension_types", "created_by_ref"),
        (_extension_definition,),
    ),
    # marking-definition has its own common properties and rules (see _markings).
    "marking-definition": TypeSpec(
        "meta",
        {
            "name": STRING,
            "definition_type": open_vocab("marking-definition-type-ov"),
            "definition": obj({"tlp": STRING, "statement": STRING}, (), "a marking definition"),
        },
        (),
    ),
}

TYPE_SPECS: dict[str, TypeSpec] = {**SDO_SPECS, **SRO_SPECS, **SCO_SPECS, **META_SPECS}
