from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
from collections.abc import Callable

from agent.config.schema import Config, LocationEntry, LocationSettings
from agent.core.model import Location
from agent.core.signals import LocationObserved, Observation
from agent.detectors.location import LocationDetector, create_location_detector
from agent.platform.linux.net import LinuxNetReader, RouteWatcher
from agent.platform.network_view import InterfaceAddresses, NetworkView, WifiLink
from agent.platform.network_watch import CallbackWatcher
from tests.platform.veth import Veth, needs_root, veth  # noqa: F401
from tests.support import until

OFFICE = Location("office", "level", "Office level 7")


def config(mode: str = "full", **matchers: tuple[str, ...]) -> Config:
    entry = LocationEntry(id="office", type="level", name="Office level 7", **matchers)
    return Config(locations=(entry,), location=LocationSettings(mode=mode))


class FakeReader:
    source = "fake"

    def __init__(self, view: NetworkView | None = None) -> None:
        self.view = view or NetworkView()
        self.reads = 0

    def read(self) -> NetworkView:
        self.reads += 1
        return self.view


class FakeWatcher:
    source = "fake-watch"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.on_change: Callable[[], None] | None = None

    def start(self, on_change: Callable[[], None]) -> None:
        if self.fail:
            raise OSError("no netlink here")
        self.on_change = on_change

    def stop(self) -> None:
        self.on_change = None


class FakeWifi:
    source = "fake-wifi"

    def __init__(self) -> None:
        self.links: tuple[WifiLink, ...] = ()
        self.on_change: Callable[[], None] | None = None

    async def start(self, on_change: Callable[[], None]) -> None:
        self.on_change = on_change

    async def read(self) -> tuple[WifiLink, ...]:
        return self.links

    async def stop(self) -> None:
        self.on_change = None


def at(*addresses: str) -> NetworkView:
    interface = InterfaceAddresses("eth0", tuple(ipaddress.ip_interface(a) for a in addresses))
    return NetworkView(interfaces=(interface,))


def locations(seen: list[Observation]) -> list[Location | None]:
    return [o.location for o in seen if isinstance(o, LocationObserved)]


def test_pushes_the_first_reading_and_then_only_changes():
    async def scenario() -> None:
        reader, watcher, seen = FakeReader(at("10.5.0.9/24")), FakeWatcher(), []
        detector = LocationDetector(config(subnet=("10.5.0.0/16",)), reader, watcher, settle=0.01)
        await detector.start(seen.append)
        assert locations(seen) == [OFFICE]
        assert seen[0] == LocationObserved(OFFICE, source="subnet")
        assert watcher.on_change is not None
        watcher.on_change()  # a change that does not change the match
        await until(lambda: reader.reads == 2)
        reader.view = at("192.168.1.4/24")
        watcher.on_change()
        watcher.on_change()  # a burst is read once
        await until(lambda: len(seen) == 2)
        assert locations(seen) == [OFFICE, None]
        assert reader.reads == 3
        await detector.stop()
        assert watcher.on_change is None

    asyncio.run(scenario())


def test_wifi_source_changes_are_matched():
    async def scenario() -> None:
        wifi, seen = FakeWifi(), []
        detector = LocationDetector(
            config(bssid=("aa:bb:cc:dd:ee:01",)), FakeReader(), FakeWatcher(), wifi, settle=0.01
        )
        await detector.start(seen.append)
        assert locations(seen) == [None]
        wifi.links = (WifiLink("wlan0", "Corp", "AA:BB:CC:DD:EE:01"),)
        assert wifi.on_change is not None
        wifi.on_change()
        await until(lambda: len(seen) == 2)
        assert seen[1] == LocationObserved(OFFICE, source="bssid")
        await detector.stop()
        assert wifi.on_change is None

    asyncio.run(scenario())


def test_mode_off_never_reads_the_network():
    async def scenario() -> None:
        reader, seen = FakeReader(at("10.5.0.9/24")), []
        detector = LocationDetector(config("off", subnet=("10.5.0.0/16",)), reader, FakeWatcher())
        await detector.start(seen.append)
        assert reader.reads == 0 and seen == []
        assert [r.source for r in detector.report() if r.in_use] == []
        assert not detector.degraded
        detector.reconfigure(config("full", subnet=("10.5.0.0/16",)))
        await until(lambda: seen)
        assert locations(seen) == [OFFICE]
        detector.reconfigure(config("off", subnet=("10.5.0.0/16",)))
        await until(lambda: not detector.report()[0].in_use)
        reads = reader.reads
        await detector.stop()
        assert reader.reads == reads

    asyncio.run(scenario())


