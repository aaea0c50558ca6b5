"""The ``mock-infobip`` command. Errors are one line on stderr and a non-zero exit, never a
traceback; a bad flag or setting exits with 2."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from mock_infobip.clients.events import UnusableEventStore
from mock_infobip.core.about import VERSION as __version__
from mock_infobip.core.settings import ENV_PREFIX, SettingsError, describe_settings, from_sources
from mock_infobip.storage import locator
from mock_infobip.storage.sqlite import UnusableDatabase
from mock_infobip.system.net import PortInUse

PROG = "mock-infobip"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """A local fake of Infobip's APIs: lists (Amplitude's cohort sync), SMS and MMS both ways
    (statuses, delivery reports, inbound), 2FA PINs, OAuth and IBSSO."""


# flag -> (setting, metavar, help): every flag of serve is a setting (see `mock-infobip settings`)
SERVE_FLAGS = [
    ("--host", "host", "ADDRESS", "Address to listen on (default 127.0.0.1)."),
    ("--port", "port", "INTEGER", "Port (default 8080; 0 picks a free port and prints it)."),
    (
        "--db",
        "db",
        "PATH|URL",
        "SQLite file (default ./mock-infobip.db, or :memory:), or a postgresql:// URL (DATABASE_URL).",
    ),
    ("--clock", "clock", "real|manual", "real (default) or manual."),
    ("--start", "start", "ISO-8601", "Instant the clock starts at (manual, or a running offset)."),
    ("--speed", "speed", "FLOAT", "How many times faster than real time a real clock runs (default 1)."),
    ("--seed", "seed", "INTEGER", "Seed of the one random source (default: stored on first start)."),
    (
        "--admin-token",
        "admin_token",
        "TOKEN",
        "Token the admin API and dashboard actions need (needed off loopback).",
    ),
    (
        "--workers",
        "workers",
        "INTEGER",
        "Processes serving the port (default 0: one a core; 1 with --db :memory:).",
    ),
    (
        "--threads",
        "threads",
        "INTEGER",
        "Threads a worker for Infobip requests with bodies over 64 KiB (default 4).",
    ),
    ("--access-log", "access_log", "off|combined|json", "A line per request on stderr (default off)."),
]


def _settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(flag, name, metavar=metavar, help=f"{text} [env: {ENV_PREFIX}{name.upper()}]")
        for flag, name, metavar, text in SERVE_FLAGS
    ]
    options.insert(
        2,
        click.option(
            "--api-key",
            "api_keys",
            multiple=True,
            metavar="KEY",
            help=f"API key of the default account (repeatable; none: one is generated). "
            f"[env: {ENV_PREFIX}API_KEYS]",
        ),
    )
    options.append(
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="TOML file with any setting by name. [env: MOCK_INFOBIP_CONFIG]",
        )
    )
    for option in reversed(options):
        func = option(func)
    return func


def load_settings(flags: dict[str, Any]) -> Any:
    config_file = flags.pop("config_file", None) or os.environ.get("MOCK_INFOBIP_CONFIG") or None
    if not flags.get("api_keys"):
        flags.pop("api_keys", None)
    return from_sources(flags=flags, environ=os.environ, config_file=config_file)


@cli.command()
@_settings_options
def serve(**flags: Any) -> None:
    """Run the fake until Ctrl-C or SIGTERM."""
    from mock_infobip.serving.command import run

    run(load_settings(flags))


@cli.command("settings")
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="TOML file, as serve reads it."
)
def settings_command(config_file: str | None) -> None:
    """Every setting: type, default, flag, environment variable and TOML name, and the value serve
    would use here (from the environment and the config file)."""
    current = load_settings({"config_file": config_file})
    flags = {name: flag for flag, name, _, _ in SERVE_FLAGS} | {"api_keys": "--api-key"}
    head = ("setting (TOML)", "type", "default", "flag", "environment", "value", "what it does")
    rows: list[tuple[str, ...]] = [head]
    for found in describe_settings(current):
        name = found["name"]
        rows.append(
            (
                name,
                found["type"],
                found["default"],
                flags.get(name, ""),
                found["env"],
                found["value"],
                found["what"],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@cli.command("test-numbers")
def test_numbers_command() -> None:
    """The test numbers (+1 202 555 0100 to 0199): what sending to each does (docs/test-numbers.md).
    On unless the setting test_numbers is off; an outcome rule for a number wins over it."""
    from mock_infobip.channels.sms.testnumbers import describe

    rows = [("number", "final status", "report after", "reply", "what it does")]
    for entry in describe():
        delay = entry["reportDelaySeconds"]
        rows.append(
            (
                str(entry["number"]),
                str(entry["status"] or "-"),
                "-" if delay is None else f"{delay:g} s",
                str(entry["reply"] or "-"),
                str(entry["description"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))


def with_scheme(base_url: str) -> str:
    """``--base-url`` as ``check`` needs it: http(s) and a host. One without a scheme is refused
    with the URL it probably means (guessing a scheme could probe the wrong service)."""
    scheme, sep, rest = base_url.partition("://")
    if not sep:
        raise click.BadParameter(f"{base_url!r} has no scheme: did you mean 'http://{base_url}'?")
    if scheme.lower() not in ("http", "https") or not rest.strip("/"):
        raise click.BadParameter(f"{base_url!r} is not an http:// or https:// URL with a host")
    return base_url


@cli.command()
@click.option(
    "--base-url",
    required=True,
    callback=lambda ctx, param, value: with_scheme(value),
    help="The implementation to check, with its scheme: the fake (http://127.0.0.1:8080), or Infobip.",
)
@click.option("--api-key", required=True)
@click.option(
    "--junit", "junit_file", type=click.Path(dir_okay=False), help="Write the results as JUnit XML."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of text.")
@click.option(
    "--send-sms", is_flag=True, help="Also send one SMS (v2 and v3) to Infobip's documented test number."
)
@click.option(
    "--speed",
    type=click.FloatRange(min=1),
    default=1.0,
    show_default=True,
    help="The target's clock runs N times faster (a fake started with --speed N): waits are divided by N.",
)
@click.pass_context
def check(
    ctx: click.Context,
    base_url: str,
    api_key: str,
    junit_file: str | None,
    as_json: bool,
    send_sms: bool,
    speed: float,
) -> None:
    """Contract probes of every lists operation and documented error, SMS send, reports and logs,
    paced to the documented rate limits; exits 1 on any drift."""
    from mock_infobip.tools.check import Checker, KeyRejected, junit, line, totals

    def report(probe: Any) -> None:  # each probe's lines as it finishes (click.echo flushes)
        if not as_json:
            click.echo(line(probe))

    checker = Checker(base_url, api_key, send_sms=send_sms, speed=speed, on_probe=report)
    unreachable = checker.reachable()
    if unreachable is not None:
        click.echo(f"mock-infobip: error: {unreachable}", err=True)
        ctx.exit(2)
    try:
        probes = checker.run()
    except KeyRejected as rejected:
        click.echo(f"mock-infobip: error: {rejected}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps({"baseUrl": base_url, "probes": [p.wire() for p in probes]}, indent=2))
    else:
        click.echo(totals(probes))
    if junit_file:
        with open(junit_file, "wb") as out:
            out.write(junit(probes, base_url))
    if not all(probe.ok for probe in probes):
        ctx.exit(1)


@cli.command()
@click.option("--db", help="The database serve uses (a file or a postgresql:// URL; default: serve's).")
@click.option("--accounts", type=click.IntRange(1, 1000), default=2, show_default=True)
@click.option("--lists", "lists_", type=click.IntRange(0, 10_000), default=6, show_default=True)
@click.option(
    "--members",
    type=click.IntRange(1, 1_000_000),
    default=300,
    show_default=True,
    help="Members of a list at most.",
)
@click.option("--messages", type=click.IntRange(0, 10_000_000), default=3000, show_default=True)
@click.option("--seed", type=int, help="Seed of the demo data (default: the database's seed).")
def seed(db: str | None, accounts: int, lists_: int, members: int, messages: int, seed: int | None) -> None:
    """Fill a database with realistic demo data (re-running adds more)."""
    try:
        import faker  # noqa: F401
    except ImportError:
        raise click.ClickException("the seed command needs Faker: pip install 'mock-infobip[demo]'") from None
    from mock_infobip.runtime import Runtime
    from mock_infobip.tools.seed import seed as make

    runtime = Runtime(load_settings({"db": db}))
    try:
        with click.progressbar(length=lists_ + messages, label="seeding", file=sys.stderr) as bar:
            summary = make(
                runtime,
                accounts=accounts,
                lists=lists_,
                members=members,
                messages=messages,
                seed=seed,
                progress=bar.update,
            )
    finally:
        runtime.close()
    click.echo(
        f"{plural(accounts, 'account')} ({summary.accounts} new), added {plural(summary.lists, 'list')} with "
        f"{plural(summary.members, 'member')}, "
        f"{plural(summary.messages, 'message')}, {plural(summary.replies, 'handset')} that answer, "
        f"{plural(summary.refusals, 'refused request')}, to {locator.shown(runtime.settings.db)}"
    )


@cli.group()
def db() -> None:
    """The database's schema."""


