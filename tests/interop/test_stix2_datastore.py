"""Interop with the stix2 package's TAXII data source and sink, over HTTP and HTTPS."""

import stix2
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource
from taxii2client.v21 import Collection

from tests.interop.conftest import PASSWORD, LiveHub


def _collection(hub: LiveHub) -> Collection:
    return Collection(hub.collection_url(), user="publisher", password=PASSWORD, verify=hub.verify)


class TestStix2DataStore:
    """stix2's TAXIICollectionSink writes to the hub and its source reads back."""

    def test_sink_then_source(self, live_hub: LiveHub) -> None:
        """5.5, 5.4, 5.6: objects built with stix2 round-trip through the hub unchanged."""
        indicator = stix2.Indicator(
            name="interop via stix2",
            pattern="[domain-name:value = 'evil.example.com']",
            pattern_type="stix",
            valid_from="2024-03-01T00:00:00Z",
        )
        malware = stix2.Malware(name="Interop RAT", is_family=False)
        sink = TAXIICollectionSink(_collection(live_hub))
        sink.add([indicator, malware])
        source = TAXIICollectionSource(_collection(live_hub))
        got = source.get(indicator.id)
        assert got is not None
        assert got.id == indicator.id
        assert got.pattern == indicator.pattern
        found = source.query([Filter("type", "=", "malware")])
        assert [m.id for m in found] == [malware.id]
        assert source.all_versions(indicator.id)[0].name == "interop via stix2"
