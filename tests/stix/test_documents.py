"""Reading STIX content in its accepted shapes: bundle, envelope, single object, JSON lines."""

from typing import Any

import orjson
import pytest

from stixhub.stix import (
    Document,
    InvalidJSON,
    NotADocument,
    StixError,
    parse_document,
    split_document,
)

UUID = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def obj(n: int) -> dict[str, Any]:
    """A small distinct STIX-like object."""
    return {"type": "x-test", "id": f"x-test--{n:08d}-0000-4000-8000-000000000000", "n": n}


def lines(*values: Any) -> bytes:
    """JSON lines of the given values."""
    return b"\n".join(orjson.dumps(v) for v in values) + b"\n"


class TestSplitDocument:
    """split_document classifies a parsed JSON value and takes its objects out."""

    def test_bundle(self) -> None:
        """A bundle gives its objects in order."""
        doc = split_document(
            {"type": "bundle", "id": f"bundle--{UUID}", "objects": [obj(1), obj(2)]}
        )
        assert doc == Document("bundle", [obj(1), obj(2)])

    def test_bundle_without_objects_is_empty(self) -> None:
        """A bundle without objects gives none."""
        assert split_document({"type": "bundle", "id": f"bundle--{UUID}"}) == Document("bundle", [])

    def test_envelope(self) -> None:
        """A TAXII envelope (objects without a type) gives its objects."""
        doc = split_document({"more": False, "objects": [obj(1)]})
        assert doc == Document("envelope", [obj(1)])

    def test_empty_envelope(self) -> None:
        """An empty envelope is read as no objects; the caller decides what that means."""
        assert split_document({"objects": []}) == Document("envelope", [])

    def test_single_object(self) -> None:
        """A single STIX object is a document of one object."""
        assert split_document(obj(1)) == Document("object", [obj(1)])

    def test_single_object_with_objects_property_is_an_object(self) -> None:
        """An object that has a type is an object even if it has an 'objects' property."""
        report = {"type": "report", "id": f"report--{UUID}", "objects": ["x"]}
        assert split_document(report) == Document("object", [report])

    def test_single_object_refused_when_not_allowed(self) -> None:
        """With allow_single=False a lone object is refused."""
        with pytest.raises(NotADocument, match="bundle or an envelope"):
            split_document(obj(1), allow_single=False)

    def test_bundle_and_envelope_still_accepted_without_single(self) -> None:
        """allow_single=False still accepts bundles and envelopes."""
        assert split_document({"objects": [obj(1)]}, allow_single=False).kind == "envelope"
        bundle = {"type": "bundle", "objects": [obj(1)]}
        assert split_document(bundle, allow_single=False).kind == "bundle"

    @pytest.mark.parametrize("value", [[obj(1)], "text", 1, None, True])
    def test_non_object_json_refused(self, value: Any) -> None:
        """A JSON value that is not an object (a list, a string, a number) is not a document."""
        with pytest.raises(NotADocument, match="expected a JSON object"):
            split_document(value)

    @pytest.mark.parametrize("objects", [{"a": obj(1)}, "x", None, 3])
    def test_objects_not_a_list_refused(self, objects: Any) -> None:
        """An 'objects' member that is not a list is refused, in bundles and envelopes."""
        with pytest.raises(NotADocument, match="must be a list"):
            split_document({"objects": objects})
        with pytest.raises(NotADocument, match="must be a list"):
            split_document({"type": "bundle", "objects": objects})

    def test_object_without_type_or_objects_refused(self) -> None:
        """A JSON object with neither type nor objects is not a document."""
        with pytest.raises(NotADocument):
            split_document({"id": f"indicator--{UUID}"})

    def test_not_a_document_is_a_stix_error(self) -> None:
        """NotADocument is a StixError and a ValueError."""
        with pytest.raises(StixError) as info:
            split_document([])
        assert isinstance(info.value, ValueError)


