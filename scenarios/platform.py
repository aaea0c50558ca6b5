"""What the state machines share: the fake in process and the marketing platform's receiver behind
a switch that takes it down (503) and up again, and the rules that do that and move the clock."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hypothesis.stateful import RuleBasedStateMachine, rule

from mock_infobip.clients.receiver import create_receiver_app
from mock_infobip.testing import Fake
from scenarios.strategies import clock_steps


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


class PlatformMachine(RuleBasedStateMachine):
    """A state machine over the platform: the receiver goes down and up, the clock moves;
    ``moved()`` runs after the clock moved (a machine's model catches up there)."""

    fake_settings: dict[str, Any] = {}

    def __init__(self) -> None:
        super().__init__()
        self.platform = Platform(**self.fake_settings)
        self.infobip = self.platform.infobip
        self.events = self.platform.events

    def teardown(self) -> None:
        self.platform.close()

    def moved(self) -> None:
        pass

    @rule()
    def receiver_down(self) -> None:
        self.platform.down = True

    @rule()
    def receiver_up(self) -> None:
        self.platform.down = False

    @rule(seconds=clock_steps)
    def advance(self, seconds: float) -> None:
        self.infobip.clock.advance(seconds)
        self.moved()
