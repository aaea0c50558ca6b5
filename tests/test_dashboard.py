"""The demo dashboard: pages, filters, the advance control, and a real browser (Debian's Chromium
driven by Playwright) watching a delivery report arrive."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from mock_infobip import fake, server
from mock_infobip.tools.seed import seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(
    os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "test-artifacts")
)


@pytest.fixture
def seeded():
    with fake() as infobip:
        seed(infobip.runtime, accounts=2, lists=3, members=40, messages=300, seed=1)
        yield infobip


def test_the_inbound_page_shows_numbers_replies_and_mms(seeded):
    seeded.handset("41793026727", "447491163443", "hello from a handset")
    seeded.runtime.inbound.receive(
        {
            "from": "41793026727",
            "to": "447491163443",
            "segments": [{"contentType": "text/plain", "value": "pic"}],
        }
    )
    page = requests.get(seeded.base_url + "/dashboard/inbound?number=447491163443").text
    assert "hello from a handset" in page and ">MMS<" in page
    assert page.count("/dashboard/messages/") >= 1  # replies link to the message they answer
    overview = requests.get(seeded.base_url + "/").text
    assert re.search(r'id="inbound-count">(\d+)<', overview).group(1) != "0"


PAGES = [  # every page, with filters and paging (tests/test_postgres_dashboard.py renders them too)
    "/",
    "/dashboard/lists",
    "/dashboard/lists/1?q=a",
    "/dashboard/messages",
    "/dashboard/messages?status=DELIVERED&country=CH",
    "/dashboard/messages?noreports=1&page=2",
    "/dashboard/callbacks",
    "/dashboard/refusals",
    "/dashboard/inbound",
    "/dashboard/inbound?number=447491163443&page=1",
    "/dashboard/messages?page=x",
    "/dashboard/messages?q=code%20-is:scheduled",
    "/dashboard/inbound?q=is:pin",
    "/dashboard/handsets/41793026727",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders(seeded, path):
    response = requests.get(seeded.base_url + path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    # no page reloads itself: the live ones listen to the fake's events (a reply being typed stays)
    assert 'http-equiv="refresh"' not in response.text
    assert ("data-live-kinds=" in response.text) == ("/test-numbers" not in path)
    assert "<script src" not in response.text


def test_overview_shows_the_clock_counts_and_charts(seeded):
    page = requests.get(seeded.base_url + "/").text
    assert 'id="clock-mode">manual' in page and 'id="advance"' in page
    assert 'id="message-count">300<' in page
    assert page.count("<svg") == 2 and "outcomes by country" in page
    assert re.search(r">[A-Z]{2}( \*)?</text>", page)


def test_countries_without_reports_are_marked_in_the_chart():
    from mock_infobip.http.dashboard.charts import country_bars

    chart = country_bars(
        [
            {
                "region": "GU",
                "total": 3,
                "noReports": True,
                "PENDING": 3,
                "DELIVERED": 0,
                "UNDELIVERABLE": 0,
                "EXPIRED": 0,
                "REJECTED": 0,
            }
        ]
    )
    assert chart["labels"][0]["text"] == "GU *"


def test_filters_and_member_search(seeded):
    delivered = requests.get(seeded.base_url + "/dashboard/messages?status=DELIVERED").text
    assert "DELIVERED_TO_HANDSET" in delivered and "REJECTED_" not in delivered
    silent = requests.get(seeded.base_url + "/dashboard/messages?noreports=1").text
    assert "PENDING_WAITING_DELIVERY" in silent and "DELIVERED_TO_HANDSET" not in silent
    member = seeded.members(1)[0]
    found = requests.get(seeded.base_url + f"/dashboard/lists/1?q={member[:5]}").text
    assert member in found


def test_the_advance_control_moves_a_manual_clock(seeded):
    before = seeded.clock.now()
    response = requests.post(
        seeded.base_url + "/dashboard/advance", data={"seconds": "3600"}, allow_redirects=False
    )
    assert response.status_code == 302
    assert (seeded.clock.now() - before).total_seconds() == 3600
    assert requests.post(seeded.base_url + "/dashboard/advance", data={"seconds": "soon"}).status_code == 400


def test_the_dashboard_is_not_in_the_journal(seeded):
    requests.get(seeded.base_url + "/dashboard/messages")
    assert all(not e["path"].startswith("/dashboard") and e["path"] != "/" for e in seeded.requests())


@pytest.mark.browser
def test_a_browser_sees_a_delivery_report_arrive():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: run .ci/install-browser"
    with server() as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=60)
        sent = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={
                "messages": [
                    {"from": "Shop", "text": "Your code is 1234", "destinations": [{"to": "41793026727"}]}
                ]
            },
        )
        message_id = sent.json()["messages"][0]["messageId"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(infobip.base_url + "/?refresh=600")
                assert page.inner_text("#count-DELIVERED") == "0"
                assert page.inner_text("#count-PENDING") == "1"
                page.click("#advance button[value='60']")  # the clock control, as a person would
                page.wait_for_selector("#count-DELIVERED")
                assert page.inner_text("#count-DELIVERED") == "1"
                page.goto(infobip.base_url + f"/dashboard/messages/{message_id}?refresh=600")
                timeline = page.inner_text("#timeline")
                assert "PENDING_ACCEPTED" in timeline and "DELIVERED_TO_HANDSET" in timeline
                page.goto(infobip.base_url + "/?refresh=600")
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            finally:
                browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


def test_a_message_page_lists_its_attempts_and_replies_and_attempts_link_to_it():
    with fake(clock="manual") as infobip:
        infobip.number("447491163443")
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=1, reply="YES", reply_delay_seconds=5)
        sent = requests.post(
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={
                "messages": [
                    {
                        "from": "447491163443",
                        "destinations": [{"to": "41793026727"}],
                        "notifyUrl": "http://127.0.0.1:9/nothing-listens",
                    }
                ]
            },
        ).json()
        message_id = sent["messages"][0]["messageId"]
        infobip.clock.advance(10)
        page = requests.get(f"{infobip.base_url}/dashboard/messages/{message_id}").text
        attempts = page.split('id="attempts"')[1].split("</table>")[0]
        assert "connection refused" in attempts
        replies = page.split('id="replies"')[1].split("</table>")[0]
        assert "41793026727" in replies and "YES" in replies
        callbacks = requests.get(infobip.base_url + "/dashboard/callbacks").text
        assert f'href="/dashboard/messages/{message_id}"' in callbacks


def test_lists_show_their_names_and_account_names(seeded):
    (first, *_) = seeded.lists()
    page = requests.get(f"{seeded.base_url}/dashboard/lists/{first['listId']}").text
    assert first["name"].replace('"', "&#34;") in page or first["name"] in page
    listing = requests.get(seeded.base_url + "/dashboard/lists").text
    names = [a["name"] for a in seeded.runtime.accounts.describe_all()]
    assert any(f"<td>{name}</td>" in listing for name in names)
    assert requests.get(seeded.base_url + "/dashboard/lists/999999").status_code == 404


@pytest.mark.browser
def test_a_browser_sees_full_width_charts_with_axes_links_and_local_times():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: run .ci/install-browser"
    with server(clock="manual") as infobip:
        seed(infobip.runtime, accounts=2, lists=2, members=20, messages=400, seed=2)
        requests.post(  # a callback that fails: attempts to see
            infobip.base_url + "/sms/2/text/advanced",
            headers=infobip.headers,
            json={
                "messages": [{"destinations": [{"to": "41793026727"}], "notifyUrl": "http://127.0.0.1:9/x"}]
            },
        )
        infobip.runtime.advance(3600)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900}, timezone_id="Europe/Zagreb")
                page.goto(infobip.base_url + "/?refresh=600")
                main_width = page.evaluate("document.querySelector('main').clientWidth")
                for chart in ("#time-chart", "#country-chart"):
                    width = page.evaluate(f"document.querySelector('{chart}').getBoundingClientRect().width")
                    assert width > 0.9 * (main_width - 60), (chart, width, main_width)
                assert page.locator("#time-chart .y-label").count() >= 3  # counts
                assert page.locator("#time-chart .x-label").count() >= 4  # times
                assert page.locator("#time-chart line.grid").count() >= 3
                assert page.locator("#country-chart .x-label").count() >= 3
                assert "no delivery reports" in page.inner_text("section:has(#country-chart) .legend")
                shown = page.inner_text("#clock-now")
                assert "+0000" not in shown  # the browser's zone; the UTC instant on hover
                assert page.get_attribute("#clock-now time", "title").endswith("+0000 (UTC)")
                page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
                pages = {
                    "messages": "/dashboard/messages",
                    "callbacks": "/dashboard/callbacks",
                    "inbound": "/dashboard/inbound",
                    "lists": "/dashboard/lists",
                    "refusals": "/dashboard/refusals",
                }
                for name, path in pages.items():
                    page.goto(infobip.base_url + path + "?refresh=600")
                    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                page.goto(infobip.base_url + "/dashboard/callbacks?refresh=600")
                page.click("td a[href^='/dashboard/messages/']")  # an attempt links to its message
                assert page.locator("#attempts tr").count() >= 2
                page.screenshot(path=str(ARTIFACTS / "message.png"), full_page=True)
            finally:
                browser.close()
    assert all(
        (ARTIFACTS / f"{name}.png").stat().st_size > 5_000 for name in ("overview", "message", "inbound")
    )


def test_a_scheduled_message_is_marked_scheduled_in_the_messages_list():
    """Issue #37, 3: the list opened on messages "sent" in the future with nothing saying why."""
    from mock_infobip import fake

    with fake() as infobip:
        later = (infobip.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        body = {
            "messages": [
                {
                    "destinations": [{"to": "41793026727"}],
                    "text": "later",
                    "sendAt": later,
                },
                {"destinations": [{"to": "41793026728"}], "text": "now"},
            ]
        }
        requests.post(infobip.base_url + "/sms/2/text/advanced", json=body, headers=infobip.headers)
        page = requests.get(infobip.base_url + "/dashboard/messages").text
        rows = [row for row in page.split("<tr>") if "4179302672" in row]
        assert [("scheduled</b>" in row) for row in rows] == [True, False]  # newest first: the later one


def test_a_country_without_reports_is_charted_beyond_the_top(runtime, client):
    """Issue #37, 3: its marker never showed when no such country was in the top 15."""
    from mock_infobip.http.dashboard.queries import DashboardQueries
    from tests.sms_helpers import send_v2

    send_v2(client, "41793026727", "41793026728")  # Switzerland, with reports: the top
    send_v2(client, "16715551234")  # Guam, without reports
    charted = DashboardQueries(runtime).outcomes_by_country(top=1)
    assert [(c["region"], c["noReports"]) for c in charted] == [("CH", False), ("GU", True)]


def test_the_search_box_narrows_the_messages_and_the_inbound_messages():
    """#38, item 2: the dashboard's search is the admin listing's syntax (tests/test_search.py)."""
    with fake() as infobip:
        body = {
            "messages": [
                {"destinations": [{"to": "41793026727"}], "text": "Your code is 4821"},
                {"destinations": [{"to": "41793026728"}], "text": "Spring sale"},
            ]
        }
        requests.post(infobip.base_url + "/sms/2/text/advanced", json=body, headers=infobip.headers)
        infobip.handset("41793026727", "447491163443", "YES 7733")
        infobip.handset("41793026728", "447491163443", "stop")

        def rows(path: str, q: str) -> list[str]:
            page = requests.get(infobip.base_url + path, params={"q": q})
            assert page.status_code == 200
            return re.findall(r">(4179302672[78])<", page.text.split("<table>")[-1])

        assert sorted(rows("/dashboard/messages", "")) == ["41793026727", "41793026728"]
        assert rows("/dashboard/messages", "is:pin") == ["41793026727"]
        assert rows("/dashboard/messages", '-"code is"') == ["41793026728"]
        assert set(rows("/dashboard/inbound", "from:+41793026728")) == {"41793026728"}
        assert 'value="is:pin"' in requests.get(infobip.base_url + "/dashboard/messages?q=is:pin").text
        assert requests.get(infobip.base_url + "/dashboard/messages?q=is:nothing").status_code == 400


def test_a_handsets_page_is_its_conversation_and_its_reply_box_answers():
    """#38, item 4: a page per handset, its messages both ways in time order, and a reply box that
    sends an inbound SMS to the number the last message came from (or its account's first number)."""
    shop, handset = "447491163443", "41793026727"
    with fake() as infobip:
        base, headers = infobip.base_url, infobip.headers
        assert requests.post(base + "/__admin/numbers", json={"number": shop}).status_code == 201
        for sender, text in ((shop, "Your code is 4821"), ("InfoSMS", "Reply YES to confirm")):
            message = {"from": sender, "destinations": [{"to": handset}], "text": text}
            requests.post(base + "/sms/2/text/advanced", json={"messages": [message]}, headers=headers)
            infobip.clock.advance(1)
        page = requests.get(f"{base}/dashboard/handsets/+{handset}").text
        conversation = page.split('id="conversation"')[1]
        assert conversation.index("Your code is 4821") < conversation.index("Reply YES to confirm")
        assert 'class="pin"' in conversation and ">4821<" in conversation and 'name="text"' in page

        answered = requests.post(f"{base}/dashboard/handsets/{handset}/reply", data={"text": "YES"})
        assert answered.status_code == 200 and answered.url.endswith(f"/dashboard/handsets/{handset}")
        bubbles = answered.text.split('id="conversation"')[1]
        assert bubbles.index("Reply YES to confirm") < bubbles.index(">YES<") and 'class="in"' in bubbles
        # from "InfoSMS", no number of the fake's: to the account's first number, pulled as any
        (pulled,) = requests.get(base + "/sms/1/inbox/reports", headers=headers).json()["results"]
        assert (pulled["from"], pulled["to"], pulled["text"]) == (handset, shop, "YES")
        (listed,) = requests.get(base + "/__admin/inbound").json()["messages"]
        last = requests.get(base + "/__admin/messages", params={"limit": "1"}).json()["messages"][0]
        assert listed["replyTo"] == last["messageId"]

        nobody = "41793026700"
        assert "nothing to answer" in requests.get(f"{base}/dashboard/handsets/{nobody}").text
        refused = requests.post(f"{base}/dashboard/handsets/{nobody}/reply", data={"text": "hi"})
        assert refused.status_code == 400
        assert requests.get(base + "/__admin/inbound").json()["messages"] == [listed]


@pytest.mark.browser
def test_a_browser_searches_messages_and_answers_as_a_handset(receiver):
    """#38, items 2 and 4 in a real browser: a search narrows the list; a reply typed on a handset's
    page reaches the app's receiver."""
    from playwright.sync_api import sync_playwright

    shop, handset = "447491163443", "41793026727"
    with server() as infobip:
        infobip.number(shop, forward_url=receiver.url)
        for to, text in ((handset, "Your code is 4821, reply YES"), ("41793026728", "Spring sale")):
            message = {"from": shop, "text": text, "destinations": [{"to": to}]}
            requests.post(
                infobip.base_url + "/sms/2/text/advanced",
                json={"messages": [message]},
                headers=infobip.headers,
            )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(infobip.base_url + "/dashboard/messages?refresh=600")
                assert page.locator("table tr").count() == 3  # the heading and two messages
                page.fill("input[name=q]", "is:pin")
                page.press("input[name=q]", "Enter")
                page.wait_for_url("**q=is%3Apin**")
                assert page.locator("table tr").count() == 2 and handset in page.inner_text("table")
                page.click(f"a[href='/dashboard/handsets/{handset}']")
                page.wait_for_selector("#reply")
                assert page.inner_text(".pin") == "4821"
                page.fill("#reply input[name=text]", "YES")
                page.click("#reply button")
                page.wait_for_selector("#conversation li.in")
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "handset.png"), full_page=True)
            finally:
                browser.close()
        with receiver.arrived:
            assert receiver.arrived.wait_for(lambda: receiver.bodies, timeout=30)
        (result,) = receiver.bodies[0]["results"]
        assert (result["from"], result["to"], result["text"]) == (handset, shop, "YES")