def test_reconfigure_rematches_at_once():
    async def scenario() -> None:
        seen: list[Observation] = []
        detector = LocationDetector(
            config(subnet=("10.6.0.0/16",)), FakeReader(at("10.5.0.9/24")), FakeWatcher()
        )
        await detector.start(seen.append)
        detector.reconfigure(config(subnet=("10.5.0.0/16",)))
        await until(lambda: len(seen) == 2)
        assert locations(seen) == [None, OFFICE]
        await detector.stop()

    asyncio.run(scenario())


def test_without_a_watcher_it_rechecks_on_a_slow_timer_and_says_so():
    async def scenario() -> None:
        reader, seen = FakeReader(), []
        detector = LocationDetector(
            config(subnet=("10.5.0.0/16",)), reader, FakeWatcher(fail=True), recheck_every=0.05
        )
        await detector.start(seen.append)
        reader.view = at("10.5.0.9/24")
        await until(lambda: len(seen) == 2)
        report = {r.source: r for r in detector.report()}
        assert not report["fake-watch"].in_use
        assert "no netlink here" in report["fake-watch"].detail
        assert report["timer"].in_use
        assert detector.degraded
        await detector.stop()

    asyncio.run(scenario())


def test_hidden_wifi_note_reaches_the_report():
    note = "Wi-Fi name hidden: allow location access"
    view = dataclasses.replace(at("10.5.0.9/24"), notes=(note,))

    async def scenario() -> None:
        detector = LocationDetector(config(ssid=("Corp",)), FakeReader(view), FakeWatcher())
        await detector.start(lambda _: None)
        (first, *_) = detector.report()
        assert first.in_use and first.detail == note
        assert detector.degraded
        await detector.stop()

    asyncio.run(scenario())


def test_a_failing_reader_keeps_the_last_location():
    class Broken(FakeReader):
        def read(self) -> NetworkView:
            raise OSError("boom")

    async def scenario() -> None:
        seen: list[Observation] = []
        detector = LocationDetector(config(subnet=("10.5.0.0/16",)), Broken(), FakeWatcher())
        await detector.start(seen.append)
        assert seen == []
        assert detector.degraded and "boom" in detector.report()[0].detail
        await detector.stop()

    asyncio.run(scenario())


@needs_root
def test_real_veth_in_a_configured_subnet_is_the_office(veth: Veth):  # noqa: F811
    async def scenario() -> None:
        seen: list[Observation] = []
        detector = LocationDetector(
            config(subnet=("10.77.0.0/24",)), LinuxNetReader(), RouteWatcher()
        )
        await detector.start(seen.append)
        assert locations(seen) == [None]
        veth.up("10.77.0.2/24")
        await until(lambda: len(seen) == 2)
        assert locations(seen) == [None, OFFICE]
        veth.delete()
        await until(lambda: len(seen) == 3)
        assert locations(seen) == [None, OFFICE, None]
        assert [r.source for r in detector.report() if r.in_use] == ["linux-proc", "rtnetlink"]
        await detector.stop()

    asyncio.run(scenario())


@needs_root
def test_real_veth_ipv6_subnet(veth: Veth):  # noqa: F811
    async def scenario() -> None:
        seen: list[Observation] = []
        detector = LocationDetector(
            config(subnet=("fd77:77::/48",)), LinuxNetReader(), RouteWatcher()
        )
        await detector.start(seen.append)
        veth.up("fd77:77:0:1::2/64")
        await until(lambda: len(seen) == 2)
        assert locations(seen) == [None, OFFICE]
        await detector.stop()

    asyncio.run(scenario())


def test_factory_builds_the_linux_detector():
    detector = create_location_detector(config(subnet=("10.5.0.0/16",)))
    assert [r.source for r in detector.report()] == ["linux-proc", "rtnetlink", "networkmanager"]


def test_callback_watcher_hands_os_thread_callbacks_to_the_loop():
    import threading

    cancelled: list[bool] = []

    def register(callback: Callable[[], None]) -> Callable[[], None]:
        threading.Thread(target=callback).start()  # an OS notification thread
        return lambda: cancelled.append(True)

    async def scenario() -> None:
        loop_thread = threading.get_ident()
        called_on: list[int] = []
        watcher = CallbackWatcher("os-notify", register)
        watcher.start(lambda: called_on.append(threading.get_ident()))
        await until(lambda: called_on)
        assert called_on == [loop_thread]
        watcher.stop()
        assert cancelled == [True]

    asyncio.run(scenario())
