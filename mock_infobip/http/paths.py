"""Where the Infobip API ends and the controls (admin API, dashboard, OpenAPI) begin."""

from __future__ import annotations

ADMIN_PREFIX = "/__admin"
DASHBOARD_PREFIX = "/dashboard"
LOGIN_PATH = DASHBOARD_PREFIX + "/login"
LOGOUT_PATH = DASHBOARD_PREFIX + "/logout"
OPENAPI_PATH = "/openapi.json"
# Open to any Host and without the admin token: what a container's health check, a load balancer or
# an orchestrator's probe asks (by an address, with no credentials); it says nothing secret
HEALTH_PATH = ADMIN_PREFIX + "/health"


def infobip_path(path: str) -> bool:
    """A path of the Infobip API surface (journaled, open to faults): not the admin API, the
    dashboard or the OpenAPI document."""
    return not (
        path.startswith(ADMIN_PREFIX) or path in ("/", OPENAPI_PATH) or path.startswith(DASHBOARD_PREFIX)
    )
