"""sha256 hex digests without importing ``hashlib`` on the warm path.

``hashlib`` loads OpenSSL, which costs milliseconds at import; CPython's built-in sha256
module (``_sha2`` from 3.12, ``_sha256`` before) gives the same digests and loads in a
fraction of that (``random`` uses the same trick for sha512).
"""

try:
    from _sha2 import sha256 as _sha256
except ImportError:
    try:
        from _sha256 import sha256 as _sha256
    except ImportError:  # a build without the built-in module
        from hashlib import sha256 as _sha256


try:
    from _blake2 import blake2b as _blake2b
except ImportError:  # a build without the built-in module
    _blake2b = None


def sha256_hex(data: bytes) -> str:
    return _sha256(data).hexdigest()


def bulk_hex(data: bytes) -> str:
    """A digest for large binary inputs (cubins, object files), hashed on every warm load:
    the built-in BLAKE2b runs about three times as fast as the built-in sha256."""
    if _blake2b is None:
        return "sha256:" + _sha256(data).hexdigest()
    return _blake2b(data, digest_size=32).hexdigest()
