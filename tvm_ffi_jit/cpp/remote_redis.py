"""The Redis store (``redis://[user:password@]host:port/db``), with the ``redis`` package
(``pip install tvm_ffi_jit[remote]``), imported only when such a URL is configured.

Records are plain values under ``tvm_ffi_jit:rec:<key>``; a lease is
``SET tvm_ffi_jit:lease:<key> <owner> NX PX <ttl>``, renewed and released by small Lua
scripts that act only while the value is still the owner's. A password may also come from
``TVM_FFI_JIT_REMOTE_CACHE_PASSWORD`` (and a user from ``..._USER``), to keep it out of the
URL. Every client error becomes a StoreError whose message names the redacted URL only.
"""

import os

from .remote_store import Store, StoreError, redact, timeout

_RECORD = "tvm_ffi_jit:rec:"
_LEASE = "tvm_ffi_jit:lease:"
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end"
)
_HEADER_BYTES = 64 << 10  # a record's header is a few hundred bytes to a few KiB


class RedisStore(Store):
    def __init__(self, url: str):
        self.url = redact(url)
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise StoreError(
                "the redis package is not installed (pip install 'tvm_ffi_jit[remote]')"
            ) from None
        self._errors = (redis.RedisError, OSError, ValueError)
        options = {"socket_timeout": timeout(), "socket_connect_timeout": timeout()}
        # No retries: a store that is down must cost one timeout, not four.
        options["retry"] = Retry(NoBackoff(), 0)
        for option, variable in (("username", "USER"), ("password", "PASSWORD")):
            value = os.environ.get(f"TVM_FFI_JIT_REMOTE_CACHE_{variable}")
            if value:
                options[option] = value
        self._secrets = [s for s in (options.get("password"), *_password(url)) if s]
        try:
            self._client = redis.Redis.from_url(url, **options)
        except self._errors as err:
            raise self._fault("connect to", err) from None

    def _fault(self, what: str, err: Exception) -> StoreError:
        message = f"{type(err).__name__}: {err}"
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return StoreError(f"cannot {what} the store: {message}")

    def _call(self, what: str, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except self._errors as err:
            raise self._fault(what, err) from None

    def get(self, key):
        record = self._call("read from", self._client.get, _RECORD + key)
        if record is not None and not isinstance(record, bytes):
            raise StoreError(f"the store returned a {type(record).__name__}, not bytes")
        return record

    def put(self, key, record):
        self._call("write to", self._client.set, _RECORD + key, record)

    def acquire(self, key, owner, ttl):
        ms = max(1, int(ttl * 1000))
        return bool(
            self._call("take a lease in", self._client.set, _LEASE + key, owner, nx=True, px=ms)
        )

    def renew(self, key, owner, ttl):
        ms = max(1, int(ttl * 1000))
        return bool(
            self._call("renew a lease in", self._client.eval, _RENEW, 1, _LEASE + key, owner, ms)
        )

    def release(self, key, owner):
        try:
            self._client.eval(_RELEASE, 1, _LEASE + key, owner)
        except self._errors:
            pass  # it expires by itself

    def keys(self):
        names = self._call("list", lambda: list(self._client.scan_iter(_RECORD + "*", count=500)))
        return sorted(n.decode()[len(_RECORD) :] for n in names)

    def header(self, key):
        from .remote_store import split_record

        head = self._call("read from", self._client.getrange, _RECORD + key, 0, _HEADER_BYTES)
        if not head:
            return None
        return split_record(bytes(head))[0]


def _password(url: str) -> "tuple[str, ...]":
    """The URL's password as written and decoded (the client may quote either)."""
    from urllib.parse import unquote

    authority = url.partition("://")[2].partition("/")[0]
    if "@" not in authority:
        return ()
    userinfo = authority.rpartition("@")[0]
    secret = userinfo.partition(":")[2] or userinfo
    return secret, unquote(secret)
