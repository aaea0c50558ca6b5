"""The composition root: one store, one clock, one random source, and the services built on them.

The HTTP layer, the CLI and the Python API all drive a :class:`Runtime`; nothing else constructs
services.
"""

from __future__ import annotations

from mock_infobip.channels.inbound import InboundService
from mock_infobip.channels.lists.service import ListsService
from mock_infobip.channels.messages.catalog import catalog
from mock_infobip.channels.messages.media import Media
from mock_infobip.channels.reports import ReportsService
from mock_infobip.channels.sms.bulks import BulksService
from mock_infobip.channels.sms.outcomes import OutcomeRules
from mock_infobip.channels.sms.service import Messaging
from mock_infobip.channels.tfa.config import TfaConfig
from mock_infobip.channels.tfa.pins import Pins
from mock_infobip.core.about import VERSION as __version__
from mock_infobip.core.clock import Clock
from mock_infobip.core.faults import FaultRules
from mock_infobip.core.journal import Journal
from mock_infobip.core.randomness import Randomness, fresh_seed
from mock_infobip.core.settings import Settings
from mock_infobip.delivery.callbacks import HttpTransport, Transport
from mock_infobip.delivery.retention import Retention
from mock_infobip.delivery.routing import CallbackRouting, RoutingTransport
from mock_infobip.delivery.scheduler import Scheduler
from mock_infobip.delivery.worker import Worker
from mock_infobip.identity.accounts import Account, AccountsService
from mock_infobip.identity.oauth import TokensService
from mock_infobip.identity.ratelimit import RateLimiter
from mock_infobip.identity.sessions import SessionsService
from mock_infobip.identity.signins import SignIns
from mock_infobip.storage.engines import open_store
from mock_infobip.storage.interface import Store
from mock_infobip.system.net import is_loopback
from mock_infobip.system.wall import OffsetWall, Wall
from mock_infobip.wire.validation import Contracts, default_contracts

SEED_META = "seed"
ADMIN_TOKEN_META = "admin_token"  # the one serve generates off loopback when none is given
SCHEDULER_CONNECTIONS = 8  # on PostgreSQL: connections for the scheduler and its pushes' settling