@db.command("upgrade")
@click.option("--db", "path", help="The database to upgrade (file or postgresql:// URL; default: serve's).")
def db_upgrade(path: str | None) -> None:
    """Bring a database made by an older mock-infobip to this one's schema (serve does it at start;
    a database of a newer mock-infobip is refused, exit 2, and left as it is)."""
    from mock_infobip.storage.engines import open_store
    from mock_infobip.storage.locator import is_postgres
    from mock_infobip.storage.migrations import SCHEMA_VERSION

    path = load_settings({"db": path}).db
    if not is_postgres(path) and not Path(path).exists():
        raise click.ClickException(f"no database at {path}")
    store = open_store(path)
    path = locator.shown(path)
    try:
        before, now = store.upgraded
    finally:
        store.close()
    if before is None:
        click.echo(f"{path}: a new database, made at schema version {now}")
    elif before == now:
        click.echo(f"{path}: schema version {SCHEMA_VERSION}, nothing to do")
    else:
        click.echo(f"{path}: upgraded from schema version {before} to {now}")


@cli.command("admin-token")
@click.option("--db", "path", help="The database serve uses (file or postgresql:// URL; default: serve's).")
def admin_token(path: str | None) -> None:
    """Print the admin token serve uses: the one given (--admin-token, MOCK_INFOBIP_ADMIN_TOKEN),
    else the one it generated for the database when it listened off loopback with none given."""
    from mock_infobip.runtime import ADMIN_TOKEN_META
    from mock_infobip.storage.engines import open_store
    from mock_infobip.storage.locator import is_postgres

    settings = load_settings({"db": path})
    if settings.admin_token:
        click.echo(settings.admin_token)
        return
    if not is_postgres(settings.db) and not Path(settings.db).exists():
        raise click.ClickException(f"no database at {settings.db}")
    store = open_store(settings.db)
    try:
        token = store.get_meta(ADMIN_TOKEN_META)
    finally:
        store.close()
    if token is None:
        raise click.ClickException(
            f"no admin token generated for {locator.shown(settings.db)}: serve generates one when it listens "
            "off loopback with none given"
        )
    click.echo(token)


