"""Run one vendor's strict server in the foreground: ``python -m tests.servers audian --port 8080``.

Prints the base URL and the credentials it accepts, then one line per request.
"""

from __future__ import annotations

import argparse
import inspect
import threading

from tests.servers import VENDORS, server_class
from tests.servers.base import FAILURE_KINDS, Recorded


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.servers")
    parser.add_argument("vendor", choices=sorted(VENDORS))
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--fail", choices=FAILURE_KINDS, help="misbehave for the first requests")
    parser.add_argument("--times", type=int, default=1, help="how many requests --fail affects")
    parser.add_argument("--retry-after", default=None, help="Retry-After sent with 429/503")
    args = parser.parse_args()
    cls = server_class(args.vendor)
    server = cls(port=args.port)
    settings = {
        name: param.default
        for name, param in inspect.signature(cls.__init__).parameters.items()
        if name not in ("self", "port")
    }

    def show(request: Recorded) -> None:
        body = request.body.decode(errors="replace")[:300]
        print(f"{request.status} {request.method} {request.path} {body}", flush=True)

    server.on_request = show
    with server:
        if args.fail:
            server.fail(args.fail, args.times, retry_after=args.retry_after)
        print(f"{args.vendor} server at {server.base_url}", flush=True)
        for name, value in settings.items():
            print(f"  {name} = {value!r}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
