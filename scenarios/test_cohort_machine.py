"""A cohort over time: members join and leave, the client syncs, the list is deleted upstream,
faults come and go, the key is revoked and restored, the clock moves. After every step: the fake's
list is the last successfully synced membership minus the rejected identifiers; every answer the
fake gave is valid against its contract; no 429 unless a fault caused one."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mock_infobip.channels.lists.identifiers import email_key
from mock_infobip.clients.cohort_sync import CohortSyncClient
from mock_infobip.testing import Fake
from mock_infobip.wire.validation import default_contracts
from scenarios.strategies import clock_steps, cohort_members, fault_rules

CONTRACTS = default_contracts()
COHORT = "8812"


class CohortSync(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = Fake()
        self.infobip = self.fake.__enter__()
        self.folder = tempfile.TemporaryDirectory()
        self.state = Path(self.folder.name) / "state.json"
        self.client = CohortSyncClient(
            self.infobip.base_url,
            self.infobip.api_key,
            state_path=self.state,
            sleep=self.infobip.clock.sleep,
            seed=0,
            batch_size=4,
        )
        self.cohort: list[str] = []
        self.synced: list[str] | None = None  # the last successfully synced membership
        self.list_matches = True  # no failed run or upstream deletion since the last success
        self.faults_429 = False
        self.revoked = False
        self.journal_seen = 0

    def teardown(self) -> None:
        self.fake.__exit__(None, None, None)
        self.folder.cleanup()

    def list_id(self) -> int | None:
        if not self.state.exists():
            return None
        return int(json.loads(self.state.read_text())["cohorts"][COHORT]["list_id"])

    @rule(members=cohort_members)
    def join(self, members: list[str]) -> None:
        self.cohort = list(dict.fromkeys(self.cohort + members))

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        if self.cohort:
            gone = set(data.draw(st.lists(st.sampled_from(self.cohort), max_size=4)))
            self.cohort = [m for m in self.cohort if m not in gone]

    @rule()
    def sync(self) -> None:
        report = self.client.sync(COHORT, "Churn risk", self.cohort)
        assert report.throttled == 0 or self.faults_429, report
        if report.status == "succeeded":
            self.synced = list(self.cohort)
            # A run with nothing to send makes no call, so it cannot notice a list deleted upstream
            # (neither can Amplitude): the list matches again only once a run reached Infobip.
            self.list_matches = self.list_matches or report.requests > 0
            assert set(report.rejected) == {m for m in report.rejected if email_key(m) is None}
        else:
            assert self.revoked or self.infobip.runtime.faults.all(), report.error
            self.list_matches = False

    @precondition(lambda self: self.list_id() is not None)
    @rule()
    def delete_list_upstream(self) -> None:
        list_id = self.list_id()
        if list_id is not None and any(entry["listId"] == list_id for entry in self.infobip.lists()):
            self.infobip.delete_list(list_id)
            self.list_matches = False

    @rule(fault=fault_rules)
    def inject_fault(self, fault: dict) -> None:
        self.infobip.fault(method="POST", **fault)
        self.faults_429 |= fault.get("status") == 429

    @rule()
    def clear_faults(self) -> None:
        self.infobip.runtime.faults.delete()

    @rule()
    def revoke_key(self) -> None:
        self.infobip.revoke_key(self.infobip.api_key)
        self.revoked = True

    @rule()
    def restore_key(self) -> None:
        self.infobip.revoke_key(self.infobip.api_key, revoked=False)
        self.revoked = False

    @rule(seconds=clock_steps)
    def advance(self, seconds: float) -> None:
        self.infobip.clock.advance(seconds)

    @invariant()
    def the_list_is_the_last_synced_membership_minus_rejected(self) -> None:
        list_id = self.list_id()
        if self.synced is None or not self.list_matches or list_id is None:
            return
        expected = {m for m in self.synced if email_key(m) is not None}
        assert set(self.infobip.members(list_id)) == expected

    @invariant()
    def every_answer_is_valid_against_its_contract(self) -> None:
        entries = [e for e in self.infobip.requests() if e["id"] > self.journal_seen]
        for entry in entries:
            if entry["status"] == 0:  # a dropped connection: no answer
                continue
            operation = CONTRACTS.operations.get(entry["operation"] or "")
            envelope = operation.envelope if operation else "legacy"
            problems = CONTRACTS.response_problems(
                operation, envelope, entry["status"], json.loads(entry["responseBody"])
            )
            assert not problems, problems
        self.journal_seen = max([e["id"] for e in entries], default=self.journal_seen)


TestCohortSync = pytest.mark.whitebox(CohortSync.TestCase)
