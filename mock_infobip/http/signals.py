"""What the app asks of whoever serves it (the server in ``serving/``, or the in-process wire in
``inprocess/``), beyond WSGI: keys of the environ it reads, and the exceptions it raises instead of
an answer. Both are BaseExceptions, so that the dispatch's ``except Exception`` lets them through.
"""

from __future__ import annotations

from collections.abc import Callable

from mock_infobip.core.faults import Fault

# environ: whoever serves this request must not wait in the app (the server's event loop, or an
# in-process call made with a timeout): a fault's latency is raised as :class:`Hold` instead
NO_WAIT = "mock_infobip.no_wait"
# environ: the fault this request took when it was first begun (given again with the request
# after its latency was waited out elsewhere)
PRESET_FAULT = "mock_infobip.fault"
# environ: the server writes this request's journal entry with the others of its loop's turn,
# before any of their answers leaves (``Journal.flush``)
JOURNAL_LATER = "mock_infobip.journal_later"
# environ: the preset fault's latency has been waited out already
LATENCY_DONE = "mock_infobip.latency_done"
# environ: the client hung up (or stopped waiting) while the preset fault's latency held its
# request: the app journals it with status 0, as a dropped connection, and raises DropConnection
CLIENT_GONE = "mock_infobip.client_gone"


class Hold(BaseException):
    """A fault's latency would hold a request served where nothing may wait (``NO_WAIT``): before
    anything is answered or changed (but the fault's own count), whoever serves it waits out
    ``fault.latency_ms`` (ended early when faults are deleted, see
    :meth:`mock_infobip.core.faults.FaultRules.mark`) and serves the request again with
    ``PRESET_FAULT`` and ``LATENCY_DONE`` set; or, if its client is gone first, with
    ``PRESET_FAULT`` and ``CLIENT_GONE``. ``wait_out(limit)`` waits on this thread for at most
    ``limit`` seconds: True once the latency is over (or released), False at the limit."""

    def __init__(self, fault: Fault, wait_out: Callable[[float], bool]) -> None:
        super().__init__(fault)
        self.fault = fault
        self.wait_out = wait_out


# environ: whoever serves this request can serve it again later holding no thread (the server): a
# request that waits for something (``GET /__admin/messages?wait=``) raises :class:`Again`
AGAIN = "mock_infobip.again"
# environ: when (``system.wall.elapsed``) a request served again stops waiting
WAIT_UNTIL = "mock_infobip.wait_until"


class Again(BaseException):
    """Serve this request again in ``seconds`` (with the same environ), holding nothing meanwhile:
    the server waits on its event loop; a client gone meanwhile ends it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


# environ: whoever serves this request can stream its answer holding no thread (the server): a
# stream of events (``GET /dashboard/events``) raises :class:`Stream`
STREAM = "mock_infobip.stream"


class Stream(BaseException):
    """Answer 200 with ``headers`` and ``first`` now, and keep answering: every ``every`` seconds
    ``more()`` is called (on the request's lane) and the bytes it gives are sent (none: nothing is
    sent), until it gives None, the client hangs up or the server stops. Nothing is held between
    two calls; the answer's body goes in chunks (``Transfer-Encoding: chunked``)."""

    def __init__(
        self,
        headers: list[tuple[str, str]],
        first: bytes,
        more: Callable[[], bytes | None],
        every: float,
    ) -> None:
        super().__init__(every)
        self.headers = headers
        self.first = first
        self.more = more
        self.every = every


class DropConnection(BaseException):
    """A fault: close the connection without an answer."""
