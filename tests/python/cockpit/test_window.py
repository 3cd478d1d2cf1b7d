"""The Qt window offscreen (pytest-qt): readings arrive on the timer, the profile switches while
driving, the keyboard drives, the banner says what is absent, and the snapshot fills every
gauge."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from cockpit import app, display
from cockpit.drive import Drive
from cockpit.window import CockpitWindow


@pytest.fixture
def window(qtbot, offline_drive: Drive) -> CockpitWindow:
    shown = CockpitWindow(offline_drive, speed=50)  # a reading every 20 ms
    qtbot.addWidget(shown)
    shown.resize(*app.SIZE)
    shown.show()
    return shown


def test_readings_arrive_on_the_timer_and_fill_the_gauges_and_the_chart(qtbot, window):
    assert window.bars["speed"].format() == display.PLACEHOLDER
    window.start()
    qtbot.waitUntil(lambda: window.drive.readings >= 10, timeout=5_000)
    assert all(bar.format() != display.PLACEHOLDER for bar in window.bars.values())
    assert window.gear.text().isdigit()
    assert len(window.speed_curve.getData()[0]) >= 10
    assert window.bars["speed"].format() == f"{window.drive.latest.speed_kmh:.0f} km/h"


def test_the_profile_switches_while_driving_from_the_keys_and_the_list(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: window.drive.readings >= 3, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_3)
    assert window.drive.profile == "aggressive" and window.profile.currentText() == "aggressive"
    window.profile.setCurrentText("calm")
    assert window.drive.profile == "calm"
    assert "(driven: calm)" in window.headline.text()


def test_the_keyboard_drives_throttle_and_brake(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert window.by_hand and "by hand" in window.mode.text()
    qtbot.keyPress(window, Qt.Key.Key_Up)
    for _ in range(12):
        window.advance()
    assert window.bars["throttle"].format() == "100 %"
    fast = window.drive.latest.speed_kmh
    qtbot.keyRelease(window, Qt.Key.Key_Up)
    qtbot.keyPress(window, Qt.Key.Key_Down)
    window.advance()
    assert window.bars["brake"].format() == "80 %" and window.bars["throttle"].format() == "0 %"
    assert window.drive.latest.speed_kmh < fast
    qtbot.keyRelease(window, Qt.Key.Key_Down)
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert window.drive.pedals is None


def test_the_banner_says_the_broker_and_the_api_are_absent_and_driving_goes_on(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: "Not streaming" in window.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "No verdict" in window.banner.text(), timeout=10_000)
    assert window.banner.isVisible() and "lakehouse broker start" in window.banner.text()
    moving = window.drive.readings
    qtbot.waitUntil(lambda: window.drive.readings > moving + 5, timeout=5_000)
    assert "not sent" in window.stream.text()


def test_the_snapshot_fills_every_gauge_and_says_what_is_absent(window, tmp_path: Path):
    png = tmp_path / "cockpit.png"
    report = app.drive_and_save(window, png, seconds=40)
    assert report.readings == 40 and report.trip_metadata.exists()
    assert all(bar.format() != display.PLACEHOLDER for bar in window.bars.values())
    assert window.gear.text().isdigit() and len(window.rpm_curve.getData()[0]) == 40
    assert "not sent 40" in window.stream.text()
    assert "No verdict" in window.banner.text() and "lakehouse serve" in window.banner.text()
    image = QImage(str(png))
    assert (image.width(), image.height()) == app.SIZE
    assert len({image.pixel(x, y) for x in range(0, 900, 7) for y in range(0, 720, 7)}) > 20
