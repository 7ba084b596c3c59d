"""``presence-agent doctor``: what works on this machine, what does not, and how to fix it.

Each section gathers facts independently, so one broken part (no keyring, a
backend down) never hides the others. A *blocking* problem (the config cannot be
used, a backend is misconfigured or refuses our credentials, secrets are needed but
no keyring works, a backend cannot be reached) makes the exit status 1: the user's
presence is not getting through. Things the agent works around (a detector using a
fallback, no agent running) are reported without failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.config.paths import Paths
from agent.secret_names import CALENDAR_URL_FIELD, calendar_owner, secret_command

if TYPE_CHECKING:
    from agent.assembly import DetectorParts
    from agent.config.loader import LoadedConfig
    from agent.config.schema import Config
    from agent.detectors.base import Detector
    from agent.secrets import SecretStore

DETECTOR_TIMEOUT = 5.0
PROBE_TIMEOUT = 20.0


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def block(self, line: str) -> None:
        self.lines.append(f"PROBLEM: {line}")
        self.blocking.append(line)


def run(paths: Paths, out: Callable[[str], None] = print) -> int:
    """Print every section; 0 if nothing blocks the agent, else 1."""
    sections = asyncio.run(gather(paths))
    for section in sections:
        out(f"== {section.title}")
        for line in section.lines:
            out(f"  {line}")
    blocking = [line for section in sections for line in section.blocking]
    out("")
    out(f"{len(blocking)} blocking problem(s)." if blocking else "No blocking problems.")
    return 1 if blocking else 0


async def gather(paths: Paths) -> list[Section]:
    config_section, loaded = _config(paths)
    from agent.config.schema import Config

    config = loaded.config if loaded is not None else Config()
    keyring_section, secrets = _keyring(config)
    return [
        config_section,
        keyring_section,
        await _detectors(config, paths, secrets),
        await _backends(config, paths, secrets),
        _ipc(paths),
    ]


def _config(paths: Paths) -> tuple[Section, LoadedConfig | None]:
    from collections import Counter

    from agent.config_checks import ConfigError, load_config

    section = Section("config")
    found = "found" if paths.config_file.exists() else "not found: built-in defaults"
    section.add(f"file: {paths.config_file} ({found})")
    section.add(f"logs: {paths.log_file}")
    section.add(f"data: {paths.data_dir}")
    try:
        loaded = load_config(paths)
    except ConfigError as error:
        for problem in error.problems:
            section.block(problem)
        section.add(
            "a running agent keeps its last good configuration; one starting now runs "
            "without just the entries named above"
        )
        return section, None
    sources = ", ".join(loaded.policy_sources) or f"none ({paths.policy_file} not found)"
    section.add(f"policy: {sources}")
    for problem in loaded.problems:
        section.add(f"policy problem: {problem}")
    counts = Counter(loaded.origins.values())
    section.add(
        "settings: "
        + ", ".join(
            f"{counts.get(o, 0)} {o}" for o in ("enforced", "user", "recommended", "default")
        )
    )
    if loaded.locked:
        section.add("locked by policy: " + ", ".join(sorted(loaded.locked)))
    return section, loaded


def _keyring(config: Config) -> tuple[Section, SecretStore | None]:
    from agent.backends.registry import SECRET_FIELDS as fields
    from agent.secrets import NoKeyringError, SecretStore

    section = Section("keyring")
    needed = [entry for entry in config.backends if fields.get(entry.type)]
    store = SecretStore()
    try:
        section.add(f"backend: {store.describe()}")
        stored = set(store.list())
    except NoKeyringError as error:
        if needed:
            section.block(str(error))
        else:
            section.add(f"not usable ({error}); no configured backend needs secrets")
        return section, None
    section.add("usable: yes")
    for calendar in config.calendars:
        if calendar.url_secret:
            found = (calendar_owner(calendar.name), CALENDAR_URL_FIELD) in stored
            fix = (
                ""
                if found
                else f" (run `{secret_command(calendar_owner(calendar.name), CALENDAR_URL_FIELD)}`)"
            )
            section.add(f"calendar {calendar.name}: URL {'stored' if found else 'missing'}{fix}")
    for entry in needed:
        have = [f for f in fields[entry.type] if (entry.name, f) in stored]
        section.add(
            f"{entry.name}: stored {', '.join(have) or 'none'} "
            f"(fields for {entry.type}: {', '.join(fields[entry.type])})"
        )
    return section, store


async def _detectors(config: Config, paths: Paths, secrets: SecretStore | None) -> Section:
    """Every detector probed at once (each may wait on a slow source, up to a timeout)."""
    from agent.assembly import DETECTOR_BUILDERS, DetectorParts
    from agent.secrets import SecretStore

    section = Section("detectors")
    parts = DetectorParts(config, paths, secrets or SecretStore())
    jobs = [_one_detector(signal, build, parts) for signal, build in DETECTOR_BUILDERS]
    # python-xlib prints warnings (e.g. "Xlib.xauth: warning, no xauthority details
    # available") straight to sys.stderr, which would land in the middle of the list.
    with contextlib.redirect_stderr(io.StringIO()):
        results = await asyncio.gather(*jobs)
    for lines in results:
        section.lines.extend(lines)
    return section


async def _one_detector(
    signal: str, build: Callable[[DetectorParts], Detector], parts: DetectorParts
) -> list[str]:
    try:
        detector = build(parts)
    except ImportError:
        return [f"{signal}: not available in this build"]
    except Exception as error:
        return [f"{signal}: cannot be created: {error}"]
    return await _report(signal, detector)


async def _report(signal: str, detector: Detector) -> list[str]:
    """Start the detector briefly so its sources are probed, then list them."""
    lines: list[str] = []
    try:
        await asyncio.wait_for(detector.start(lambda observation: None), DETECTOR_TIMEOUT)
    except Exception as error:
        lines.append(f"{signal}: failed to start: {error or type(error).__name__}")
    try:
        reports = detector.report()
        degraded = " (degraded)" if detector.degraded else ""
        lines.append(f"{signal}{degraded}:")
        for report in reports:
            mark = "in use" if report.in_use else "not used"
            detail = f": {one_line(report.detail)}" if report.detail else ""
            lines.append(f"  {report.source} [{mark}]{detail}")
        if not reports:
            lines.append("  no sources")
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(detector.stop(), DETECTOR_TIMEOUT)
    return lines


async def _backends(config: Config, paths: Paths, secrets: SecretStore | None) -> Section:
    section = Section("backends")
    import httpx

    from agent.backends import registry
    from agent.backends.base import ProbeStatus
    from agent.backends.http import host_and_port
    from agent.core.clock import SystemClock
    from agent.secrets import SecretStore

    proxy = config.general.proxy_url or None
    async with httpx.AsyncClient(proxy=proxy, timeout=httpx.Timeout(10.0)) as http:
        context = registry.BackendContext(
            user=config.user,
            secrets=secrets or SecretStore(),
            http=http,
            paths=paths,
            clock=SystemClock(),
            locations=config.locations,
        )
        for entry in config.backends:
            label = f"{entry.name} ({entry.type})"
            if not entry.enabled:
                section.add(f"{label}: disabled")
                continue
            try:
                backend = registry.create_backend(entry, context)
                report = await asyncio.wait_for(backend.probe(), PROBE_TIMEOUT)
                await backend.aclose()
            except Exception as error:
                section.block(f"{label}: probe failed: {error or type(error).__name__}")
                continue
            text = f"{label}: {report.status.value}"
            if report.detail:
                text += f" ({report.detail})"
            if report.fix and report.fix not in report.detail:  # said once is enough
                text += f"; fix: {report.fix}"
            if report.status in (ProbeStatus.UNREACHABLE, ProbeStatus.UNAUTHORISED):
                section.block(f"{text} [{host_and_port(entry.base_url)}]")
            elif report.status is ProbeStatus.MISCONFIGURED:
                section.block(text)
            else:
                section.add(text)
    return section


def one_line(text: str, limit: int = 200) -> str:
    """The first line of a library's message, bounded (pynput's X error runs to five lines)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _ipc(paths: Paths) -> Section:
    from agent import ipc

    section = Section("agent")
    try:
        reply = ipc.request(paths.socket_path, {"cmd": "status"}, timeout=3.0)
    except ipc.AgentNotRunning:
        section.add(f"not running (no agent on {paths.socket_path})")
        return section
    except (OSError, ValueError) as error:
        section.add(f"socket {paths.socket_path} did not answer: {error}")
        return section
    snapshot = reply.get("snapshot")
    pid, status = (
        (snapshot.get("pid", "?"), snapshot.get("status", "?")) if snapshot else ("?", "?")
    )
    section.add(f"running (pid {pid}), status {status}, socket {paths.socket_path}")
    return section
