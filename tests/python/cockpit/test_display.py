"""The display model without Qt: readings to shown values, the rolling window, the verdict."""

from __future__ import annotations

from cockpit import display
from cockpit.streaming import StreamState
from cockpit.verdict import Verdict, VerdictState

from .conftest import reading

CONNECTED = StreamState("vehicle.telemetry", True, 120, 118, 0, 2, 0, None)


def test_gauges_show_the_reading_and_flag_the_redline_and_overheating():
    calm = display.gauges(reading(speed_kmh=63.4, rpm=2350, throttle_pct=31.6, brake_pct=0.0))
    assert calm["speed"].text == "63 km/h" and calm["speed"].value == 63.4
    assert calm["rpm"].text == "2,350 rpm (redline 6,500)" and not calm["rpm"].alert
    assert calm["throttle"].text == "32 %" and calm["brake"].text == "0 %"
    assert calm["coolant"].text == "88.0 °C" and not calm["coolant"].alert
    hot = display.gauges(reading(rpm=6500, coolant_temp_c=106.2))
    assert hot["rpm"].alert and hot["coolant"].alert
    assert display.gear_text(reading(gear=5)) == "5"


def test_gauges_before_the_first_reading_are_empty():
    empty = display.gauges(None)
    assert set(empty) == set(display.GAUGES)
    assert all(g.text == display.PLACEHOLDER and g.value == 0 for g in empty.values())
    assert display.gear_text(None) == display.PLACEHOLDER


def test_rolling_window_keeps_the_last_seconds_relative_to_now():
    window = display.RollingWindow(seconds=10)
    for second in range(25):
        window.append(reading(second, speed_kmh=second, rpm=1000 + second))
    assert len(window) == 10
    seconds, speeds, rpms = window.series()
    assert seconds.tolist() == list(range(-9, 1))
    assert speeds.tolist() == list(range(15, 25)) and rpms[-1] == 1024
    assert display.RollingWindow(5).series()[0].size == 0


def test_verdict_waits_for_a_full_window_then_shows_the_answer_beside_the_driven_profile():
    none_yet = VerdictState(None, None, 0)
    waiting = display.verdict_view(none_yet, "calm", readings=12)
    assert waiting.headline == f"{display.PLACEHOLDER} (driven: calm)"
    assert waiting.detail == "waiting for 30 readings (12 so far)" and not waiting.probabilities
    answer = Verdict("aggressive", {"calm": 0.1, "normal": 0.2, "aggressive": 0.7}, "normal",
                     12.3, "driving_style v4")  # fmt: skip
    shown = display.verdict_view(VerdictState(answer, None, 7), "normal", readings=120)
    assert shown.headline == "aggressive (driven: normal, differs)"
    assert shown.probabilities["aggressive"] == 0.7
    assert shown.detail == "12 ms · driving_style v4 · 7 windows judged"
    agreeing = Verdict("normal", answer.probabilities, "normal", 3.0, "driving_style v4")
    assert "agrees" in display.verdict_view(VerdictState(agreeing, None, 8), "normal", 120).headline


def test_banner_names_what_is_missing_and_is_absent_when_everything_answers():
    assert display.banner(CONNECTED, VerdictState(None, None, 0)) is None
    no_broker = StreamState("vehicle.telemetry", False, 0, 0, 0, 0, 40, "Not streaming: no broker")
    no_api = VerdictState(None, "No verdict: no API", 3)
    assert display.banner(no_broker, no_api) == "Not streaming: no broker\nNo verdict: no API"
    assert display.verdict_view(no_api, "calm", 60).detail == "No verdict: no API"


def test_stream_text_counts_what_was_sent_and_what_could_not_be():
    text = display.stream_text(CONNECTED)
    assert text == (
        "vehicle.telemetry (connected) · sent 120 · delivered 118 · failed 0 · producer queue 2"
    )
    offline = StreamState("t", False, 0, 0, 0, 0, 40, "x")
    assert display.stream_text(offline).endswith("(no broker) · sent 0 · delivered 0 · failed 0 · "
                                                 "producer queue 0 · not sent 40")  # fmt: skip
