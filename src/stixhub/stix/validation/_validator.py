"""The STIX 2.1 validator: prepared once, then run on every object a hub receives.

``Validator`` merges the common properties of each kind (section 3.2) into one table per
type when it is built, so checking an object is one pass over its properties with a
dictionary look-up each. Documents (bundles, TAXII envelopes, JSON lines) add the checks
between objects: conflicting copies of one version, revoked objects that go on.
"""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from stixhub.stix._documents import JsonLine
from stixhub.stix.validation._checks import (
    BOOLEAN,
    EXTERNAL_REFERENCES,
    LANG,
    QUICK,
    STRINGS,
    TIMESTAMP_MS,
    Check,
    check_custom_value,
    enum,
    integer,
    no_big_integers,
)
from stixhub.stix.validation._context import Context
from stixhub.stix.validation._findings import Finding, ObjectReport, Report, member
from stixhub.stix.validation._identifiers import deterministic_uuid
from stixhub.stix.validation._markings import (
    MARKING_REFS,
    check_granular_markings,
    check_marking_definition,
)
from stixhub.stix.validation._primitives import (
    ID,
    PROPERTY_NAME,
    TYPE_NAME,
    is_later_or_same,
    timestamp_key,
    timestamp_problem,
)
from stixhub.stix.validation._relationships import check_relationship_type
from stixhub.stix.validation._types import IDENTITY_REF, TYPE_SPECS, Extra, Kind, TypeSpec

__all__ = ["ValidationOptions", "Validator"]

_EXTENSION_TYPE = enum("extension-type-enum")
_EXT_NAME = ("-ext",)
_NEW_TYPE_KINDS: dict[str, Kind] = {"new-sdo": "sdo", "new-sro": "sro", "new-sco": "sco"}
_SDO_ONLY = ("created_by_ref", "revoked", "labels", "confidence", "lang", "external_references")


class PatternIssueLike(Protocol):
    severity: str
    message: str
    column: int


PatternChecker = Callable[..., list[PatternIssueLike]]


def _load_pattern_checker() -> PatternChecker:
    """The pattern engine lives beside this package; load it when a validator is built."""
    module = importlib.import_module("stixhub.stix.patterns")
    checker: PatternChecker = module.check_pattern
    return checker


@dataclass(frozen=True, slots=True)
class ValidationOptions:
    """How strict to be.

    ``strict`` turns custom content (deprecated custom objects, properties and extensions
    of section 11, which consumers tolerate by default) from warnings into errors.
    """

    strict: bool = False


@dataclass(frozen=True, slots=True)
class _Compiled:
    kind: Kind
    props: dict[str, Check | None]
    required: tuple[str, ...]
    extras: tuple[Extra, ...]
    spec: TypeSpec
    custom: bool = False


_SPECIAL: dict[str, Check | None] = {
    "type": None,
    "id": None,
    "spec_version": None,
    "granular_markings": None,
    "extensions": None,
}
_VERSIONED_COMMON: dict[str, Check | None] = {
    **_SPECIAL,
    "created_by_ref": IDENTITY_REF,
    "created": TIMESTAMP_MS,
    "modified": TIMESTAMP_MS,
    "revoked": BOOLEAN,
    "labels": STRINGS,
    "confidence": integer(0, 100),
    "lang": LANG,
    "external_references": EXTERNAL_REFERENCES,
    "object_marking_refs": MARKING_REFS,
}
_SCO_COMMON: dict[str, Check | None] = {
    **_SPECIAL,
    "object_marking_refs": MARKING_REFS,
    "defanged": BOOLEAN,
}
_MARKING_COMMON: dict[str, Check | None] = {
    **_SPECIAL,
    "created_by_ref": IDENTITY_REF,
    "created": TIMESTAMP_MS,
    "external_references": EXTERNAL_REFERENCES,
    "object_marking_refs": MARKING_REFS,
}