@pytest.mark.browser
def test_a_browser_sees_messages_statuses_and_replies_arrive_without_a_reload():
    """#38, item 3 in a real browser: a message sent through the API appears on the open messages
    page, and its status moves, with no reload; on a handset's page a new message appears while a
    reply being typed stays as it is."""
    from playwright.sync_api import sync_playwright

    handset = "41793026727"

    def send(infobip: object, text: str) -> None:
        message = {"from": "Shop", "text": text, "destinations": [{"to": handset}]}
        answer = requests.post(
            infobip.base_url + "/sms/2/text/advanced",  # type: ignore[attr-defined]
            json={"messages": [message]},
            headers=infobip.headers,  # type: ignore[attr-defined]
        )
        assert answer.status_code == 200

    with server() as infobip:
        infobip.outcome("DELIVERED_TO_HANDSET", delay_seconds=60)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(infobip.base_url + "/dashboard/messages")
                page.evaluate("window.stayed = true")  # gone if the page were loaded again
                assert page.locator("#rows table tr").count() == 1  # the heading only
                send(infobip, "Your code is 4821")
                page.wait_for_selector("#rows td:has-text('Your code is 4821')")
                assert page.inner_text("#rows .pill") == "PENDING_ACCEPTED"
                infobip.clock.advance(60)
                page.wait_for_selector("#rows .pill:has-text('DELIVERED_TO_HANDSET')")
                assert page.evaluate("window.stayed") is True
                page.goto(infobip.base_url + f"/dashboard/handsets/{handset}")
                page.fill("#reply input[name=text]", "half a rep")
                page.evaluate("window.stayed = true")
                send(infobip, "Did you get it?")
                page.wait_for_selector("#conversation li.out:has-text('Did you get it?')")
                assert page.input_value("#reply input[name=text]") == "half a rep"
                assert page.evaluate("window.stayed") is True
            finally:
                browser.close()


