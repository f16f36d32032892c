"""`agent-monitor silence add|list|expire`: silences that suppress alert notifications."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from agent_monitor.cli import CommandError
from agent_monitor.lib.alert_store.silences import add_silence, expire_silence, list_silences
from agent_monitor.lib.warehouse.open import open_warehouse

DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "silence", help="silence alert notifications for a rule and agent until a time",
        description="Add, list and expire silences. A silenced alert is recorded, not sent.",
    )
    commands = parser.add_subparsers(dest="silence_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="add a silence")
    add.add_argument("--rule", default="*", help="rule name or glob (default *: every rule)")
    add.add_argument("--agent", default="*", help="agent ID or glob (default *: every agent)")
    until = add.add_mutually_exclusive_group(required=True)
    until.add_argument("--until", help="end time in UTC, e.g. 2026-01-05T12:00Z")
    until.add_argument("--for", dest="duration", help="duration from now: 30m, 2h, 1d, 1w")
    add.add_argument("--reason", required=True)
    add.add_argument("--author", required=True)
    add.set_defaults(func=run_add)
    listing = commands.add_parser("list", help="list silences (active first)")
    listing.add_argument("--all", action="store_true", help="include ended silences")
    listing.set_defaults(func=run_list)
    expire = commands.add_parser("expire", help="end a silence now")
    expire.add_argument("silence_id", metavar="ID")
    expire.set_defaults(func=run_expire)
    for sub in (add, listing, expire):
        sub.add_argument("--database-url", help=(
            "warehouse URL (default: AGENT_MONITOR_DATABASE_URL or embedded SQLite)"))


def utc_now() -> datetime:
    """The current time as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def parse_until(text: str) -> datetime:
    """An ISO time (`Z` or an offset; naive means UTC) as naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--until: not a time: {text!r} (e.g. 2026-01-05T12:00Z)") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def parse_duration(text: str) -> timedelta:
    """`30m`, `2h`, `1.5d`, `1w` as a timedelta."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise CommandError(f"--for: not a duration: {text!r} (e.g. 30m, 2h, 1d, 1w)")
    return timedelta(seconds=float(match.group(1)) * UNIT_SECONDS[match.group(2)])


def _engine(args: argparse.Namespace) -> Engine:
    return open_warehouse(args.database_url)


def check_rule(pattern: str) -> None:
    """A rule name must be a rule of the catalogue; a glob must match at least one."""
    import difflib
    import fnmatch

    from agent_monitor.lib.alerting.catalogue import CATALOGUE

    names = sorted(CATALOGUE)
    if any(fnmatch.fnmatchcase(name, pattern) for name in names):
        return
    close = difflib.get_close_matches(pattern, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "rules: " + ", ".join(names)
    raise CommandError(f"--rule {pattern!r} matches no alert rule; {hint}")


def run_add(args: argparse.Namespace) -> int:
    check_rule(args.rule)
    now = utc_now()
    ends_at = parse_until(args.until) if args.until else now + parse_duration(args.duration)
    if ends_at <= now:
        raise CommandError(f"the silence would end at {ends_at:%Y-%m-%d %H:%M} UTC, in the past")
    if not args.reason.strip() or not args.author.strip():
        raise CommandError("--reason and --author must not be empty")
    engine = _engine(args)
    with engine.begin() as connection:
        silence = add_silence(connection, rule=args.rule, agent=args.agent, ends_at=ends_at,
                              reason=args.reason, author=args.author, now=now)
    engine.dispose()
    print(f"silence {silence.silence_id}: rule {silence.rule}, agent {silence.agent}, "
          f"until {ends_at:%Y-%m-%d %H:%M} UTC ({args.author}: {args.reason})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    now = utc_now()
    engine = _engine(args)
    with engine.connect() as connection:
        records = list_silences(connection)
    engine.dispose()
    shown = sorted((r for r in records if args.all or r.active(now)),
                   key=lambda r: (not r.active(now), r.silence.ends_at))
    if not shown:
        print("no active silences" if not args.all else "no silences")
        return 0
    print(f"{'id':<12}  {'state':<7}  {'rule':<26}  {'agent':<16}  "
          f"{'until (UTC)':<16}  author: reason")
    for record in shown:
        s = record.silence
        state = "active" if record.active(now) else ("expired" if record.expired_at else "ended")
        if s.starts_at is not None and s.starts_at > now:
            state = "future"
        print(f"{s.silence_id:<12}  {state:<7}  {s.rule:<26}  {s.agent:<16}  "
              f"{s.ends_at:%Y-%m-%d %H:%M}  {s.author}: {s.reason}")
    return 0


def run_expire(args: argparse.Namespace) -> int:
    engine = _engine(args)
    with engine.begin() as connection:
        ended = expire_silence(connection, args.silence_id, utc_now())
    engine.dispose()
    if not ended:
        raise CommandError(f"no running silence with id {args.silence_id!r}")
    print(f"silence {args.silence_id} expired")
    return 0