# Rules of one type that live in their own module (they need more than the type tables).
_OWN_MODULE_RULES: dict[str, tuple[Extra, ...]] = {"relationship": (check_relationship_type,)}


def _compile(type_: str, spec: TypeSpec, *, custom: bool = False) -> _Compiled:
    if spec.kind == "sco":
        common = _SCO_COMMON
        required: tuple[str, ...] = ()
    elif type_ == "marking-definition":
        common = _MARKING_COMMON
        required = ("spec_version", "created")
    else:
        common = _VERSIONED_COMMON
        required = ("spec_version", "created", "modified")
    props: dict[str, Check | None] = {**common, **spec.props}
    extras = spec.extras + _OWN_MODULE_RULES.get(type_, ())
    if custom:
        # Section 11.2 shows a custom object without spec_version; only warn about it.
        required = tuple(r for r in required if r != "spec_version")
    return _Compiled(spec.kind, props, required + spec.required, extras, spec, custom)


class Validator:
    """Checks STIX 2.1 objects and documents; build one and reuse it (it holds no state
    between calls, so one instance serves every request of a server).
    """

    def __init__(self, options: ValidationOptions | None = None) -> None:
        self.options = options or ValidationOptions()
        self._types = {t: _compile(t, s) for t, s in TYPE_SPECS.items()}
        self._custom = {
            kind: _compile(f"custom-{kind}", TypeSpec(kind, {}), custom=True)
            for kind in ("sdo", "sro", "sco")
        }
        self._check_pattern = _load_pattern_checker()

    # -- single objects -------------------------------------------------------------------

    def validate_object(self, obj: Any, path: str = "$") -> list[Finding]:
        """Every finding about one object; ``path`` is the JSON path of the object itself."""
        ctx = Context(self.options.strict)
        self._object(obj, path, ctx)
        return ctx.findings

    def _object(self, obj: Any, path: str, ctx: Context) -> None:
        if not isinstance(obj, dict):
            ctx.error("type", path, "a STIX object must be a JSON object")
            return
        type_ = obj.get("type")
        if type_ == "bundle":
            ctx.error(
                "bundle-nested",
                f"{path}.type",
                "a bundle is not a STIX object and cannot be inside one",
            )
            return
        type_ = _type_name(type_, path, ctx)
        uuid_version = self._identifier(obj, type_, path, ctx)
        if type_ is None:
            return
        compiled = self._compiled_for(obj, type_, path, ctx)
        self._spec_version(obj, compiled.kind, path, ctx)
        if compiled.custom and compiled.kind != "sco" and "spec_version" not in obj:
            ctx.warn("required", f"{path}.spec_version", f"{type_} should have spec_version 2.1")
        extensions = obj.get("extensions")
        ctx.toplevel_ok = isinstance(extensions, dict) and any(
            isinstance(e, dict) and e.get("extension_type") == "toplevel-property-extension"
            for e in extensions.values()
        )
        _properties(obj, compiled, type_, path, ctx)
        for name in compiled.required:
            if name not in obj:
                ctx.error("required", f"{path}.{name}", f"{type_} requires {name}")
        for extra in compiled.extras:
            extra(obj, path, ctx)
        if "granular_markings" in obj:
            check_granular_markings(obj["granular_markings"], obj, f"{path}.granular_markings", ctx)
        if extensions is not None:
            self._extensions(extensions, compiled, f"{path}.extensions", ctx)
        self._ordered_versions(obj, path, ctx)
        if uuid_version is not None:
            self._uuid_rules(obj, compiled, uuid_version, path, ctx)
        if type_ == "indicator":
            self._pattern(obj, path, ctx)
        elif type_ == "marking-definition":
            check_marking_definition(obj, path, ctx)

    def _compiled_for(self, obj: dict[str, Any], type_: str, path: str, ctx: Context) -> _Compiled:
        """The prepared rules of a type; unknown types are custom or extension-defined."""
        compiled = self._types.get(type_)
        if compiled is not None:
            return compiled
        kind = self._extension_kind(obj)
        if kind is None:
            ctx.custom(
                "custom-object",
                f"{path}.type",
                f"custom object type {type_!r} is not defined by STIX 2.1 or by an "
                "extension-definition (new-sdo, new-sco or new-sro)",
            )
        return self._custom[kind or "sdo"]

    def _identifier(
        self, obj: dict[str, Any], type_: str | None, path: str, ctx: Context
    ) -> str | None:
        """Check ``id``; return the UUID's version digit when the id is well-formed."""
        id_ = obj.get("id")
        if id_ is None:
            ctx.error("required", f"{path}.id", "every STIX object requires id")
            return None
        if not isinstance(id_, str):
            ctx.error("id", f"{path}.id", "id must be a string")
            return None
        m = ID.fullmatch(id_)
        if m is None:
            ctx.error("id", f"{path}.id", f"id {id_!r} is not of the form <type>--<RFC 4122 UUID>")
            return None
        if type_ is not None and m.group(1) != type_:
            ctx.error(
                "id-type",
                f"{path}.id",
                f"id {id_} starts with {m.group(1)!r}, but type is {type_!r}",
            )
        return m.group(2)[14]

    @staticmethod
    def _extension_kind(obj: dict[str, Any]) -> Kind | None:
        """The kind of an extension-defined type (section 7.3), from its extensions entry."""
        extensions = obj.get("extensions")
        if not isinstance(extensions, dict):
            return None
        for key, ext in extensions.items():
            if key.startswith("extension-definition--") and isinstance(ext, dict):
                kind = _NEW_TYPE_KINDS.get(str(ext.get("extension_type")))
                if kind is not None:
                    return kind
        return None

    @staticmethod
    def _spec_version(obj: dict[str, Any], kind: Kind, path: str, ctx: Context) -> None:
        value = obj.get("spec_version")
        if value is None:
            return  # a missing one is reported with the other required properties
        if value != "2.1":
            ctx.error(
                "spec-version",
                f"{path}.spec_version",
                f"spec_version {value!r} is not 2.1; this validator checks STIX 2.1 content",
            )

    def _extensions(self, value: Any, compiled: _Compiled, path: str, ctx: Context) -> None:
        """Section 3.2 / 7.3: extension-definition entries, predefined and custom extensions."""
        if not isinstance(value, dict):
            ctx.error("type", path, "extensions must be a dictionary")
            return
        if not value:
            ctx.error("empty-dictionary", path, "must not be an empty dictionary")
        predefined = compiled.spec.extensions
        for key, ext in value.items():
            at = member(path, key)
            if key.startswith("extension-definition--"):
                if ID.fullmatch(key) is None:
                    ctx.error("extension-key", at, f"{key!r} is not an extension-definition id")
                if not isinstance(ext, dict):
                    ctx.error("type", at, "an extension must be an object")
                    continue
                if "extension_type" not in ext:
                    ctx.error(
                        "required",
                        f"{at}.extension_type",
                        "an extension-definition entry requires extension_type",
                    )
                else:
                    _EXTENSION_TYPE(ext["extension_type"], f"{at}.extension_type", ctx)
                no_big_integers(ext, at, ctx)
            elif key in predefined:
                predefined[key](ext, at, ctx)
            elif key.endswith(_EXT_NAME) and TYPE_NAME.fullmatch(key):
                if not isinstance(ext, dict):
                    ctx.error("type", at, "an extension must be an object")
                    continue
                ctx.custom(
                    "custom-extension",
                    at,
                    f"custom extension {key!r} is deprecated (section 11.3); define it with an "
                    "extension-definition",
                )
                no_big_integers(ext, at, ctx)
            else:
                report = ctx.error if compiled.spec.extensions_must else ctx.warn
                report(
                    "extension-key",
                    at,
                    f"extension key {key!r} is neither an extension-definition id nor a "
                    "predefined extension name",
                )

    @staticmethod
    def _ordered_versions(obj: dict[str, Any], path: str, ctx: Context) -> None:
        created, modified = obj.get("created"), obj.get("modified")
        if not (isinstance(created, str) and isinstance(modified, str)):
            return
        if ctx.findings and any(
            f.path in (f"{path}.created", f"{path}.modified") and f.code == "timestamp"
            for f in ctx.findings
        ):
            return
        if not is_later_or_same(created, modified):
            ctx.error(
                "timestamp-order",
                f"{path}.modified",
                f"modified {modified} is earlier than created {created}",
            )

    @staticmethod
    def _uuid_rules(
        obj: dict[str, Any], compiled: _Compiled, version: str, path: str, ctx: Context
    ) -> None:
        id_: str = obj["id"]
        at = f"{path}.id"
        contributing = compiled.spec.contributing
        if compiled.kind != "sco" or compiled.custom:
            if version != "4" and compiled.kind != "sco":
                ctx.warn("uuid-version", at, f"{id_} should use a version 4 (random) UUID")
            return
        expected = deterministic_uuid(obj, contributing) if contributing else None
        if expected is None:
            if version != "4":
                ctx.error(
                    "sco-id-version",
                    at,
                    f"{id_}: a {obj['type']} without ID contributing properties must use a "
                    "version 4 (random) UUID",
                )
            return
        actual = id_.split("--", 1)[1].lower()
        if version == "5" and actual != expected:
            ctx.warn(
                "sco-id-mismatch",
                at,
                f"{id_} is not the UUIDv5 of its ID contributing properties "
                f"({', '.join(p for p in contributing or () if p in obj)}); expected "
                f"{obj['type']}--{expected}",
            )
        elif version == "5" and ("created" in obj or "modified" in obj):
            ctx.error(
                "sco-id-namespace",
                at,
                f"{id_} is versioned (created/modified) and so must not use the STIX UUIDv5 "
                "namespace",
            )
        elif version != "5":
            ctx.warn(
                "sco-id-version",
                at,
                f"{id_} should be the deterministic UUIDv5 {obj['type']}--{expected}",
            )

    def _pattern(self, obj: dict[str, Any], path: str, ctx: Context) -> None:
        pattern = obj.get("pattern")
        if obj.get("pattern_type") != "stix" or not isinstance(pattern, str):
            return
        version = obj.get("pattern_version")
        kwargs = {"stix_version": version} if version in ("2.0", "2.1") else {}
        for issue in self._check_pattern(pattern, **kwargs):
            where = f" (column {issue.column})" if issue.column else ""
            report = ctx.error if issue.severity == "error" else ctx.warn
            report("pattern", f"{path}.pattern", f"pattern: {issue.message}{where}")

    # -- documents ------------------------------------------------------------------------

    def validate_document(self, doc: Any) -> Report:
        """Validate a bundle, a TAXII envelope, a single object, or a list of objects (the
        parsed lines of a JSON lines file)."""
        report = Report()
        if isinstance(doc, list):
            self._objects(doc, "$", report)
        elif isinstance(doc, dict) and doc.get("type") == "bundle":
            report.objects.append(self._bundle(doc))
            objects = doc.get("objects")
            if isinstance(objects, list):
                self._objects(objects, "$.objects", report)
        elif isinstance(doc, dict) and "type" not in doc and "objects" in doc:
            objects = doc["objects"]
            if isinstance(objects, list):
                self._objects(objects, "$.objects", report)
            else:
                entry = ObjectReport(None, None, None)
                entry.findings.append(
                    Finding("type", "error", "$.objects", "objects must be a list")
                )
                report.objects.append(entry)
        else:
            report.objects.append(self._entry(doc, None, "$"))
        return report

    def validate_lines(self, lines: Iterable[JsonLine]) -> Report:
        """Validate JSON lines (``stixhub.stix.parse_json_lines``): the objects of every line
        form one list (paths ``$[i]``, counted across lines, checked between each other), and
        a line that is a bundle has its own properties checked like a whole-file bundle, in
        an entry with that ``line`` placed before the line's objects."""
        report = Report()
        objects: list[Any] = []
        entries: list[ObjectReport] = []
        for line in lines:
            if line.document.kind == "bundle":
                bundle = self._bundle(line.value)
                bundle.line = line.number
                report.objects.append(bundle)
            for obj in line.document.objects:
                i = len(objects)
                objects.append(obj)
                entries.append(self._entry(obj, i, f"$[{i}]"))
                report.objects.append(entries[-1])
        _between_objects(objects, entries, "$")
        return report

    def _entry(self, obj: Any, index: int | None, path: str) -> ObjectReport:
        id_ = obj.get("id") if isinstance(obj, dict) else None
        type_ = obj.get("type") if isinstance(obj, dict) else None
        entry = ObjectReport(
            id_ if isinstance(id_, str) else None, type_ if isinstance(type_, str) else None, index
        )
        entry.findings = self.validate_object(obj, path)
        return entry

    def _bundle(self, doc: dict[str, Any]) -> ObjectReport:
        """Section 8: the bundle's own properties (it is not a STIX object)."""
        id_ = doc.get("id")
        entry = ObjectReport(id_ if isinstance(id_, str) else None, "bundle", None)
        ctx = Context(self.options.strict)
        m = ID.fullmatch(id_) if isinstance(id_, str) else None
        if id_ is None:
            ctx.error("required", "$.id", "a bundle requires id")
        elif m is None or m.group(1) != "bundle":
            ctx.error("id", "$.id", f"bundle id {id_!r} is not of the form bundle--<UUID>")
        elif m.group(2)[14] != "4":
            ctx.warn("uuid-version", "$.id", f"{id_} should use a version 4 (random) UUID")
        objects = doc.get("objects")
        if "objects" in doc and not (isinstance(objects, list) and objects):
            ctx.error("empty-list", "$.objects", "a bundle's objects must be a non-empty list")
        for key, value in doc.items():
            if key == "spec_version":
                ctx.warn(
                    "bundle-property",
                    "$.spec_version",
                    "a STIX 2.1 bundle has no spec_version (it was a 2.0 property)",
                )
            elif key not in ("type", "id", "objects"):
                at = member("$", key)
                ctx.custom("custom-property", at, f"custom property {key!r} on a bundle")
                no_big_integers(value, at, ctx)
        entry.findings = ctx.findings
        return entry

    def _objects(self, objects: list[Any], base: str, report: Report) -> None:
        entries = [self._entry(obj, i, f"{base}[{i}]") for i, obj in enumerate(objects)]
        report.objects.extend(entries)
        _between_objects(objects, entries, base)


