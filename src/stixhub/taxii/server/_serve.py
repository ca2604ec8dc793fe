"""Running the TAXII server under uvicorn, over HTTP or HTTPS, in one or several processes.

HTTPS offers TLS 1.2 and 1.3 only. For TLS 1.2 the cipher suites are limited to ECDHE key
exchange with an AEAD cipher (AES-GCM, ChaCha20-Poly1305): forward secrecy, no CBC. TLS 1.3
suites are all of that kind already. 0-RTT (early data) stays off: Python's ``ssl`` leaves
OpenSSL's ``max_early_data`` at 0 and never reads early data, so a client's 0-RTT attempt is
rejected and its (replayable) request is only taken after the full handshake. Compression
and renegotiation are off.

With ``workers > 1`` uvicorn starts that many processes sharing one listening socket; each
builds its own app through ``app_factory``. Processes started by uvicorn do not inherit
Python objects, so the settings travel as ``STIXHUB_*`` environment variables, which
``Settings.load`` reads back to the same values.
"""

import copy
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
import uvicorn.config

from stixhub.settings import Settings

if TYPE_CHECKING:
    from stixhub.store import Store

__all__ = [
    "APP_FACTORY",
    "TLS12_CIPHERS",
    "TlsFileError",
    "check_tls_files",
    "harden_tls",
    "serve",
    "uvicorn_options",
    "worker_environment",
]

APP_FACTORY = "stixhub.taxii.server:app_factory"
"""What each worker process imports and calls to build its app."""

TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"
"""OpenSSL cipher string for TLS 1.2: ECDHE key exchange, AEAD ciphers, nothing else."""

_GRACEFUL_SHUTDOWN_SECONDS = 10


class TlsFileError(ValueError):
    """Raised when the certificate or key file cannot be read or do not belong together."""


def harden_tls(context: ssl.SSLContext) -> ssl.SSLContext:
    """Restrict a server context to TLS 1.2 and 1.3 with strong ciphers; returns it."""
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= (
        ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION | ssl.OP_CIPHER_SERVER_PREFERENCE
    )
    return context


def _tls_context(_config: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """uvicorn's ``ssl_context_factory`` (uvicorn 0.47+): its context, hardened.

    uvicorn's default context carries the certificate and ALPN; this only narrows it. A
    module-level function, so that uvicorn can hand it to worker processes.
    """
    return harden_tls(default())


def check_tls_files(cert: str, key: str) -> None:
    """Load the certificate and key once up front, so a mistake is one clear line.

    Otherwise it would surface as a traceback from every worker process.
    """
    for path in (cert, key):
        if not Path(path).is_file():
            raise TlsFileError(f"{path}: no such file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise TlsFileError(
            f"cannot use certificate {cert} with key {key}: {exc.reason or exc}"
        ) from None
    except OSError as exc:
        raise TlsFileError(f"cannot read {cert} or {key}: {exc.strerror or exc}") from None


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus stixhub's own loggers on the same stderr handler.

    Without a handler of their own, stixhub's records (the tracebacks behind 500 answers)
    would reach only Python's last-resort handler, unformatted and without a timestamp.
    """
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["stixhub"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options for the settings, apart from the app and the worker count."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "server_header": False,
        "timeout_graceful_shutdown": _GRACEFUL_SHUTDOWN_SECONDS,
        "log_config": _log_config(),
    }
    if settings.tls_cert is not None and settings.tls_key is not None:
        options.update(
            ssl_certfile=settings.tls_cert,
            ssl_keyfile=settings.tls_key,
            ssl_context_factory=_tls_context,
        )
    return options


def worker_environment(settings: Settings) -> dict[str, str | None]:
    """``STIXHUB_*`` variables that make ``Settings.load()`` rebuild these settings.

    None means "unset the variable", which gives the worker the default. A value set to None
    whose default is not None (``discovery_description``) cannot be said in the environment;
    it travels as an empty string, the nearest meaning. ``STIXHUB_CONFIG`` is unset because
    every value is already explicit: a worker must not read a file changed since the start.
    """
    defaults = Settings()
    env: dict[str, str | None] = {"STIXHUB_CONFIG": None}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None and getattr(defaults, f.name) is not None:
            value = ""
        env[f"STIXHUB_{f.name.upper()}"] = None if value is None else str(value)
    return env


def _apply_environment(env: Mapping[str, str | None]) -> None:
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def serve(settings: Settings, store: "Store | None" = None) -> None:
    """Serve TAXII 2.1 until interrupted (SIGINT or SIGTERM).

    One worker serves the app built here, on ``store`` if given. Several workers each build
    their own from the environment, so this process's environment is changed first.
    """
    if settings.tls_cert is not None and settings.tls_key is not None:
        check_tls_files(settings.tls_cert, settings.tls_key)
    options = uvicorn_options(settings)
    if settings.workers > 1:
        _apply_environment(worker_environment(settings))
        uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **options)
        return
    # Imported here: the package's __init__ may re-export serve from this module.
    from stixhub.taxii.server import create_app  # noqa: PLC0415

    uvicorn.run(create_app(settings, store), **options)