class TestParseDocument:
    """parse_document reads bytes as one JSON document or as JSON lines."""

    def test_bundle_bytes(self) -> None:
        """A pretty-printed bundle is one document, not JSON lines."""
        data = orjson.dumps(
            {"type": "bundle", "objects": [obj(1), obj(2)]}, option=orjson.OPT_INDENT_2
        )
        assert parse_document(data) == Document("bundle", [obj(1), obj(2)])

    def test_envelope_bytes(self) -> None:
        """An envelope's bytes give its objects."""
        assert parse_document(orjson.dumps({"objects": [obj(1)]})) == Document("envelope", [obj(1)])

    def test_single_object_bytes(self) -> None:
        """One object on one line is a single-object document."""
        assert parse_document(orjson.dumps(obj(1))) == Document("object", [obj(1)])

    def test_json_lines(self) -> None:
        """One object per line gives every object in order."""
        assert parse_document(lines(obj(1), obj(2), obj(3))) == Document(
            "jsonl", [obj(1), obj(2), obj(3)]
        )

    def test_json_lines_with_blank_lines_and_crlf(self) -> None:
        """Blank lines are skipped and CRLF line ends are accepted."""
        data = orjson.dumps(obj(1)) + b"\r\n\r\n" + orjson.dumps(obj(2)) + b"\r\n"
        assert parse_document(data).objects == [obj(1), obj(2)]

    def test_json_lines_of_bundles_flattened(self) -> None:
        """A line holding a bundle or envelope contributes all its objects."""
        data = lines({"type": "bundle", "objects": [obj(1), obj(2)]}, {"objects": [obj(3)]}, obj(4))
        assert parse_document(data).objects == [obj(1), obj(2), obj(3), obj(4)]

    def test_bad_line_reported_by_number(self) -> None:
        """An invalid line in JSON lines is reported with its line number."""
        data = orjson.dumps(obj(1)) + b"\n" + orjson.dumps(obj(2)) + b"\n{oops\n"
        with pytest.raises(InvalidJSON, match=r"^line 3: not valid JSON"):
            parse_document(data)

    def test_bad_line_number_counts_blank_lines(self) -> None:
        """The reported number is the line's number in the input, counting blank lines."""
        data = orjson.dumps(obj(1)) + b"\n\n\n{oops\n"
        with pytest.raises(InvalidJSON, match=r"^line 4:"):
            parse_document(data)

    def test_too_deep_line_reported_by_number(self) -> None:
        """A line nested past the depth limit is refused with its number."""
        data = orjson.dumps(obj(1)) + b"\n" + orjson.dumps({"type": "x", "a": [[[1]]]})
        with pytest.raises(InvalidJSON, match=r"^line 2: JSON nests deeper than 3"):
            parse_document(data, max_depth=3)

    def test_non_object_line_names_its_line(self) -> None:
        """A JSON-lines line that is valid JSON but not an object is refused naming its line."""
        data = lines(obj(1), [1, 2], obj(3))
        with pytest.raises(StixError, match="line 2"):
            parse_document(data)

    def test_single_invalid_document_keeps_its_own_error(self) -> None:
        """One line of bad JSON is reported as bad JSON, without a line number."""
        with pytest.raises(InvalidJSON, match=r"^not valid JSON"):
            parse_document(b'{"type": "bundle",')

    def test_empty_input_is_invalid_json(self) -> None:
        """Empty bytes are not a document."""
        with pytest.raises(InvalidJSON):
            parse_document(b"")

    @pytest.mark.parametrize("data", [b"[]", b'[{"type": "x-a"}]', b"42", b'"bundle"', b"null"])
    def test_non_object_json_refused(self, data: bytes) -> None:
        """A JSON document that is not an object is refused as not a document."""
        with pytest.raises(NotADocument):
            parse_document(data)

    def test_objects_not_a_list_refused(self) -> None:
        """A bundle whose objects member is not a list is refused."""
        with pytest.raises(NotADocument, match="must be a list"):
            parse_document(b'{"type": "bundle", "objects": {"a": 1}}')

    def test_depth_limit_applies_to_whole_document(self) -> None:
        """A one-line document nested past max_depth is refused."""
        data = orjson.dumps({"objects": [{"type": "x", "a": [[1]]}]})
        assert parse_document(data, max_depth=5).kind == "envelope"
        with pytest.raises(InvalidJSON, match="deeper than 4"):
            parse_document(data, max_depth=4)

    def test_single_object_refused_when_not_allowed(self) -> None:
        """allow_single=False refuses a single object given as bytes."""
        with pytest.raises(NotADocument):
            parse_document(orjson.dumps(obj(1)), allow_single=False)

    def test_objects_are_returned_unaltered(self) -> None:
        """Objects come back exactly as parsed, with unknown properties kept."""
        original = obj(1) | {"x_custom": {"nested": [1, 2.5, None, "é"]}}
        assert parse_document(orjson.dumps({"objects": [original]})).objects == [original]
