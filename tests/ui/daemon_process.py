"""The agent daemon the tray tests attach to: the real service, with no detectors.

Like ``presence-agent run --headless``, but without detectors, so the status depends
only on what the test asks for. The tray starts it (as it starts the real agent)
through ``TrayController(paths, agent_command=DAEMON)``. The service is imported in
:func:`main` only, so a tray process importing :data:`DAEMON` stays a thin client.
"""

from __future__ import annotations

import sys

DAEMON = [sys.executable, "-m", "tests.ui.daemon_process"]


def main() -> None:
    import asyncio
    import signal

    from agent.app import AgentService
    from agent.config.paths import Paths
    from agent.logs import setup_logging

    paths = Paths.from_environment()
    setup_logging(paths, level="info")

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await AgentService(paths, detectors=[]).run(stop)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