def _type_name(type_: Any, path: str, ctx: Context) -> str | None:
    """The object's type when it is well-formed (section 3.1), else None after reporting."""
    if isinstance(type_, str) and type_ in TYPE_SPECS:  # well-formed by definition
        return type_
    if type_ is None:
        ctx.error("required", f"{path}.type", "every STIX object requires type")
        return None
    if not isinstance(type_, str) or TYPE_NAME.fullmatch(type_) is None or "--" in type_:
        ctx.error(
            "type-name",
            f"{path}.type",
            f"type {type_!r} must be 3 to 250 characters of a-z, 0-9 and '-', starting "
            "with a letter, without '--'",
        )
        return None
    return type_


def _unknown(value: Any, path: str, ctx: Context) -> None:
    """A sentinel for property tables: the property is not in the table."""


_UNKNOWN: Check = _unknown


def _properties(
    obj: dict[str, Any], compiled: _Compiled, type_: str, path: str, ctx: Context
) -> None:
    """One pass over the object's properties, each checked by its prepared checker.

    A value that a checker's quick test accepts (a string where a string goes, a listed
    vocabulary value) is passed without calling the checker or building its JSON path.
    """
    props = compiled.props
    quick = QUICK
    for key, value in obj.items():
        check = props.get(key, _UNKNOWN)
        if check is None:
            continue
        if check is not _UNKNOWN:
            test = quick.get(check)
            if test is None or not test(value):
                check(value, f"{path}.{key}", ctx)
            continue
        at = member(path, key)
        if compiled.custom or ctx.toplevel_ok:
            _extension_property(key, value, at, ctx)
        elif compiled.kind == "sco" and key in _VERSIONED_COMMON:
            ctx.warn("sco-property", at, f"{key} does not apply to cyber-observable objects")
            common = _VERSIONED_COMMON[key]
            if common is not None:
                common(value, at, ctx)
        elif key == "defanged":
            ctx.error("defanged", at, "defanged is only allowed on cyber-observable objects")
        else:
            check_custom_value(key, value, at, ctx, f"type {type_}")


