"""Which PulseAudio capture streams are a person at a microphone (pure, no server).

The real-server tests (tests/detectors/test_call_pulse.py) cover monitors, meters,
module streams and ignored apps; a corked stream and the meter markers a ``parecord``
cannot produce are checked here on plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from agent.platform.linux.pulse_capture import CaptureStream, is_real_capture, read_captures

INVALID = 2**32 - 1


@dataclass
class Output:
    """The attributes of a ``pulsectl`` source output that the reader uses."""

    name: str = "Recording"
    source: int = 1
    client: int | None = 7
    corked: int = 0
    resample_method: str = ""
    proplist: dict[str, str] = field(
        default_factory=lambda: {
            "application.name": "Zoom",
            "application.process.binary": "zoom",
        }
    )


@dataclass
class Source:
    index: int
    monitor_of_sink: int | None = INVALID


class Pulse:
    def __init__(self, *outputs: Output) -> None:
        self.outputs = list(outputs)

    def source_list(self) -> list[Source]:
        return [Source(1), Source(2, monitor_of_sink=0)]

    def source_output_list(self) -> list[Output]:
        return self.outputs


def test_reader_turns_outputs_into_plain_values() -> None:
    (stream,) = read_captures(Pulse(Output()))
    assert stream == CaptureStream(
        app="Zoom",
        binary="zoom",
        media_name="Recording",
        from_monitor=False,
        corked=False,
        peak_meter=False,
        has_client=True,
    )
    assert is_real_capture(stream)


@pytest.mark.parametrize(
    "output",
    [
        pytest.param(Output(corked=1), id="corked"),
        pytest.param(Output(source=2), id="monitor"),
        pytest.param(Output(client=None), id="module stream"),
        pytest.param(Output(client=INVALID), id="module stream (invalid index)"),
        pytest.param(Output(resample_method="peaks"), id="peaks resampler"),
        pytest.param(Output(name="plasmapa-volumemeter"), id="plasma meter"),
        pytest.param(
            Output(proplist={"application.id": "org.PulseAudio.pavucontrol"}), id="pavucontrol"
        ),
    ],
)
def test_streams_that_are_not_a_call(output: Output) -> None:
    (stream,) = read_captures(Pulse(output))
    assert not is_real_capture(stream)
