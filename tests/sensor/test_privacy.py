"""The privacy policy: what counts as internal, and what of an observable may be shared."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stixhub.sensor._errors import InvalidPolicy, PrivacyLeak
from stixhub.sensor._privacy import PrivacyPolicy, event_secrets

POLICY = PrivacyPolicy.make(own_domains=["corp.example"], private_ranges=["198.18.0.0/15"])


class TestMake:
    """PrivacyPolicy.make reads ranges, domains and the share mode, or says what is wrong."""

    def test_defaults_hold_the_internal_ranges(self) -> None:
        """RFC 1918, shared address space, loopback, link-local and unique-local are private."""
        policy = PrivacyPolicy.make()
        for text in (
            "10.1.2.3",
            "172.31.255.255",
            "192.168.0.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "::1",
            "fd12:3456::1",
            "fe80::fada:cff:fedc:87f1",
            "::ffff:10.0.0.1",
        ):
            assert policy.is_private_address(ipaddress.ip_address(text)), text
        for text in ("203.0.113.9", "8.8.8.8", "172.32.0.1", "2607:f740:b::f93"):
            assert not policy.is_private_address(ipaddress.ip_address(text)), text

    def test_configured_range_is_private(self) -> None:
        """A range given with --private-range is internal too."""
        assert POLICY.is_private_address(ipaddress.ip_address("198.19.1.1"))

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"private_ranges": ["10.0.0.0/33"]}, "no address range"),
            ({"own_domains": ["not a domain"]}, "no domain name"),
            ({"share": "some"}, "share mode"),
        ],
    )
    def test_bad_input_is_a_typed_error(self, kwargs: dict[str, object], message: str) -> None:
        """A range, domain or mode that cannot be read raises InvalidPolicy naming it."""
        with pytest.raises(InvalidPolicy, match=message):
            PrivacyPolicy.make(**kwargs)  # type: ignore[arg-type]

    def test_domains_are_normalised(self) -> None:
        """Own domains are lower-cased, without a trailing dot or a leading wildcard."""
        policy = PrivacyPolicy.make(own_domains=["*.Corp.Example.", ".other.example"])
        assert policy.own_domains == ("corp.example", "other.example")


class TestMentions:
    """mentions_internal finds internal addresses and own domains anywhere in a text."""

    @pytest.mark.parametrize(
        "text",
        [
            "10.1.2.3",
            "http://10.1.2.3:8080/x",
            "10.1.2.3.nip.example",
            "10-1-2-3.nip.example",
            "1.10.0.0.5",
            "http://[fd00::1]/",
            "x:fe80::1",
            "mail.corp.example",
            "alice@corp.example",
            "http://evil.example/?to=alice%40corp.example",
            "http://evil.example/?to=alice%2540corp.example",
            "CORP.EXAMPLE.",
            "corp.example.evil.example",
        ],
    )
    def test_internal_text(self, text: str) -> None:
        """Each text names something internal, however it is wrapped."""
        assert POLICY.mentions_internal(text)

    @pytest.mark.parametrize(
        "text",
        [
            "203.0.113.9",
            "110.1.2.30",
            "notcorp.example",
            "http://www.eicar.org/download/eicar.com",
            "2607:f740:b::f93",
            "2024-03-01T10:00:00.000000Z",
            "sighting--00000010-0001-0002-0003-000000000004",
        ],
    )
    def test_external_text(self, text: str) -> None:
        """Public values, timestamps and ids are not taken for internal ones."""
        assert not POLICY.mentions_internal(text)

    def test_secrets_of_the_event(self) -> None:
        """A text repeating a user name of the event is internal."""
        assert POLICY.mentions_internal("http://evil.example/?u=JSmith", ["jsmith"])
        assert not POLICY.mentions_internal("http://evil.example/?u=x", ["jsmith"])

    @given(st.ip_addresses(v=4, network="10.0.0.0/8") | st.ip_addresses(v=6, network="fc00::/7"))
    def test_every_private_address_is_found_in_text(self, address: object) -> None:
        """Any address of a private range is found inside a URL and a host name."""
        text = str(address)
        host = f"[{text}]" if ":" in text else text
        assert POLICY.mentions_internal(f"http://{host}/path")
        assert POLICY.mentions_internal(f"x {text} y")


class TestShareable:
    """shareable keeps the identifying properties of an observable, or drops it."""

    def test_external_address_is_kept(self) -> None:
        """A public address is shared with its value only."""
        shared = POLICY.shareable({"type": "ipv4-addr", "value": "203.0.113.9", "x": 1})
        assert shared == {"type": "ipv4-addr", "value": "203.0.113.9"}

    @pytest.mark.parametrize(
        "obj",
        [
            {"type": "ipv4-addr", "value": "192.168.1.4"},
            {"type": "ipv6-addr", "value": "fe80::1"},
            {"type": "domain-name", "value": "www.corp.example"},
            {"type": "domain-name", "value": "printer"},
            {"type": "domain-name", "value": "_homekit._tcp.local"},
            {"type": "domain-name", "value": "4.3.2.1.in-addr.arpa"},
            {"type": "email-addr", "value": "alice@corp.example"},
            {"type": "url", "value": "http://intranet.corp.example/"},
            {"type": "url", "value": "http://user:pw@evil.example/"},
            {"type": "url", "value": "http://10.0.0.8/a"},
            {"type": "user-account", "account_login": "alice"},
            {"type": "network-traffic", "src_ref": "0", "dst_ref": "1", "protocols": ["tcp"]},
        ],
    )
    def test_internal_or_personal_is_dropped(self, obj: dict[str, object]) -> None:
        """Internal addresses and names, own mailboxes, users and connections stay home."""
        assert POLICY.shareable(obj) is None

    def test_file_keeps_hashes_not_name(self) -> None:
        """A file is shared by its hashes; its name (which may name a person) is not."""
        obj = {"type": "file", "name": "salary-alice.xlsx", "hashes": {"MD5": "a" * 32}}
        assert POLICY.shareable(obj) == {"type": "file", "hashes": {"MD5": "a" * 32}}

    def test_all_shares_internal_values(self) -> None:
        """With share mode all, an internal address is shared, a user account still not."""
        policy = PrivacyPolicy.make(share="all")
        assert policy.shareable({"type": "ipv4-addr", "value": "10.0.0.1"}) is not None
        assert policy.shareable({"type": "user-account", "account_login": "alice"}) is None

    def test_none_shares_nothing(self) -> None:
        """With share mode none, no observable is shared."""
        policy = PrivacyPolicy.make(share="none")
        assert policy.shareable({"type": "ipv4-addr", "value": "203.0.113.9"}) is None

    def test_event_secrets(self) -> None:
        """User names and display names of an event are its secrets."""
        objects = {
            "0": {"type": "user-account", "account_login": "alice", "display_name": "Alice B"},
            "1": {"type": "email-addr", "value": "x@y.example", "display_name": "X Y"},
            "2": {"type": "ipv4-addr", "value": "203.0.113.9"},
        }
        assert event_secrets(objects) == ("alice", "Alice B", "X Y")


class TestOutgoing:
    """check_outgoing is the last check on the bytes of a report."""

    def test_leak_stops_the_send(self) -> None:
        """Bytes naming an internal address raise PrivacyLeak."""
        with pytest.raises(PrivacyLeak):
            POLICY.check_outgoing(b'{"value": "10.0.0.1"}')

    def test_clean_bytes_pass(self) -> None:
        """Bytes with public values only pass."""
        POLICY.check_outgoing(b'{"value": "203.0.113.9", "id": "sighting--1"}')

    def test_all_is_not_checked(self) -> None:
        """With share mode all the organisation chose to share internal values."""
        PrivacyPolicy.make(share="all").check_outgoing(b'{"value": "10.0.0.1"}')


def test_public_ipv6_with_private_looking_tail() -> None:
    """A public IPv6 address is judged whole, not by a stretch of it that looks private."""
    assert not POLICY.mentions_internal('"value": "2001:db8:fdd1:ec00::"')
    assert POLICY.mentions_internal("x:fdd1:ec00::1")