class Runtime:
    version = __version__

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        wall: Wall | None = None,
        contracts: Contracts | None = None,
        transport: Transport | None = None,
        store: Store | None = None,
    ) -> None:
        self.settings = settings = settings or Settings()
        # the store of settings.db (a SQLite file or a PostgreSQL URL), or one handed in
        self.store = (
            store
            if store is not None
            else open_store(
                settings.db,
                synchronous=settings.sqlite_synchronous,
                connections=settings.threads + settings.control_threads + SCHEDULER_CONNECTIONS,
                wait=settings.db_wait,
            )
        )
        # hosts sharing a PostgreSQL database read the time as its server's (one clock record, one time)
        offset = self.store.wall_offset_ms
        self.clock = Clock(self.store, wall if wall is not None or not offset else OffsetWall(offset))
        self.clock.configure(settings.clock, settings.speed, settings.start)
        self.random = Randomness(self._seed(settings.seed))
        # Off loopback the controls need an admin token: with none given, the one generated for this
        # database the first time (every worker, host and restart reads the same; docs/container.md)
        self.admin_token_generated = not settings.admin_token and not is_loopback(settings.host)
        if self.admin_token_generated:
            token = self.store.meta_once(ADMIN_TOKEN_META, self.random.secret())
            self.settings = settings = settings.replace(admin_token=token)
        self.contracts = contracts or default_contracts()
        self.accounts = AccountsService(self.store, self.clock, settings.flooding_filter)
        self.limiter = RateLimiter(self.store, self.clock, settings.rate_limit, settings.per_minute)
        self.lists = ListsService(self.store, self.clock)
        self.catalog = catalog()
        self.outcomes = OutcomeRules(self.store, self.catalog)
        self.messaging = Messaging(self.store, self.clock, self.random, settings, self.catalog, self.outcomes)
        self.media = Media(self.store, self.clock, self.random)
        self.reports = ReportsService(self.store, self.clock, self.catalog, self.media)
        self.bulks = BulksService(self.store, self.clock, self.catalog)
        self.tfa = TfaConfig(self.store, self.clock, self.random)
        # PINs go out as SMS through the one SMS engine (2FA imports nothing of channels/sms)
        self.pins = Pins(self.store, self.clock, self.random, self.tfa, self.messaging.send)
        self.inbound = InboundService(self.store, self.clock, self.random, settings)
        self.tokens = TokensService(
            self.store, self.clock, self.random, self.accounts, settings.oauth_token_ttl
        )
        self.sessions = SessionsService(
            self.store, self.clock, self.random, self.accounts, settings.ibsso_session_ttl
        )
        self.signins = SignIns(self.store, self.clock, self.random, settings.dashboard_signin_hours)
        # Hosts pushes may go to as given besides loopback (the setting, plus in-process receivers)
        self.callback_hosts: set[str] = set(settings.callback_hosts)
        pushes = RoutingTransport(
            transport or HttpTransport(), CallbackRouting(self.callback_hosts, settings.callback_routes)
        )
        self.scheduler = Scheduler(self.store, self.clock, settings, self.catalog, pushes, self.random)
        # on SQLite serve picks the process that schedules; hosts on PostgreSQL take turns by lock
        self.retention = Retention(self.store, self.clock, settings.retention_days)
        self.worker = Worker(
            self.scheduler,
            self.clock,
            lead=self.store.lead,
            on_lead=self.scheduler.take_over if self.store.shared_by_hosts else None,
            listening=self.store.notices,
            housekeeping=self.retention.prune_when_due,
        )
        if self.store.notices:  # another process's change (new work, a clock moved) wakes it
            self.store.subscribe(lambda kind: self.worker.kick())
        self.faults = FaultRules(self.store, self.random, settings.fault_max_latency_ms)
        # Unexpected exceptions raised while serving (the pytest plugin reports them in the test)
        self.errors: list[BaseException] = []
        self.journal = Journal(self.store, self.clock, settings.journal_size, settings.journal_body_chars)
        self.default_account, self.api_keys = self.accounts.ensure_default(
            settings.api_keys, settings.default_identifier, self._new_key
        )

    @property
    def api_key(self) -> str:
        """The first key of the default account."""
        return self.api_keys[0]

    def _seed(self, given: int | None) -> int:
        if given is None:
            stored = self.store.get_meta(SEED_META)
            if stored is not None:
                return int(stored)
            given = fresh_seed()
        self.store.set_meta(SEED_META, str(given))
        return given

    def _new_key(self) -> str:
        return self.random.secret()

    def add_account(
        self,
        name: str,
        api_keys: list[str] | None = None,
        identifier: str = "email",
        username: str | None = None,
        password: str | None = None,
    ) -> tuple[Account, list[str]]:
        """An account with the given keys, or one generated key."""
        keys = list(api_keys) if api_keys else [self._new_key()]
        return self.accounts.create(name, keys, identifier, username, password), keys

    def advance(self, seconds: float) -> int:
        """Move the manual clock forward, carrying out everything that falls due up to the new time
        in time order (callbacks included) before returning it."""
        if self.clock.mode != "manual":
            return self.clock.advance(seconds)  # raises: only a manual clock moves
        target = self.clock.now_ms() + round(seconds * 1000)
        if seconds < 0:
            return self.clock.advance(seconds)  # raises
        self.clock.ensure_reachable(target)
        self.scheduler.run_due(target, step_clock=True)
        self.retention.prune()  # what the days just passed made older than the retention
        return self.clock.now_ms()

    def kick(self) -> None:
        """Work fell due now (an immediate rejection report): carry it out, inline or in the
        background worker as the ``dispatch`` setting says."""
        if self.settings.dispatch == "inline":
            self.scheduler.run_due()
        elif self.worker.running:
            self.worker.kick()

    def start_worker(self) -> None:
        if self.store.shared_by_hosts:  # it does not hear the other hosts' kicks
            self.worker.always_poll = True
        if self.settings.dispatch == "background" and not self.worker.running:
            self.worker.start()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of the fake's time: advance a manual clock, or really wait."""
        if seconds <= 0:
            return
        if self.clock.mode == "manual":
            self.advance(seconds)
        else:
            self.clock.wall_sleep(seconds)

    def reset(self) -> None:
        """Wipe state but accounts, keys and the clock."""
        self.store.reset()
        self.faults.delete()  # the rules are gone: requests a latency holds answer now (every worker)

    def close(self) -> None:
        self.worker.stop()
        self.scheduler.close()
        self.store.close()
