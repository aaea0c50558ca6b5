"""mock-infobip: a local simulator and contract-test harness for Infobip's APIs."""

from __future__ import annotations

__version__ = "0.1.0"
