"""What the state machines share: the fake in process and the marketing platform's receiver behind
a switch that takes it down (503) and up again."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mock_infobip.clients.receiver import create_receiver_app
from mock_infobip.testing import Fake


class Platform:
    def __init__(self, **fake_settings: Any) -> None:
        self.fake = Fake(**fake_settings)
        self.infobip = self.fake.__enter__()
        self.folder = tempfile.TemporaryDirectory()
        self.receiver = create_receiver_app(str(Path(self.folder.name) / "events.db"))
        self.events = self.receiver.extensions["events"]
        self.down = False
        self.url = self.infobip.add_receiver(self._outage(self.receiver), "http://crm.test")

    def _outage(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if self.down:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            return app(environ, start_response)

        return wsgi

    def close(self) -> None:
        self.fake.__exit__(None, None, None)
        self.events.close()
        self.folder.cleanup()
