"""``mock-infobip serve``: one process, or ``--workers`` processes on one port."""

from __future__ import annotations

import sys
from typing import TextIO

from mock_infobip.core.settings import Settings
from mock_infobip.runtime import Runtime
from mock_infobip.serving.assembly import (
    Stopper,
    banner,
    base_url,
    create_server,
    serve_until_stopped,
)
from mock_infobip.serving.workers import run_workers, worker_count


def run(settings: Settings, out: TextIO = sys.stdout) -> None:
    """Serve until Ctrl-C or SIGTERM; everything acknowledged is in the store by then."""
    stopper = Stopper()
    with stopper.installed():
        count = worker_count(settings)
        if count > 1:
            run_workers(settings, count, out, stopper)
        else:
            _serve(settings, out, stopper)
    print("mock-infobip stopped", file=out, flush=True)


def _serve(settings: Settings, out: TextIO, stopper: Stopper) -> None:
    runtime = Runtime(settings)
    try:
        server = create_server(runtime)
        runtime.start_worker()
        print(banner(runtime, base_url(settings.host, server.port)), file=out, flush=True)
        serve_until_stopped(server, stopper)
    finally:
        runtime.close()
