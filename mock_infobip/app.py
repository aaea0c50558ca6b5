"""The Flask application: one route per operation of ``contracts/operations.json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from mock_infobip import web
from mock_infobip.admin.routes import HANDLERS as ADMIN_HANDLERS
from mock_infobip.demo.dashboard import blueprint as dashboard
from mock_infobip.lists.routes import HANDLERS as LISTS_HANDLERS
from mock_infobip.runtime import Runtime
from mock_infobip.sms.routes import HANDLERS as SMS_HANDLERS

HANDLERS = {**LISTS_HANDLERS, **SMS_HANDLERS, **ADMIN_HANDLERS}


class FakeApp(Flask):
    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Every view and hook of the fake is synchronous: no per-call coroutine check."""
        return func


def create_app(runtime: Runtime) -> Flask:
    app = FakeApp("mock_infobip")
    app.config["MAX_CONTENT_LENGTH"] = runtime.settings.max_body_bytes
    app.url_map.merge_slashes = False
    app.extensions["mock_infobip"] = runtime
    for operation in runtime.contracts.operations.values():
        app.add_url_rule(
            operation.flask_rule,
            endpoint=operation.id,
            view_func=web.make_view(runtime, operation, HANDLERS[operation.id]),
            methods=[operation.method],
            provide_automatic_options=False,
            strict_slashes=not operation.trailing_slash,
        )
    app.register_blueprint(dashboard)
    web.install(app)
    return app