def _extension_property(key: str, value: Any, path: str, ctx: Context) -> None:
    """A property of a custom or extension-defined object: only the naming rules apply."""
    if PROPERTY_NAME.fullmatch(key) is None and key != "id":
        ctx.error(
            "property-name",
            path,
            f"property name {key!r} must be 3 to 250 characters of a-z, 0-9 and '_', "
            "starting with a letter",
        )
    elif key in ("severity", "action", "username", "phone_numbers", "phone_number"):
        ctx.error("reserved-property", path, f"{key!r} is a reserved property name (section 3.8)")
    elif isinstance(value, list) and not value:
        ctx.error("empty-list", path, "must not be an empty list")
    else:
        no_big_integers(value, path, ctx)


def _between_objects(objects: list[Any], entries: list[ObjectReport], base: str) -> None:
    """Section 3.6: one version (id + modified) has one content, the versions of one id keep
    ``created`` and ``created_by_ref``, revoked objects end; section 7.1.1: a translation's
    ``object_modified`` names a version of its object when the document holds that object.

    The common case, every id once, costs one dictionary look-up per object: versions are
    only collected for the ids that come back.
    """
    first_of: dict[str, tuple[str, int]] = {}  # id -> (version key, index) of its first copy
    versions: dict[tuple[str, str], int] = {}  # (id, version key) -> index, repeated ids only
    latest_revoked: dict[str, tuple[str, int]] = {}
    translations: list[int] = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            continue
        id_, version = obj.get("id"), _version(obj)
        if not isinstance(id_, str) or not isinstance(version, str) or len(version) < 20:
            continue
        key = timestamp_key(version)
        first_key, first = first_of.setdefault(id_, (key, i))
        if first != i:
            versions.setdefault((id_, first_key), first)
            same = versions.setdefault((id_, key), i)
            if same != i:
                _repeated(objects, entries, base, i, same, id_, version)
            elif "modified" in obj and "modified" in objects[first]:
                _other_version(objects, entries, base, i, first, id_)
        if obj.get("revoked") is True:
            latest_revoked[id_] = (key, i)
        if "object_modified" in obj and obj.get("type") == "language-content":
            translations.append(i)
    for i in translations:
        _translated_version(objects, entries, base, i, first_of, versions)
    if latest_revoked:
        _after_revocation(objects, entries, base, latest_revoked)


