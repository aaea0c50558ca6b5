"""The ``mock-infobip`` command. Errors are one line on stderr and a non-zero exit, never a
traceback; a bad flag or setting exits with 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from mock_infobip import __version__
from mock_infobip.settings import SettingsError, from_sources

PROG = "mock-infobip"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """A local fake of Infobip's lists (Amplitude cohort sync) and SMS delivery-report APIs."""


def _settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--host", help="Address to listen on (default 127.0.0.1)."),
        click.option("--port", help="Port (default 8080; 0 picks a free port and prints it)."),
        click.option(
            "--api-key",
            "api_keys",
            multiple=True,
            help="API key of the default account (repeatable). With none, one is generated.",
        ),
        click.option("--db", help="SQLite database file (default ./mock-infobip.db, or :memory:)."),
        click.option("--clock", help="real (default) or manual."),
        click.option("--start", help="ISO-8601 instant the clock starts at (manual, or a running offset)."),
        click.option("--speed", help="How many times faster than real time a real clock runs."),
        click.option("--seed", help="Seed of the one random source."),
        click.option("--admin-token", help="Bearer token required by the admin API (needed off loopback)."),
        click.option("--threads", help="Waitress worker threads (default 4)."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="TOML file with any setting (MOCK_INFOBIP_CONFIG).",
        ),
    ]
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
    """Run the fake on waitress until Ctrl-C or SIGTERM."""
    from mock_infobip.serve import run

    run(load_settings(flags))


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        print(f"{PROG}: aborted", file=sys.stderr)
        sys.exit(130)
    except click.ClickException as exc:
        print(f"{PROG}: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except SettingsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(f"{PROG}: error: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
