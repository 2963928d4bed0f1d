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


def sha256_hex(data: bytes) -> str:
    return _sha256(data).hexdigest()