def _after_revocation(
    objects: list[Any],
    entries: list[ObjectReport],
    base: str,
    latest_revoked: dict[str, tuple[str, int]],
) -> None:
    """Section 3.6: no version of a revoked object is newer than its revoked version."""
    # Rare: only now collect the versions of the revoked ids, in document order.
    revoked_versions: dict[str, list[tuple[str, int]]] = {id_: [] for id_ in latest_revoked}
    for i, obj in enumerate(objects):
        if isinstance(obj, dict) and obj.get("id") in revoked_versions:
            version = _version(obj)
            if isinstance(version, str) and len(version) >= 20:
                revoked_versions[obj["id"]].append((timestamp_key(version), i))
    for id_, (revoked_key, revoked_at) in latest_revoked.items():
        for version_key, i in revoked_versions[id_]:
            if version_key > revoked_key:
                entries[i].findings.append(
                    Finding(
                        "revoked-version",
                        "error",
                        f"{base}[{i}].modified",
                        f"{id_} was revoked at {base}[{revoked_at}]; no newer version may follow",
                    )
                )


def _other_version(
    objects: list[Any], entries: list[ObjectReport], base: str, i: int, first: int, id_: str
) -> None:
    """Section 3.6: a version other than the first copy of its id keeps ``created`` (the
    time of the first version) and ``created_by_ref`` (only the object creator versions)."""
    obj, earlier = objects[i], objects[first]
    this, that = f"{id_} version {obj['modified']}", f"version {earlier['modified']}"
    created, was = obj.get("created"), earlier.get("created")
    if (
        isinstance(created, str)
        and isinstance(was, str)
        and timestamp_problem(created) is None
        and timestamp_problem(was) is None
        and timestamp_key(created) != timestamp_key(was)
    ):
        entries[i].findings.append(
            Finding(
                "version-created",
                "error",
                f"{base}[{i}].created",
                f"{this} has created {created}, but {that} at {base}[{first}] has created "
                f"{was}; every version of an object keeps its created",
            )
        )
    creator, was = obj.get("created_by_ref"), earlier.get("created_by_ref")
    if creator != was:
        entries[i].findings.append(
            Finding(
                "version-creator",
                "error",
                f"{base}[{i}].created_by_ref",
                f"{this} has created_by_ref {_shown(creator)}, but {that} at {base}[{first}] "
                f"has {_shown(was)}; only the object creator makes new versions, so "
                "created_by_ref does not change",
            )
        )


