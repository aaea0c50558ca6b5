"""The live dashboard's events (``GET /dashboard/events``, :mod:`mock_infobip.http.dashboard.live`):
what a stream says and when, on the server (holding no thread, across processes) and in process."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import requests

from mock_infobip.http.dashboard import live
from mock_infobip.runtime import Runtime
from mock_infobip.serving.assembly import BackgroundServer, create_server
from tests.conftest import make_settings
from tests.servers import serve, wait_until


def test_marks_read_and_written_back():
    assert live.parse("1.2.3.4.5.6") == (1, 2, 3, 4, 5, 6)
    assert live.text((1, 2, 3, 4, 5, 6)) == "1.2.3.4.5.6"
    for bad in ("", "1.2.3", "1.2.3.4.5.x", "1.2.3.4.5.-6", "1.2.3.4.5.6.7", "1.2.3.4.5." + "9" * 30):
        assert live.parse(bad) is None
    assert live.changed((1, 2, 3, 4, 5, 6), (2, 2, 3, 4, 5, 7)) == ["messages", "clock"]
    assert live.changed((1, 2, 3, 4, 5, 6), (1, 2, 3, 4, 5, 6)) == []
    assert live.changed(None, (0, 0, 0, 0, 0, 0)) == list(live.KINDS)
    assert live.changed((5, 0, 0, 0, 0, 0), (1, 0, 0, 0, 0, 0)) == ["messages"]  # after a reset too


class Marks:
    def __init__(self) -> None:
        self.marks = (1, 1, 0, 0, 1, 9)

    def now(self) -> tuple[int, ...]:
        return self.marks


def test_a_listener_tells_its_page_what_changed_and_else_only_that_it_is_there():
    marks, at = Marks(), [100.0]
    listener = live.Listener(marks, live.parse("1.1.0.0.1.9"), lambda: at[0])  # type: ignore[arg-type]
    assert listener.first() == b"retry: 1000\n\n"  # the page is as stored: nothing to say
    assert listener.look() == b""
    marks.marks = (2, 3, 0, 0, 2, 9)
    assert listener.look() == b"id: 2.3.0.0.2.9\nevent: change\ndata: messages statuses requests\n\n"
    assert listener.look() == b""  # said once
    at[0] += live.HEARTBEAT
    assert listener.look() == b": still here\n\n"
    assert listener.look() == b""
    older = live.Listener(marks, live.parse("1.1.0.0.1.9"), lambda: at[0])  # type: ignore[arg-type]
    assert older.first().endswith(b"data: messages statuses requests\n\n")  # a page drawn before
    unknown = live.Listener(marks, None, lambda: at[0])  # type: ignore[arg-type]
    assert unknown.first().endswith(b"id: 2.3.0.0.2.9\nevent: change\ndata: \n\n")


def test_a_process_reads_the_marks_at_most_once_in_a_while(tmp_path):
    runtime = Runtime(make_settings(db=str(tmp_path / "m.db")))
    at = [0.0]
    marks = live.LiveMarks(runtime.store, 0.2, lambda: at[0])
    try:
        first = marks.now()
        runtime.advance(60)
        assert marks.now() == first  # within 0.2 s: the same row
        at[0] += 0.2
        assert live.changed(first, marks.now()) == ["clock"]
    finally:
        runtime.close()


def events(response: requests.Response) -> Iterator[tuple[str, str]]:
    """(id, data) of each change event of a stream, as it comes."""
    ident = data = ""
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("id: "):
            ident = line[4:]
        elif line.startswith("data: ") or line == "data:":
            data = line[6:]
        elif line == "" and ident:
            yield ident, data
            ident = data = ""


def page_marks(html: str) -> str:
    found = re.search(r'data-live-marks="([0-9.]+)"', html)
    assert found is not None
    return found.group(1)


def send(base: str, text: str) -> None:
    body = {"messages": [{"destinations": [{"to": "41793026727"}], "text": text}]}
    answer = requests.post(
        base + "/sms/2/text/advanced", json=body, headers={"Authorization": "App k"}, timeout=30
    )
    assert answer.status_code == 200


@pytest.fixture
def served(tmp_path):
    runtime = Runtime(make_settings(db=str(tmp_path / "live.db"), api_keys=("k",), port=0, clock="real"))
    background = BackgroundServer(create_server(runtime)).start()
    try:
        yield background, f"http://127.0.0.1:{background.port}"
    finally:
        background.stop()
        runtime.close()


def test_streams_hold_no_thread_and_each_hears_of_a_new_message(served):
    """Five pages listening (more than the controls' 2 threads): pages and the API are answered
    meanwhile; each stream says the new message and its status came."""
    background, base = served
    since = page_marks(requests.get(base + "/dashboard/messages", timeout=10).text)
    streams = [
        requests.get(base + "/dashboard/events", params={"since": since}, stream=True, timeout=(10, 30))
        for _ in range(5)
    ]
    try:
        for stream in streams:
            assert stream.status_code == 200
            assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            assert stream.headers["Transfer-Encoding"] == "chunked"
        assert requests.get(base + "/dashboard/messages", timeout=10).status_code == 200
        send(base, "hello")
        told: list[str] = []
        lock = threading.Lock()

        def hear(stream: requests.Response) -> None:
            for _, data in events(stream):
                if "messages" in data.split():
                    with lock:
                        told.append(data)
                    return

        readers = [threading.Thread(target=hear, args=(s,)) for s in streams]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=30)
        assert len(told) == 5 and all({"messages", "statuses", "requests"} <= set(d.split()) for d in told)
    finally:
        for stream in streams:
            stream.close()
    assert wait_until(lambda: not background.server.connections)  # hung up: let go


def test_a_reconnecting_browser_is_told_what_it_missed(served):
    _, base = served
    since = page_marks(requests.get(base + "/", timeout=10).text)
    send(base, "meanwhile")
    with requests.get(
        base + "/dashboard/events",
        headers={"Last-Event-ID": since},
        params={"since": "0.0.0.0.0.0"},
        stream=True,
        timeout=(10, 30),
    ) as stream:
        ident, data = next(events(stream))
    assert "messages" in data.split() and ident != since and live.parse(ident) is not None


def test_a_stopping_server_ends_its_streams(tmp_path):
    runtime = Runtime(make_settings(db=str(tmp_path / "s.db"), port=0))
    background = BackgroundServer(create_server(runtime)).start()
    try:
        base = f"http://127.0.0.1:{background.port}"
        stream = requests.get(base + "/dashboard/events", stream=True, timeout=(10, 30))
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 1000"
        background.stop()  # waits for no stream: it is ended, not waited for
        rest = list(lines)  # the stream's last chunk came: no broken answer
        assert rest[:4] == ["", rest[1], "event: change", "data: "] and rest[1].startswith("id: ")
    finally:
        runtime.close()


def test_in_process_the_events_answer_once_and_the_browser_comes_back(tmp_path):
    from mock_infobip.http.app import create_app

    runtime = Runtime(make_settings(db=str(tmp_path / "p.db")))
    try:
        client = create_app(runtime).test_client()
        since = page_marks(client.get("/dashboard/messages").text)
        assert client.get("/dashboard/events", query_string={"since": since}).text == "retry: 1000\n\n"
        runtime.advance(60)
        answers: list[str] = []

        def told() -> bool:  # once this process's marks are read again (live.FRESH)
            answer = client.get("/dashboard/events", query_string={"since": since})
            assert answer.mimetype == "text/event-stream"
            answers.append(answer.text)
            return answer.text != "retry: 1000\n\n"

        assert wait_until(told)
        assert answers[-1].startswith("retry: 1000\n\nid: ") and answers[-1].endswith("data: clock\n\n")
    finally:
        runtime.close()


@pytest.mark.slow
def test_a_page_served_by_one_worker_hears_of_a_message_sent_through_another():
    """``serve --workers 2``: whichever process serves the stream, a send served by the other is
    heard (the marks are the database's)."""
    process = serve(env={"MOCK_INFOBIP_WORKERS": "2", "MOCK_INFOBIP_API_KEYS": "k"})
    try:
        base = process.base_url
        since = page_marks(requests.get(base + "/dashboard/messages", timeout=10).text)
        streams = [
            requests.get(base + "/dashboard/events", params={"since": since}, stream=True, timeout=(10, 30))
            for _ in range(4)
        ]
        for _ in range(4):
            send(base, "across")
        for stream in streams:
            _, data = next(events(stream))
            assert "messages" in data.split()
            stream.close()
    finally:
        process.stop()
