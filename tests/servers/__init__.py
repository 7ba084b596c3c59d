"""Strict loopback servers, one per vendor API, for tests, demos and benchmarks.

``server_class("audian")`` gives the class; every server is used the same way::

    with AudianServer() as server:      # 127.0.0.1, a free port
        ...server.base_url...           # what goes in the backend's base_url
        server.fail("429", times=2, retry_after="1")
        server.wait_for(3)              # accepted requests, with a deadline
        server.requests                 # everything received, with the status answered

``python -m tests.servers <vendor> --port N`` runs one in the foreground for a demo.
"""

from __future__ import annotations

import importlib

from tests.servers.base import StrictServer

VENDORS = {
    "audian": "AudianServer",
    "calven": "CalvenServer",
    "superoffice": "SuperOfficeServer",
    "cord": "CordServer",
    "essentry": "EssentryServer",
    "webhook": "WebhookServer",
}


def server_class(vendor: str) -> type[StrictServer]:
    module = importlib.import_module(f"tests.servers.{vendor}")
    cls: type[StrictServer] = getattr(module, VENDORS[vendor])
    return cls
