"""``python -m tvm_ffi_jit cache list|clean|prune|push|pull``: the command line over
cache_admin and remote_admin (``--remote`` and push/pull use ``$TVM_FFI_JIT_REMOTE_CACHE``).

Sizes take K, M, G or T (powers of 1024, an optional trailing ``B`` or ``iB``), e.g. ``500M``;
ages take s, m, h, d or w, e.g. ``12h`` or ``7d``.
"""

import argparse
import os
import re
import time
from contextlib import contextmanager

from . import cache, cache_admin

_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_size(text: str) -> int:
    """``"500M"`` -> 524288000 bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: use a number of bytes with an optional K, M, G or T "
            "suffix, e.g. 500M or 2G"
        )
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def parse_age(text: str) -> float:
    """``"12h"`` -> 43200.0 seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text, re.IGNORECASE)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"invalid age {text!r}: use a number with a unit s, m, h, d or w, e.g. 12h or 7d"
        )
    return float(match.group(1)) * _AGE_UNITS[match.group(2).lower()]


def format_size(size: int) -> str:
    """``1536`` -> ``"1.5K"``: the largest unit that keeps the number at least 1."""
    for unit in ("T", "G", "M", "K"):
        scale = _SIZE_UNITS[unit.lower()]
        if size >= scale:
            return f"{size / scale:.1f}{unit}"
    return f"{size}B"


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _format_time(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _print_table(entries) -> None:
    rows = [("NAME", "KEY", "SIZE", "LAST USED", "STATE")]
    rows += [
        (e.name, e.key[:16], format_size(e.size), _format_time(e.last_used), e.state)
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _remote_store(args):
    """The store of ``--url`` or ``$TVM_FFI_JIT_REMOTE_CACHE``; exits with a usage error
    when neither names one."""
    from .remote_store import URL_VARIABLE, open_store

    url = args.url or os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        args.parser.error(f"no remote cache: set {URL_VARIABLE} or pass --url URL")
    try:
        return open_store(url)
    except ValueError as err:
        args.parser.error(str(err))


@contextmanager
def _naming(store):
    """Store errors name the (redacted) store they came from."""
    from .remote_store import StoreError

    try:
        yield
    except StoreError as err:
        raise StoreError(f"remote cache {store.url}: {err}") from None


def _list_remote(args) -> int:
    from . import remote_admin

    store = _remote_store(args)
    with _naming(store):
        return _print_remote(remote_admin.listing(store), store)


def _print_remote(records, store) -> int:
    if not records:
        print(f"the remote cache is empty ({store.url})")
        return 0
    rows = [("NAME", "KEY", "SIZE", "UPLOADED", "BY")]
    rows += [
        (r.name, r.key[:16], format_size(r.size), _format_time(r.time), r.host) for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    total = sum(r.size for r in records)
    print(f"{_entries(len(records))}, {format_size(total)} in {store.url}")
    return 0


def _push(args) -> int:
    from . import remote_admin

    store = _remote_store(args)
    with _naming(store):
        pushed = remote_admin.push(_own_root(), store, args.name)
    for name, key, size in pushed:
        print(f"pushed {name} {key[:16]} ({format_size(size)})")
    print(f"pushed {_entries(len(pushed))} to {store.url}")
    return 0


def _pull(args) -> int:
    from . import remote_admin

    store = _remote_store(args)
    root = _own_root()
    with _naming(store):
        pulled = remote_admin.pull(root, store, args.name)
    for record in pulled:
        print(f"pulled {record.name} {record.key[:16]} ({format_size(record.size)})")
    print(f"pulled {_entries(len(pulled))} from {store.url} into {root}")
    return 0


def _list(args) -> int:
    if args.remote:
        return _list_remote(args)
    root = cache.cache_root()
    entries = cache_admin.scan(root)
    if not entries:
        print(f"the cache is empty ({root})")
        return 0
    _print_table(entries)
    total = sum(e.size for e in entries)
    print(f"{_entries(len(entries))}, {format_size(total)} in {root}")
    return 0


def _report(removed, in_use, dry_run: bool) -> int:
    verb = "would remove" if dry_run else "removed"
    for entry in removed:
        print(f"{verb} {entry.name} {entry.key[:16]} ({format_size(entry.size)})")
    for entry in in_use:
        print(f"kept {entry.name} {entry.key[:16]}: another process is building or holds it")
    freed = sum(e.size for e in removed)
    print(f"{verb} {_entries(len(removed))}, {format_size(freed)}; {len(in_use)} in use")
    return 0


def _own_root() -> str:
    """The cache root, refused (PermissionError) if it is not private to this user."""
    root = cache.cache_root()
    if os.path.lexists(root):
        cache.check_permissions(root, os.stat(root))
    return root


def _clean(args) -> int:
    removed, in_use = cache_admin.clean(_own_root(), args.name, dry_run=args.dry_run)
    if args.name is not None and not removed and not in_use:
        print(f"no cache entry for module {args.name!r}")
        return 0
    return _report(removed, in_use, args.dry_run)


def _prune(args) -> int:
    if args.max_size is None and args.older_than is None:
        args.parser.error("prune needs --max-size SIZE and/or --older-than AGE")
    removed, in_use = cache_admin.prune(
        _own_root(), args.max_size, args.older_than, dry_run=args.dry_run
    )
    return _report(removed, in_use, args.dry_run)


def _url_option(parser) -> None:
    parser.add_argument(
        "--url", metavar="URL", help="the remote cache (default: $TVM_FFI_JIT_REMOTE_CACHE)"
    )


def add_parser(subparsers) -> None:
    """Adds ``cache`` and its subcommands to the top-level command line."""
    parser = subparsers.add_parser(
        "cache",
        help="inspect or trim the JIT cache",
        description="Inspect or trim the JIT cache ($TVM_FFI_JIT_CACHE_DIR, else "
        "$TVM_FFI_CACHE_DIR, else ~/.cache/tvm_ffi_jit). Entries another process is "
        "building are never removed.",
    )
    commands = parser.add_subparsers(dest="cache_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="show entries: name, key, size, last used")
    listing.add_argument(
        "--remote", action="store_true", help="list the remote cache ($TVM_FFI_JIT_REMOTE_CACHE)"
    )
    _url_option(listing)
    listing.set_defaults(run=_list, parser=listing)

    push = commands.add_parser("push", help="upload the cache's libraries to the remote cache")
    push.add_argument("name", nargs="?", metavar="NAME", help="only this module's libraries")
    _url_option(push)
    push.set_defaults(run=_push, parser=push)

    pull = commands.add_parser(
        "pull", help="download the remote cache's libraries for later loads on this node"
    )
    pull.add_argument("name", nargs="?", metavar="NAME", help="only this module's libraries")
    _url_option(pull)
    pull.set_defaults(run=_pull, parser=pull)

    clean = commands.add_parser("clean", help="remove all entries, or those of module NAME")
    clean.add_argument("name", nargs="?", metavar="NAME", help="only this module's entries")
    clean.add_argument("--dry-run", action="store_true", help="only show what would go")
    clean.set_defaults(run=_clean)

    prune = commands.add_parser(
        "prune",
        help="remove entries unused for AGE, then the least recently used beyond SIZE",
    )
    prune.add_argument(
        "--max-size", type=parse_size, metavar="SIZE", help="keep at most SIZE, e.g. 2G"
    )
    prune.add_argument(
        "--older-than", type=parse_age, metavar="AGE", help="remove entries unused for AGE, e.g. 7d"
    )
    prune.add_argument("--dry-run", action="store_true", help="only show what would go")
    prune.set_defaults(run=_prune, parser=prune)
