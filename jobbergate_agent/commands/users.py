"""`jg-run users`: ask the user mapper, and inspect or clear its cache.

Exit codes: 0 done; 1 the email cannot be mapped (a submission would be rejected) or nothing to
forget; 2 configuration error (from cli.main, or the directory refused the agent's bind);
3 the directory could not be asked (a submission would stay pending).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobbergate_agent.user_mapper.cache import UserCache

EXIT_UNMAPPABLE = 1
EXIT_CONFIGURATION = 2
EXIT_UNAVAILABLE = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "users", help="map an email to a Slurm user; list or clear the mapper's cache"
    )
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    lookup = actions.add_parser("lookup", help="show the username an email maps to, and whence")
    lookup.add_argument("email")
    lookup.add_argument(
        "--no-cache", action="store_true", help="ask the directory even if the cache knows"
    )
    lookup.set_defaults(func=_lookup)

    listing = actions.add_parser("list", help="list the cached mappings")
    listing.set_defaults(func=_list)

    forget = actions.add_parser("forget", help="drop cached mappings so they are asked again")
    target = forget.add_mutually_exclusive_group(required=True)
    target.add_argument("email", nargs="?")
    target.add_argument("--all", action="store_true", help="drop every cached mapping")
    forget.set_defaults(func=_forget)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


async def _lookup(args: argparse.Namespace) -> int:
    from jobbergate_agent.settings import load_settings
    from jobbergate_agent.user_mapper import (
        DirectoryConfigurationError,
        DirectoryUnavailableError,
        UnmappableUserError,
        build_user_mapper,
    )
    from jobbergate_agent.user_mapper.ldap import LDAPCachedMapper

    mapper = build_user_mapper(load_settings())
    try:
        started = time.perf_counter()
        if isinstance(mapper, LDAPCachedMapper):
            result = await mapper.lookup(args.email, use_cache=not args.no_cache)
        else:
            result = await mapper.lookup(args.email)
        elapsed_ms = (time.perf_counter() - started) * 1000
    except UnmappableUserError as error:
        print(f"not mappable: {error}", file=sys.stderr)
        return EXIT_UNMAPPABLE
    except DirectoryConfigurationError as error:
        print(f"jg-run: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except DirectoryUnavailableError as error:
        print(f"directory unavailable: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        await mapper.aclose()
    print(f"{result.email} -> {result.username}")
    print(f"  from: {result.source} ({elapsed_ms:.1f} ms)")
    if result.detail:
        print(f"  {result.detail}")
    return 0


def _open_cache() -> tuple[UserCache | None, Path]:
    from jobbergate_agent.settings import load_settings
    from jobbergate_agent.user_mapper.cache import UserCache, cache_path

    settings = load_settings()
    path = cache_path(settings.CACHE_DIR)
    if not path.exists():
        return None, path
    cache = UserCache(
        path,
        ttl_seconds=settings.LDAP_CACHE_TTL_SECONDS,
        negative_ttl_seconds=settings.LDAP_NEGATIVE_CACHE_TTL_SECONDS,
    )
    return cache, path


async def _list(args: argparse.Namespace) -> int:
    cache, path = await asyncio.to_thread(_open_cache)
    if cache is None:
        print(f"no cache yet at {path} (the ldap-cached-mapper creates it)")
        return 0
    try:
        entries = await asyncio.to_thread(cache.entries)
    finally:
        cache.close()
    now = time.time()
    print(f"{len(entries)} cached mapping(s) in {path}")
    if not entries:
        return 0
    width = max(len(entry.email) for entry in entries)
    for entry in entries:
        answer = entry.username if entry.username is not None else "(no account)"
        state = "fresh" if entry.fresh(now) else "expired"
        print(
            f"{entry.email:<{width}}  {answer:<16}  {state:<7}  fetched {_when(entry.fetched_at)}"
            f"  expires {_when(entry.expires_at)}"
        )
        if entry.reason:
            print(f"{'':<{width}}  why: {entry.reason}")
    return 0


async def _forget(args: argparse.Namespace) -> int:
    cache, path = await asyncio.to_thread(_open_cache)
    if cache is None:
        print(f"no cache at {path}; nothing to forget")
        return 0 if args.all else EXIT_UNMAPPABLE
    try:
        if args.all:
            count = await asyncio.to_thread(cache.forget_all)
            print(f"forgot {count} cached mapping(s)")
            return 0
        if await asyncio.to_thread(cache.forget, args.email):
            print(f"forgot {args.email.strip().lower()}; the next lookup asks the directory")
            return 0
        print(f"{args.email} is not in the cache", file=sys.stderr)
        return EXIT_UNMAPPABLE
    finally:
        cache.close()
