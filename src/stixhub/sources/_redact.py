"""Passwords out of messages: a source URL may carry ``user:password@`` and errors name it.

Every URL in the text loses the password of its userinfo (the user stays, so the message
still says whose credentials failed). Messages from lower layers (the TAXII client, the
database driver) may quote the URL too, so the whole message is redacted, not only the
part this package wrote.
"""

import re

__all__ = ["redact"]

# scheme://user:password@ — the password runs to the last '@' before the host.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@:\s]*):[^/?#\s]*@")


def redact(text: str) -> str:
    """``text`` with ``scheme://user:***@`` for every ``scheme://user:password@``."""
    return _USERINFO.sub(lambda m: f"{m.group('head')}:***@", text)