def _shown(value: Any) -> str:
    return "none" if value is None else repr(value) if not isinstance(value, str) else value


def _translated_version(
    objects: list[Any],
    entries: list[ObjectReport],
    base: str,
    i: int,
    first_of: dict[str, tuple[str, int]],
    versions: dict[tuple[str, str], int],
) -> None:
    """Section 7.1.1: ``object_modified`` is the ``modified`` of the translated version; when
    the document holds versions of ``object_ref``, one of them has that ``modified``."""
    obj = objects[i]
    ref, modified = obj.get("object_ref"), obj["object_modified"]
    if not (isinstance(ref, str) and isinstance(modified, str)):
        return
    found = first_of.get(ref)
    if found is None or timestamp_problem(modified) is not None:
        return  # the object is not in the document, or the timestamp error is reported
    first_key, first = found
    target = objects[first]
    if "modified" not in target:
        return  # not a versioned object: nothing to compare with
    key = timestamp_key(modified)
    if key == first_key or (ref, key) in versions:
        return
    entries[i].findings.append(
        Finding(
            "language-content-version",
            "error",
            f"{base}[{i}].object_modified",
            f"object_modified {modified} is the modified of no version of {ref} in this "
            f"document (the version at {base}[{first}] has modified {target['modified']})",
        )
    )


def _version(obj: dict[str, Any]) -> Any:
    """What names an object's version: ``modified``, else ``created`` (marking-definition)."""
    return obj["modified"] if "modified" in obj else obj.get("created")


def _repeated(
    objects: list[Any],
    entries: list[ObjectReport],
    base: str,
    i: int,
    first: int,
    id_: str,
    version: str,
) -> None:
    """A second copy of one version: an error if its content differs, else a warning."""
    if objects[first] != objects[i]:
        entries[i].findings.append(
            Finding(
                "version-conflict",
                "error",
                f"{base}[{i}]",
                f"{id_} version {version} differs from the copy at {base}[{first}]; one "
                "version of an object must have one content",
            )
        )
    else:
        entries[i].findings.append(
            Finding(
                "duplicate-object",
                "warning",
                f"{base}[{i}]",
                f"{id_} version {version} repeats the identical copy at {base}[{first}]",
            )
        )
