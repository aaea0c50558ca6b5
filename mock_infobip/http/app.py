"""The Flask application: one route per operation of ``contracts/operations.json``; the Infobip
API's are dispatched by :mod:`mock_infobip.http.dispatch`, the controls' (admin API, dashboard) by Flask."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.routing import Map

from mock_infobip.http import controls, paths, pipeline
from mock_infobip.http.dashboard.views import blueprint as dashboard
from mock_infobip.http.dispatch import InfobipApi
from mock_infobip.http.routes.admin import HANDLERS as ADMIN_HANDLERS
from mock_infobip.http.routes.lists import HANDLERS as LISTS_HANDLERS
from mock_infobip.http.routes.mms import HANDLERS as MMS_HANDLERS
from mock_infobip.http.routes.sms import HANDLERS as SMS_HANDLERS
from mock_infobip.http.routes.tfa import HANDLERS as TFA_HANDLERS
from mock_infobip.http.signals import JOURNAL_LATER
from mock_infobip.runtime import Runtime

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

HANDLERS = {**LISTS_HANDLERS, **SMS_HANDLERS, **MMS_HANDLERS, **TFA_HANDLERS, **ADMIN_HANDLERS}


class FakeApp(Flask):
    api: InfobipApi | None = None  # the Infobip API's requests (mock_infobip.http.dispatch)
    runtime: Runtime

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # one request (PostgreSQL: the version read once; once a turn of the server's loop)
        with self.runtime.store.request(turn=bool(environ.get(JOURNAL_LATER))):
            if self.api is not None:
                req = self.api.request(environ)
                if paths.infobip_path(req.path):
                    return self.api(req, start_response)
            answer: Iterable[bytes] = super().wsgi_app(environ, start_response)
            return answer

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Every view and hook of the fake is synchronous: no per-call coroutine check."""
        return func


def create_app(runtime: Runtime) -> FakeApp:
    app = FakeApp("mock_infobip")
    app.config["MAX_CONTENT_LENGTH"] = runtime.settings.max_body_bytes
    # paths matched as sent: a repeated slash is a 404 as at Infobip, not a redirect (given to the
    # map when it is made: werkzeug 3.0's matcher reads it then, not later)
    app.url_map = Map(merge_slashes=False)
    app.extensions["mock_infobip"] = runtime
    app.runtime = runtime
    for operation in runtime.contracts.operations.values():
        # the Infobip API's rules have no Flask view: mock_infobip.http.dispatch dispatches them
        control = not paths.infobip_path(operation.path)
        app.add_url_rule(
            operation.flask_rule,
            endpoint=operation.id,
            view_func=pipeline.make_view(runtime, operation, HANDLERS[operation.id]) if control else None,
            methods=[operation.method],
            provide_automatic_options=False,
            strict_slashes=not operation.trailing_slash,
        )
    app.register_blueprint(dashboard)
    controls.install(app)
    app.api = InfobipApi(app, runtime, HANDLERS)
    return app
