"""Contract probes of any implementation (the fake, or Infobip itself): every lists operation and
its documented errors, SMS send errors (and sends to Infobip's test number only when asked),
reports and logs; every answer checked against ``contracts/`` and the status it should have.

Safe against a real account: it creates one list (named ``mock-infobip contract check``, reused on
later runs), tags and untags one address on it, pulls reports only by a message id that matches
nothing (pulled reports are gone), reads logs, and sends no SMS without ``send_sms``. Paced to the
documented rate limits (``speed`` divides the waits, for a fake started with ``--speed``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import requests

from mock_infobip.core.randomness import Randomness
from mock_infobip.tools.probes import PROBES, SENT_TEXT, THE_LIST
from mock_infobip.wire.validation import Contracts, default_contracts

INTERVALS = {"create": 2.0, "add": 10.0, "remove": 5.0}


class KeyRejected(Exception):
    """The target refused the API key itself (401 on the first probe): every probe would drift for
    that one cause, so the check stops and names it."""


@dataclass
class Probe:
    name: str
    operation: str
    method: str
    path: str
    expected: int
    status: int | None = None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None  # why it was not sent (a probe it depends on failed)

    @property
    def ok(self) -> bool:
        return not self.problems

    def wire(self) -> dict[str, object]:
        return {
            "name": self.name,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "expected": self.expected,
            "received": self.status,
            "result": "skipped" if self.skipped else "ok" if self.ok else "drift",
            "problems": self.problems,
            **({"skipped": self.skipped} if self.skipped else {}),
            "seconds": round(self.seconds, 3),
        }


class Checker:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        send_sms: bool = False,
        speed: float = 1.0,
        sleep: Callable[[float], object] = time.sleep,
        session: requests.Session | None = None,
        contracts: Contracts | None = None,
        timeout: float = 30,
        on_probe: Callable[[Probe], object] = lambda probe: None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.on_probe = on_probe  # called with each probe as it finishes
        self.api_key = api_key
        self.send_sms = send_sms
        # the sends' text this run: the flooding mechanism rejects a 7th identical one in an hour
        self._sent_text = f"{SENT_TEXT} {Randomness(0).secret(6)}"
        self.speed = speed
        self._sleep = sleep
        self.session = session or requests.Session()
        self.contracts = contracts or default_contracts()
        self.timeout = timeout
        self.probes: list[Probe] = []
        self.clock_stuck = False  # said once: the target answered 429 after its limit had passed
        self._last: dict[str, float] = {}  # operation -> seconds waited since its last admitted call

    # --- pacing ---------------------------------------------------------------------------------

    def _pace(self, limit: str | None) -> None:
        if limit is None or limit not in self._last:
            return
        wait = INTERVALS[limit] - self._last[limit]
        if wait > 0:
            self._sleep(wait / self.speed)
            for key in self._last:
                self._last[key] += wait

    # --- one probe --------------------------------------------------------------------------------

    def probe(self, name: str, operation_id: str, expected: int, **options: Any) -> Any:
        """Send one probe, check its answer, and report it (``on_probe``) as soon as it is done.
        Raises :class:`KeyRejected` when the first probe is refused for its key."""
        answer = self._probe(name, operation_id, expected, **options)
        done = self.probes[-1]
        if len(self.probes) == 1 and done.status == 401 and expected != 401:
            raise KeyRejected(
                f"the API key is rejected: {self.base_url} answered 401 to {done.method} {done.path} "
                "(check --api-key)"
            )
        self.on_probe(done)
        return answer

    def _probe(
        self,
        name: str,
        operation_id: str,
        expected: int,
        *,
        body: Any = None,
        path_id: str | None = "",
        query: dict[str, str] | None = None,
        key: str | None = None,
        paced: bool = True,
        expect: Callable[[Any], str | None] | None = None,
        needs: str | None = None,
    ) -> Any:
        operation = self.contracts.operations[operation_id]
        if path_id is None:  # what the path needs came from a probe that failed
            skipped = Probe(name, operation_id, operation.method, operation.path, expected)
            skipped.skipped = f"needs '{needs}', which failed"
            self.probes.append(skipped)
            return None
        path = re.sub(r"\{\w+\}", path_id, operation.path)
        limit = operation.rate_limit if operation.rate_limit in INTERVALS else None
        if paced:
            self._pace(limit)
        probe = Probe(name, operation_id, operation.method, path, expected)
        self.probes.append(probe)
        started = time.perf_counter()
        try:
            tries = 1 if self.clock_stuck else 3
            for attempt in range(tries):
                response = self._send(
                    operation.method, path, body, query, key, operation.request_type == "form"
                )
                if response.status_code != 429 or expected == 429 or limit is None:
                    break
                if attempt == tries - 1:
                    if not self.clock_stuck:  # a 429 after waiting out the limit twice: said once
                        probe.problems.append(
                            "429 after the rate limit had passed: the target's clock does not seem to move "
                            "(a manual clock? advance it, or check a fake with a running clock)"
                        )
                        self.clock_stuck = True
                    break
                # The window of an earlier run or client: this probe is not about the rate limit.
                self._sleep(INTERVALS[limit] / self.speed)
        except requests.RequestException as exc:
            probe.problems.append(f"{operation.method} {path}: no answer ({type(exc).__name__}: {exc})")
            return None
        finally:
            probe.seconds = time.perf_counter() - started
        if limit is not None and response.status_code not in (401, 429):
            self._last[limit] = 0.0
        probe.status = response.status_code
        where = f"{operation.method} {path}"
        if response.status_code != expected:
            probe.problems.append(f"{where}: status {response.status_code}, expected {expected}")
        try:
            answer = response.json()
        except ValueError:
            probe.problems.append(
                f"{where} {response.status_code}: body is not JSON: {response.text[:200]!r}"
            )
            return None
        ref = self.contracts.response_ref(operation, operation.envelope, response.status_code)
        if ref is None:
            probe.problems.append(f"{where}: status {response.status_code} is not documented")
        else:
            for error in self.contracts.validator(ref).iter_errors(answer):
                field = ".".join(map(str, error.absolute_path)) or "(body)"
                probe.problems.append(f"{where} {response.status_code} {field}: {_difference(error)}")
        extra = expect(answer) if expect is not None and response.status_code == expected else None
        if extra:
            probe.problems.append(f"{where} {response.status_code}: {extra}")
        return answer

    def _send(
        self, method: str, path: str, body: Any, query: dict[str, str] | None, key: str | None, form: bool
    ) -> requests.Response:
        headers = {"Authorization": f"App {key or self.api_key}", "Accept": "application/json"}
        if form:  # OAuth: form fields, no API key
            headers = {"Accept": "application/json"}
        else:
            headers["Content-Type"] = "application/json"
        return self.session.request(
            method,
            self.base_url + path,
            params=query,
            timeout=self.timeout,
            data=body if form else (None if body is None else json.dumps(body)),
            headers=headers,
        )

    # --- the probes -------------------------------------------------------------------------------

    def reachable(self) -> str | None:
        """Why the target cannot be reached at all (one line), or None when it answers."""
        try:
            self.session.get(self.base_url + "/", timeout=self.timeout)
        except requests.ConnectionError as exc:
            reason = "connection refused" if "refused" in str(exc).lower() else type(exc).__name__
            return f"{self.base_url} is unreachable: {reason}"
        except requests.Timeout:
            return f"{self.base_url} is unreachable: no answer in {self.timeout:g} s"
        except requests.RequestException as exc:
            return f"{self.base_url} is unreachable: {type(exc).__name__}"
        return None

    def run(self) -> list[Probe]:
        """Every probe of the table (``tools/probes.py``), in order (:class:`KeyRejected` if the
        target refuses the key)."""
        list_id: str | None = None
        for case in PROBES:
            if case.sends and not self.send_sms:
                continue
            options = dict(case.options)
            if case.sends:  # a text of its own each run: repeated checks never send 7 identical ones
                options["body"] = json.loads(json.dumps(options["body"]).replace(SENT_TEXT, self._sent_text))
            if options.get("path_id") == THE_LIST:
                options["path_id"] = list_id
            answer = self.probe(case.name, case.operation_id, case.expected, **options)
            if case.name == "create list" and isinstance(answer, dict) and "listId" in answer:
                list_id = str(answer["listId"])
        return self.probes


def _difference(error: Any) -> str:
    """A contract violation as received vs expected."""
    received = json.dumps(error.instance, ensure_ascii=False)[:200]
    if error.validator == "const":
        return f"received {received}, expected {json.dumps(error.validator_value, ensure_ascii=False)[:200]}"
    return f"received {received}: {error.message[:200]}"


def junit(probes: list[Probe], base_url: str) -> bytes:
    suite = ElementTree.Element(
        "testsuite",
        name=f"mock-infobip check {base_url}",
        tests=str(len(probes)),
        failures=str(sum(not p.ok for p in probes)),
        time=f"{sum(p.seconds for p in probes):.3f}",
    )
    for probe in probes:
        case = ElementTree.SubElement(
            suite, "testcase", classname=probe.operation, name=probe.name, time=f"{probe.seconds:.3f}"
        )
        if probe.skipped:
            ElementTree.SubElement(case, "skipped", message=probe.skipped)
        elif not probe.ok:
            failure = ElementTree.SubElement(case, "failure", message=probe.problems[0])
            failure.text = "\n".join(probe.problems)
    document: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document


def line(probe: Probe) -> str:
    """A probe's lines as ``check`` prints them: its result, then its problems."""
    mark = "skip " if probe.skipped else "ok   " if probe.ok else "DRIFT"
    lines = [f"{mark} {probe.method:4} {probe.path:45} {probe.status!s:>4} {probe.name}"]
    lines += [f"      {problem}" for problem in probe.problems]
    if probe.skipped:
        lines.append(f"      skipped: {probe.skipped}")
    return "\n".join(lines)


def totals(probes: list[Probe]) -> str:
    drift = sum(not p.ok for p in probes)
    skipped = sum(bool(p.skipped) for p in probes)
    return f"{len(probes) - drift - skipped} passed, {drift} failed, {skipped} skipped"