@cli.command()
@click.option(
    "--url",
    help="The health check's URL (default: serve's port on this machine, from the same settings).",
)
@click.option("--timeout", default=3.0, show_default=True, help="Seconds to wait for the answer.")
def health(url: str | None, timeout: float) -> None:
    """Exit 0 if the fake on this machine answers its health check (a container's HEALTHCHECK, a
    compose healthcheck); else one line saying why and exit 1. Needs no token."""
    import urllib.request

    from mock_infobip.http.paths import HEALTH_PATH

    if url is None:
        settings = load_settings({})
        wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1", "": "127.0.0.1"}
        host = wildcard.get(settings.host, settings.host).strip("[]")
        url = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}{HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = json.loads(answer.read())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{url}: {getattr(exc, 'reason', None) or exc}") from None
    if body.get("status") != "ok":
        raise click.ClickException(f"{url}: {body}")
    click.echo(f"ok: {body.get('database')}, scheduler {body.get('scheduler')}")


@cli.command()
def openapi() -> None:
    """Print the fake's OpenAPI 3.1 document (built from contracts/)."""
    from mock_infobip.http.openapi import document

    click.echo(json.dumps(document(), indent=2))


def read_members(path: str, column: str | None) -> list[str]:
    """Identifiers one per line, or a CSV column (by ``column``, else the first) when the file is
    ``.csv`` or a column is named."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        if column is None and not path.lower().endswith(".csv"):
            return [line.strip() for line in handle if line.strip()]
        rows = csv.reader(handle)
        header = next(rows, [])
        if column is not None and column not in header:
            raise click.UsageError(f"--column {column!r} is not in the CSV header {header}")
        index = header.index(column) if column is not None else 0
        return [row[index].strip() for row in rows if len(row) > index and row[index].strip()]


@cli.command()
@click.option("--base-url", required=True, help="Infobip base URL (or the fake's).")
@click.option("--api-key", required=True, help="API key of the Infobip destination.")
@click.option("--cohort-id", required=True)
@click.option("--cohort-name", required=True)
@click.option(
    "--members",
    "members_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Identifiers one per line, or a CSV file.",
)
@click.option("--column", help="CSV column with the identifiers (default: the first).")
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="JSON file with the list id and last synced membership of each cohort.",
)
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=1000, show_default=True)
@click.option("--auth", type=click.Choice(["app", "basic"]), default="app", show_default=True)
@click.option(
    "--on-list-deleted", type=click.Choice(["recreate", "fail"]), default="recreate", show_default=True
)
@click.pass_context
def sync(
    ctx: click.Context,
    base_url: str,
    api_key: str,
    cohort_id: str,
    cohort_name: str,
    members_file: str,
    column: str | None,
    state_path: str,
    batch_size: int,
    auth: str,
    on_list_deleted: str,
) -> None:
    """Sync a cohort to an Infobip list as Amplitude does; the report as JSON on stdout."""
    from mock_infobip.clients.cohort_sync import CohortSyncClient

    members = read_members(members_file, column)
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and sys.stderr.isatty():
            bar = click.progressbar(length=total, label="syncing", file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    client = CohortSyncClient(
        base_url,
        api_key,
        state_path=state_path,
        batch_size=batch_size,
        auth=auth,
        on_list_deleted=on_list_deleted,
        progress=progress,
        on_retry=lambda operation, number, problem, wait: click.echo(
            f"sync: {operation} failed ({problem}); retry {number} of 8 in {wait:.1f} s", err=True
        ),
    )
    try:
        report = client.sync(cohort_id, cohort_name, members)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(json.dumps(report.to_json(), indent=2))
    counts = (
        f"{report.added:,} added, {report.removed:,} removed, {plural(report.requests, 'request')}, "
        f"{report.retries:,} {'retry' if report.retries == 1 else 'retries'}, "
        f"waited {report.waited_seconds:.1f} s"
    )
    click.echo(f"sync: {report.status}: {counts}" + (f"; {report.error}" if report.error else ""), err=True)
    if report.status != "succeeded":
        ctx.exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8081, show_default=True)
@click.option("--db", default="./receiver.db", show_default=True, help="SQLite file of the events.")
def receiver(host: str, port: int, db: str) -> None:
    """Run the delivery-report receiver (POST /dlr, GET /events) until Ctrl-C or SIGTERM."""
    from mock_infobip.clients.receiver import create_receiver_app
    from mock_infobip.serving.assembly import Stopper, base_url, serve_until_stopped
    from mock_infobip.serving.server import Limits, Server, listening_socket

    stopper = Stopper()
    with stopper.installed():
        app = create_receiver_app(db)
        server = Server(app, [listening_socket(host, port)], Limits(), ident="mock-infobip-receiver")
        where = f"{base_url(host, server.port)} (POST /dlr, POST /inbound, GET /events)"
        click.echo(f"receiver listening on {where}, events in {db}")
        serve_until_stopped(server, stopper)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        print(f"{PROG}: aborted", file=sys.stderr)
        sys.exit(130)
    except click.ClickException as exc:
        print(f"{PROG}: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except (SettingsError, UnusableDatabase, UnusableEventStore, PortInUse) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(f"{PROG}: error: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
