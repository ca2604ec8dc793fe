"""The STIX 2.1 vocabulary a pattern is checked against.

Only the first property of an object path is checked: deeper steps go into dictionaries
(``hashes``, ``extensions``, ``environment_variables``) whose keys are open by design. The
lists are those of STIX 2.1 section 6 (cyber-observable objects); the common properties of
section 3.8 apply to every type.
"""

__all__ = [
    "HASH_ALGORITHMS",
    "HASH_VOCABULARY",
    "SCO_PROPERTIES",
    "hash_rule",
    "vocabulary_hash",
]

_COMMON = frozenset(
    {"type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged",
     "extensions"}
)  # fmt: skip

_PROPERTIES: dict[str, str] = {
    "artifact": "mime_type payload_bin url hashes encryption_algorithm decryption_key",
    "autonomous-system": "number name rir",
    "directory": "path path_enc ctime mtime atime contains_refs",
    "domain-name": "value resolves_to_refs",
    "email-addr": "value display_name belongs_to_ref",
    "email-message": (
        "is_multipart date content_type from_ref sender_ref to_refs cc_refs bcc_refs "
        "message_id subject received_lines additional_header_fields body body_multipart "
        "raw_email_ref"
    ),
    "file": (
        "hashes size name name_enc magic_number_hex mime_type ctime mtime atime "
        "parent_directory_ref contains_refs content_ref"
    ),
    "ipv4-addr": "value resolves_to_refs belongs_to_refs",
    "ipv6-addr": "value resolves_to_refs belongs_to_refs",
    "mac-addr": "value",
    "mutex": "name",
    "network-traffic": (
        "start end is_active src_ref dst_ref src_port dst_port protocols src_byte_count "
        "dst_byte_count src_packets dst_packets ipfix src_payload_ref dst_payload_ref "
        "encapsulates_refs encapsulated_by_ref"
    ),
    "process": (
        "is_hidden pid created_time cwd command_line environment_variables "
        "opened_connection_refs creator_user_ref image_ref parent_ref child_refs"
    ),
    "software": "name cpe swid languages vendor version",
    "url": "value",
    "user-account": (
        "user_id credential account_login account_type display_name is_service_account "
        "is_privileged can_escalate_privs is_disabled account_created account_expires "
        "credential_last_changed account_first_login account_last_login"
    ),
    "windows-registry-key": "key values modified_time creator_user_ref number_of_subkeys",
    "x509-certificate": (
        "is_self_signed hashes version serial_number signature_algorithm issuer "
        "validity_not_before validity_not_after subject subject_public_key_algorithm "
        "subject_public_key_modulus subject_public_key_exponent x509_v3_extensions"
    ),
}

SCO_PROPERTIES: dict[str, frozenset[str]] = {
    name: frozenset(words.split()) | _COMMON for name, words in _PROPERTIES.items()
}

# hash-algorithm-ov (STIX 2.1 section 10.7). The vocabulary is open: a hashes key outside it
# is allowed ("SHOULD come from", section 2.7) and only warned about.
HASH_VOCABULARY = ("MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH")

# The value format of the algorithms whose digests have a fixed length: the vocabulary's, and
# older ones that producers still send (STIX 2.0's vocabulary); value: (display name, accepted
# hex lengths). SSDEEP and TLSH have formats of their own (see the checker).
HASH_ALGORITHMS: dict[str, tuple[str, tuple[int, ...]]] = {
    "MD5": ("MD5", (32,)),
    "SHA1": ("SHA-1", (40,)),
    "SHA224": ("SHA-224", (56,)),
    "SHA256": ("SHA-256", (64,)),
    "SHA384": ("SHA-384", (96,)),
    "SHA512": ("SHA-512", (128,)),
    "SHA3224": ("SHA3-224", (56,)),
    "SHA3256": ("SHA3-256", (64,)),
    "SHA3384": ("SHA3-384", (96,)),
    "SHA3512": ("SHA3-512", (128,)),
    "RIPEMD160": ("RIPEMD-160", (40,)),
    "WHIRLPOOL": ("WHIRLPOOL", (128,)),
}


def _normal(key: str) -> str:
    return key.upper().replace("-", "").replace("_", "")


_VOCABULARY_BY_NORMAL = {_normal(name): name for name in HASH_VOCABULARY}


def hash_rule(key: str) -> tuple[str, tuple[int, ...]] | None:
    """Find the rule for a ``hashes`` key however it is spelled (``SHA-256``, ``sha256``)."""
    return HASH_ALGORITHMS.get(_normal(key))


def vocabulary_hash(key: str) -> str | None:
    """The hash-algorithm-ov name a ``hashes`` key spells (``sha256`` -> ``SHA-256``), if any."""
    return _VOCABULARY_BY_NORMAL.get(_normal(key))
