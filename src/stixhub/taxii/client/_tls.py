"""TLS for the client: verification on by default, an optional CA bundle, a client
certificate, and pinning of the server's leaf certificate by SHA-256.

The pin is checked inside the TLS handshake, on the connection that will carry the request,
so a wrong server never sees a byte of it (credentials included). Python's ``ssl`` lets a
context name its own socket and object classes; both overrides run the check right after
the handshake, which covers the sync (socket) and async (memory BIO) transports of httpx.
"""

import hashlib
import hmac
import re
import ssl
from typing import Any

from stixhub.taxii.client._auth import Auth, ClientCertificate
from stixhub.taxii.client._errors import ClientConfigError

__all__ = ["PinFailure", "normalise_pin", "ssl_context"]

_HEX64 = re.compile(r"[0-9a-f]{64}")


class PinFailure(ssl.SSLError):
    """The handshake's leaf certificate has another fingerprint; httpx wraps this in a
    ConnectError, which the client turns into ``PinMismatch``."""


def normalise_pin(pin: str) -> str:
    """A SHA-256 fingerprint as 64 lower-case hex digits; colons and spaces are allowed."""
    value = re.sub(r"[\s:]", "", pin).lower()
    if not _HEX64.fullmatch(value):
        raise ClientConfigError(
            "a certificate pin must be a SHA-256 fingerprint: 64 hex digits, colons allowed"
        )
    return value


def _check(peer_der: bytes | None, pin: str) -> None:
    if peer_der is None:
        raise PinFailure("the server sent no certificate to check against the pin")
    actual = hashlib.sha256(peer_der).hexdigest()
    if not hmac.compare_digest(actual, pin):
        raise PinFailure(f"server certificate SHA-256 {actual} is not the pinned one")


def ssl_context(
    verify: bool, ca_bundle: str | None, pin_sha256: str | None, auth: Auth | None
) -> ssl.SSLContext:
    """The client's TLS context. ``verify=False`` turns off chain and name checks (a pin,
    if given, still holds); it never weakens protocol versions."""
    context = ssl.create_default_context(cafile=ca_bundle) if verify else _unverified()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if isinstance(auth, ClientCertificate):
        try:
            context.load_cert_chain(auth.cert_file, auth.key_file, auth.password)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or "invalid"
            raise ClientConfigError(
                f"cannot use client certificate {auth.cert_file}: {reason}"
            ) from None
    if pin_sha256 is not None:
        _pin(context, normalise_pin(pin_sha256))
    return context


def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _pin(context: ssl.SSLContext, pin: str) -> None:
    class PinnedSocket(ssl.SSLSocket):
        def do_handshake(self, *args: Any, **kwargs: Any) -> None:
            super().do_handshake(*args, **kwargs)
            _check(self.getpeercert(binary_form=True), pin)

    class PinnedObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()
            _check(self.getpeercert(binary_form=True), pin)

    context.sslsocket_class = PinnedSocket
    context.sslobject_class = PinnedObject