@pytest.mark.browser
def test_a_tenant_signs_in_with_its_api_key_and_sees_only_its_own():
    """#38, item 6 in a real browser: the sign-in form takes an account's API key; the pages then
    show that account's messages only, live as ever, and no action but the replies."""
    from playwright.sync_api import sync_playwright

    with server(admin_token="the-admin-token-of-this-test-0123456789") as infobip:
        infobip.add_account("beta", ["key-of-beta"])
        for key, text in ((infobip.api_key, "alpha says hi"), ("key-of-beta", "beta says hi")):
            message = {"text": text, "destinations": [{"to": "41793026727"}]}
            requests.post(
                infobip.base_url + "/sms/2/text/advanced",
                json={"messages": [message]},
                headers={"Authorization": f"App {key}"},
            )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(infobip.base_url + "/dashboard/login")
                page.fill("input[name=token]", "key-of-beta")
                page.press("input[name=token]", "Enter")
                page.wait_for_selector("#viewer b")
                assert page.inner_text("#viewer b") == "beta"
                page.goto(infobip.base_url + "/dashboard/messages")
                rows = page.inner_text("#rows")
                assert "beta says hi" in rows and "alpha says hi" not in rows
                requests.post(
                    infobip.base_url + "/sms/2/text/advanced",
                    json={"messages": [{"text": "beta again", "destinations": [{"to": "41793026728"}]}]},
                    headers={"Authorization": "App key-of-beta"},
                )
                page.wait_for_selector("#rows td:has-text('beta again')")
                page.goto(infobip.base_url + "/dashboard/handsets/41793026727")
                assert "alpha says hi" not in page.inner_text("#conversation")
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.goto(infobip.base_url + "/dashboard/messages")
                page.screenshot(path=str(ARTIFACTS / "tenant.png"), full_page=True)
            finally:
                browser.close()
