"""A cohort sync client that behaves as Amplitude's cohort sync to Infobip does (docs/clients.md).

First run of a cohort: create the list ``[Amplitude] <name>: <id>`` and add every member. Later
runs: the difference against the last *successful* run. Batches of ``batch_size``; paced to each
operation's rate limit so a healthy run sees no 429; retries with doubling backoff (plus seeded
jitter) on 429, 5xx, timeouts and broken connections; no retry on 401 or BAD_REQUEST; a deleted list
(TAG_NOT_FOUND) is created again and filled (or the run fails, by setting). The state is written,
atomically, only when a run succeeds. All waiting goes through ``sleep``.
"""

from __future__ import annotations

import base64
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

LIST_NAME = "[Amplitude] {name}: {id}"
CONTEXT = {"integration": {"name": "Amplitude Cohort Sync", "version": "1.0.0"}}
RATE_LIMITS = {"create": 2.0, "add": 10.0, "remove": 5.0}  # seconds between calls, per key
MAX_BATCH = 10_000
TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass
class SyncReport:
    status: str = "succeeded"  # succeeded | failed
    list_id: int | None = None
    added: int = 0
    removed: int = 0
    rejected: dict[str, str] = field(default_factory=dict)  # identifier -> error type
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class SyncFailed(Exception):
    """The run cannot go on; the message says why (shown in ``SyncReport.error``)."""


class _ListGone(Exception):
    pass


class CohortSyncClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        state_path: str | os.PathLike[str],
        sleep: Callable[[float], object] = time.sleep,
        batch_size: int = 1000,
        auth: str = "app",
        on_list_deleted: str = "recreate",
        max_retries: int = 8,
        backoff: float = 1.0,
        timeout: float = 30,
        seed: int | None = None,
        rate_limits: dict[str, float] | None = None,
        session: requests.Session | None = None,
        progress: Callable[[int, int], object] | None = None,
        on_retry: Callable[[str, int, str, float], object] | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        if auth not in ("app", "basic"):
            raise ValueError("auth must be 'app' or 'basic'")
        if on_list_deleted not in ("recreate", "fail"):
            raise ValueError("on_list_deleted must be 'recreate' or 'fail'")
        self.base_url = base_url.rstrip("/")
        self.state_path = Path(state_path)
        self._sleep = sleep
        self.batch_size = batch_size
        self.on_list_deleted = on_list_deleted
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        self._random = random.Random(seed)
        self.rate_limits = {**RATE_LIMITS, **(rate_limits or {})}
        self._session = session or requests.Session()
        self._progress = progress
        self._on_retry = on_retry  # (operation, retry number, what failed, seconds to wait)
        token = api_key if auth == "app" else base64.b64encode(f"{api_key}:".encode()).decode()
        self._headers = {
            "Authorization": f"{'App' if auth == 'app' else 'Basic'} {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._waited_since: dict[str, float] = {}  # operation -> seconds waited since its last call
        self._report = SyncReport()

    # --- the run --------------------------------------------------------------------------------

    def sync(self, cohort_id: str, cohort_name: str, members: Iterable[str]) -> SyncReport:
        self._report = report = SyncReport()
        cohort = list(dict.fromkeys(members))
        state = self._load()
        entry = state.get(str(cohort_id))
        try:
            if entry is None:
                list_id, to_add, to_remove = self._create(cohort_id, cohort_name), cohort, []
            else:
                before = set(entry["members"])
                now = set(cohort)
                list_id = int(entry["list_id"])
                to_add = [m for m in cohort if m not in before]
                to_remove = [m for m in entry["members"] if m not in now]
            report.list_id = list_id
            try:
                self._apply(list_id, to_add, to_remove)
            except _ListGone:
                if self.on_list_deleted == "fail":
                    raise SyncFailed(f"list {list_id} was deleted in Infobip (TAG_NOT_FOUND)") from None
                report.list_id = list_id = self._create(cohort_id, cohort_name)
                report.added = report.removed = 0
                self._apply(list_id, cohort, [])  # a full sync of the new list
        except SyncFailed as exc:
            report.status, report.error = "failed", str(exc)
            return report
        state[str(cohort_id)] = {"list_id": list_id, "name": cohort_name, "members": cohort}
        self._save(state)
        return report

    def _apply(self, list_id: int, to_add: Sequence[str], to_remove: Sequence[str]) -> None:
        total, done = len(to_add) + len(to_remove), 0
        for operation, ids in (("add", to_add), ("remove", to_remove)):
            for start in range(0, len(ids), self.batch_size):
                batch = list(ids[start : start + self.batch_size])
                body = self._call(
                    operation, f"/saas/amplitude/1/lists/{list_id}/{operation}", {"userIds": batch}
                )
                if operation == "add":
                    failed = body.get("errors", {}).get("failed", {})
                    for kind, identifiers in failed.items():
                        self._report.rejected.update(dict.fromkeys(identifiers, kind))
                    self._report.added += int(body.get("createdCount", 0)) + int(body.get("modifiedCount", 0))
                else:
                    self._report.removed += len(batch)
                done += len(batch)
                if self._progress is not None:
                    self._progress(done, total)

    def _create(self, cohort_id: str, cohort_name: str) -> int:
        name = LIST_NAME.format(name=cohort_name, id=cohort_id)
        body = self._call("create", "/saas/amplitude/1/lists", {"name": name, "context": CONTEXT})
        if not isinstance(body.get("listId"), int):
            raise SyncFailed(f"create list answered without a listId: {body}")
        return int(body["listId"])

    # --- one call, paced and retried ------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self._sleep(seconds)
        self._report.waited_seconds += seconds
        for operation in self._waited_since:
            self._waited_since[operation] += seconds

    def _pace(self, operation: str) -> None:
        """Never faster than the operation's limit on this key: only time this client waited
        counts, so the pacing holds on a fake's manual clock too."""
        if operation in self._waited_since:
            self._wait(self.rate_limits[operation] - self._waited_since[operation])

    def _call(self, operation: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.max_retries + 1):
            self._pace(operation)
            self._report.requests += 1
            self._waited_since[operation] = 0.0
            try:
                response = self._session.post(
                    self.base_url + path,
                    data=json.dumps(payload),
                    headers=self._headers,
                    timeout=self.timeout,
                )
                body = _json(response)
            except TRANSIENT as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                problem = f"HTTP {response.status_code}"
                if 200 <= response.status_code < 300:
                    return body if isinstance(body, dict) else {}
                self._fail_for_good(response.status_code, body)
                if response.status_code == 429:
                    self._report.throttled += 1
            if attempt == self.max_retries:
                raise SyncFailed(f"{operation} failed after {self.max_retries} retries: {problem}")
            self._report.retries += 1
            delay = self.backoff * 2**attempt
            wait = delay + self._random.uniform(0, delay / 4)
            if self._on_retry is not None:
                self._on_retry(operation, attempt + 1, problem, wait)
            self._wait(wait)
        raise AssertionError("unreachable")

    def _fail_for_good(self, status: int, body: Any) -> None:
        """Raise for an answer that no retry can change."""
        if status == 401:
            raise SyncFailed("authentication failed for the Infobip destination: check the API key")
        if status == 400 and isinstance(body, dict) and body.get("statusCode") == "TAG_NOT_FOUND":
            raise _ListGone()
        if 400 <= status < 500 and status != 429:
            exception = (
                body.get("requestError", {}).get("serviceException", {}) if isinstance(body, dict) else {}
            )
            details = exception.get("validationErrors") or exception.get("text") or body
            raise SyncFailed(f"Infobip refused the request (HTTP {status}): {json.dumps(details)}")

    # --- state ----------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        cohorts: dict[str, Any] = data.get("cohorts", {})
        return cohorts

    def _save(self, cohorts: dict[str, Any]) -> None:
        """Atomically: a temporary file in the same folder, flushed, then renamed over the state."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.state_path.parent, prefix=".cohort-state-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"cohorts": cohorts}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.state_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _json(response: requests.Response) -> Any:
    try:
        return response.json() if response.content else {}
    except ValueError:
        return {}
