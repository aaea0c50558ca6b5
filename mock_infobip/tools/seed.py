"""Demo data made with Faker: accounts, Amplitude-style lists with members, and SMS campaigns over
the last 4 days to numbers of many regions (all countries without reports among them), with a mix
of outcomes whose reports are already done or still to come. Running it again adds more.

Whatever the seed, every page of the dashboard has something to show (tested over many seeds): the
first campaign is a recent one pushing its reports to a dead URL (callbacks failing and retried),
handsets answer the demo shop (inbound replies), and the first cohort's sync is sent twice at once
through the API (refusals: 429s from the per-key limits, unless the limits are set to 0)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from mock_infobip.channels.messages.requests import MAX_VALIDITY_MS, Outgoing, SendRequest
from mock_infobip.runtime import Runtime

DAY_MS = 86_400_000
COHORTS = [
    "Churn risk",
    "Power users",
    "Trial ending",
    "Cart abandoners",
    "New signups",
    "Dormant 30d",
    "VIP",
    "Newsletter",
    "Win-back",
    "High LTV",
]
TEXTS = [
    "Your code is {code}",
    "Your order {code} is on its way",
    "Last chance: 20% off ends tonight",
    "Your appointment is tomorrow at 10:00",
    "Сегодня скидка 15%",
    "Ihr Paket kommt heute",
]
COMMON_REGIONS = [
    "CH",
    "US",
    "GB",
    "FR",
    "IT",
    "ES",
    "NL",
    "SE",
    "PL",
    "IN",
    "NG",
    "ZA",
    "AU",
    "JP",
    "CA",
    "AS",
    "TR",
    "EG",
    "AR",
    "KE",
]
DEAD_CALLBACK = "http://127.0.0.1:9/dlr"  # nothing listens there: the retry cycle shows
DEMO_SHOP = "447491163443"  # the demo account's number: handsets answer it (pulled, YES and STOP)
ANSWERS = ["YES", "Yes please", "STOP", "stop", *[str(score) for score in range(11)]]


@dataclass
class SeedSummary:
    accounts: int = 0
    lists: int = 0
    members: int = 0
    messages: int = 0
    replies: int = 0
    refusals: int = 0


def demo_numbers(regions: list[str]) -> dict[str, str]:
    """An example mobile number (international digits, no +) per region."""
    found = {}
    for region in regions:
        number = phonenumbers.example_number_for_type(
            region, phonenumbers.PhoneNumberType.MOBILE
        ) or phonenumbers.example_number(region)
        if number is not None:
            found[region] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return found


def seed(
    runtime: Runtime,
    *,
    accounts: int = 2,
    lists: int = 6,
    members: int = 300,
    messages: int = 3000,
    replies: int = 20,
    seed: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> SeedSummary:
    from faker import Faker

    run = int(runtime.store.get_meta("demo_runs") or 0)
    runtime.store.set_meta("demo_runs", str(run + 1))
    key = f"demo:{seed if seed is not None else runtime.random.seed}:{run}"
    rng = runtime.random.stream(key)
    faker = Faker()
    faker.seed_instance(rng.getrandbits(64))
    step = progress or (lambda n: None)
    summary = SeedSummary()

    owners = [runtime.default_account]
    for _ in range(accounts - 1):
        owners.append(runtime.add_account(faker.company())[0])
        summary.accounts += 1

    for number in range(lists):
        owner = rng.choice(owners)
        name = f"[Amplitude] {rng.choice(COHORTS)}: {rng.randint(1000, 99_999)}"
        people = [faker.unique.email() for _ in range(rng.randint(members // 2, members))]
        if number == 0:  # the default account's, through the API
            owner = runtime.default_account
            list_id, summary.refusals = _sync_too_fast(runtime, name, people[:1000])
        else:
            list_id = runtime.lists.create_list(owner, name)
        for start in range(0, len(people), 10_000):
            runtime.lists.add_people(owner, str(list_id), people[start : start + 10_000])
        summary.lists += 1
        summary.members += len(people)
        step(1)

    numbers = demo_numbers(sorted(set(COMMON_REGIONS) | set(runtime.messaging.no_dlr)))
    common = [r for r in COMMON_REGIONS if r in numbers]
    silent = sorted(set(numbers) - set(common))  # the countries without delivery reports
    now = runtime.clock.now_ms()
    replies = min(replies, messages, 500)  # part of the messages asked for
    sent = 0
    while sent < messages - replies:
        size = min(messages - replies - sent, rng.randint(20, 120))
        at = now - rng.randint(0, 4 * DAY_MS)
        later = now + rng.randint(0, 30 * 60_000) if rng.random() < 0.1 else None  # scheduled: a live demo
        if sent == 0:  # the first campaign is recent and pushes to a dead URL: retries show
            at = now - rng.randint(0, 2 * 3_600_000)
        recent = now - at < 12 * 3_600_000  # its retries are not all over yet: the cycle shows
        url = DEAD_CALLBACK if recent and (sent == 0 or rng.random() < 0.3) else None
        text = rng.choice(TEXTS).format(code=rng.randint(1000, 9999))
        batch = []
        for _ in range(size):
            base = numbers[rng.choice(common if rng.random() < 0.75 else silent)]
            batch.append(
                Outgoing(
                    to=base[:-2] + f"{rng.randint(0, 99):02d}",
                    message_id=None,
                    sender=faker.company()[:11],
                    text=text,
                    callback_url=url,
                    callback_data=None,
                    intermediate=rng.random() < 0.3,
                    validity_ms=MAX_VALIDITY_MS,
                    send_at=later,
                )
            )
        request = SendRequest(rng.choice([2, 3]), None, False, batch)
        runtime.messaging.send(rng.choice(owners), request, now_ms=now if later else at)
        sent += size
        step(size)
    summary.replies = _two_way(runtime, rng, numbers[common[0]], now, replies)
    summary.messages = sent + summary.replies
    runtime.scheduler.run_due(now)  # what is due by now is done; the rest comes as the clock runs
    return summary


def _sync_too_fast(runtime: Runtime, name: str, people: list[str]) -> tuple[int, int]:
    """Amplitude's sync of one cohort sent too fast, through the API as a client would: create the
    list and add its first people, each twice at once; the second of each is refused (429), as
    Infobip's per-key limits say. Returns the list's id and how many requests were refused."""
    from mock_infobip.http.app import create_app

    client = create_app(runtime).test_client()
    headers = {"Authorization": f"App {runtime.api_key}"}
    lists = "/saas/amplitude/1/lists"
    created = client.post(lists, json={"name": name}, headers=headers)
    refused = int(created.status_code == 429)  # a run right after another: still in the window
    if created.status_code == 200:
        list_id = int(created.get_json()["listId"])
        if runtime.settings.rate_limit_create > 0:  # the same list again, at once (a second list with 0)
            refused += client.post(lists, json={"name": name}, headers=headers).status_code == 429
    else:
        list_id = runtime.lists.create_list(runtime.default_account, name)
    for _ in range(2):
        added = client.post(f"{lists}/{list_id}/add", json={"userIds": people}, headers=headers)
        refused += added.status_code == 429
    return list_id, refused


def _two_way(runtime: Runtime, rng: random.Random, base: str, now: int, count: int) -> int:
    """A confirmation and NPS campaign from the demo shop's number whose handsets answer (YES,
    STOP, scores): outcome rules with replies for these handsets only, sent hours ago."""
    if count <= 0:
        return 0
    account = runtime.default_account
    if not any(n["number"] == DEMO_SHOP for n in runtime.inbound.numbers()):
        runtime.inbound.add_number({"number": DEMO_SHOP, "keywords": ["YES", "STOP"]}, account.id)
    chosen: set[str] = set()
    while len(chosen) < count:
        chosen.add(base[:-3] + f"{rng.randint(0, 999):03d}")
    handsets = sorted(chosen)
    for handset in handsets:
        reply = {"text": rng.choice(ANSWERS), "delaySeconds": rng.randint(10, 3600)}
        runtime.outcomes.add(
            {
                "match": {"to": handset},
                "status": "DELIVERED_TO_HANDSET",
                "delaySeconds": rng.randint(5, 120),
                "reply": reply,
            }
        )
    batch = [
        Outgoing(
            handset,
            None,
            DEMO_SHOP,
            "Reply YES to subscribe, or 0-10: how did we do?",
            None,
            None,
            False,
            MAX_VALIDITY_MS,
            None,
        )
        for handset in handsets
    ]
    runtime.messaging.send(
        account, SendRequest(2, None, False, batch), now_ms=now - rng.randint(2, 20) * 3_600_000
    )
    return len(handsets)
