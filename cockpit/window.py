"""The cockpit's Qt window: gauges, the rolling chart, the driver's profile, the streaming state
and the live verdict, refreshed from the display model on every reading (docs/cockpit.md)."""

from __future__ import annotations

import pyqtgraph as pg  # binds to PySide6, the one Qt binding the cockpit extra installs
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from cockpit import display
from cockpit.drive import RATE_HZ, Drive, DriveReport
from ingest.upstream.telemetry.profiles import POWERTRAIN, PROFILES

PROFILE_NAMES = [p.name for p in PROFILES]
PROFILE_KEYS = {Qt.Key.Key_1: "calm", Qt.Key.Key_2: "normal", Qt.Key.Key_3: "aggressive"}
HAND_BRAKE = 0.8  # the Down key presses the brake this far (the Up key: full throttle)
STYLE = """
QWidget { background: #1d1f24; color: #e8e8e8; font-size: 13px; }
QLabel#banner { background: #b3261e; color: white; padding: 6px; font-weight: bold; }
QLabel#gear { font-size: 44px; font-weight: bold; }
QLabel#headline { font-size: 16px; font-weight: bold; }
QProgressBar { border: 1px solid #555; border-radius: 3px; text-align: center; min-height: 20px; }
QProgressBar::chunk { background: #3d8bd4; }
QProgressBar[alert="true"]::chunk { background: #d4493d; }
QComboBox { border: 1px solid #555; padding: 2px 8px; }
"""
KEYS_HELP = (
    "Keys: K hand/simulated driver · Up throttle · Down brake · 1 calm · 2 normal · 3 aggressive"
)


class CockpitWindow(QWidget):
    """One vehicle's cockpit. `advance()` takes one reading; the timer calls it in real time
    (or `speed` times faster); closing the window stops the drive (`stop()`)."""

    def __init__(self, drive: Drive, speed: float = 1.0) -> None:
        super().__init__()
        self.drive = drive
        self.by_hand = False
        self._pressed: set[Qt.Key] = set()
        self.setWindowTitle(f"Cockpit · {drive.simulator.vehicle_ids[0]}")
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, round(1000 / (RATE_HZ * speed))))
        self.timer.timeout.connect(self.advance)

        self.banner = _label("banner")
        self.bars = {name: QProgressBar(textVisible=True) for name in display.GAUGES}
        self.gear = _label("gear")
        self.gear.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.profile = QComboBox()
        self.profile.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrow keys drive the car
        self.profile.addItems(PROFILE_NAMES)
        self.profile.setCurrentText(drive.profile)
        self.profile.currentTextChanged.connect(self._switch_profile)
        self.mode = QLabel()
        self.stream = QLabel(wordWrap=True)
        self.headline = _label("headline")
        self.probabilities = {name: QProgressBar(textVisible=True) for name in PROFILE_NAMES}
        self.verdict_detail = QLabel(wordWrap=True)
        self.speed_curve, self.rpm_curve, chart = _chart()
        self._lay_out(chart)
        self.refresh()

    def _lay_out(self, chart: QWidget) -> None:
        gauges = QGridLayout()
        for row, (name, bar) in enumerate(self.bars.items()):
            gauges.addWidget(QLabel(display.GAUGES[name][0]), row, 0)
            gauges.addWidget(bar, row, 1)
        gear = QVBoxLayout()
        gear.addWidget(QLabel("Gear", alignment=Qt.AlignmentFlag.AlignCenter))
        gear.addWidget(self.gear)
        top = QHBoxLayout()
        top.addLayout(gauges, 5)
        top.addLayout(gear, 1)
        driver = QHBoxLayout()
        driver.addWidget(QLabel("Driver profile"))
        driver.addWidget(self.profile)
        driver.addWidget(self.mode, 1)
        verdict = QGridLayout()
        verdict.addWidget(QLabel("Live verdict"), 0, 0)
        verdict.addWidget(self.headline, 0, 1, 1, 3)
        for column, bar in enumerate(self.probabilities.values()):
            verdict.addWidget(bar, 1, column + 1)
        verdict.addWidget(QLabel("P(profile)"), 1, 0)
        verdict.addWidget(self.verdict_detail, 2, 1, 1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(chart, 1)
        layout.addLayout(driver)
        layout.addWidget(_titled("Streaming", self.stream))
        layout.addLayout(verdict)
        layout.addWidget(QLabel(KEYS_HELP))

    def start(self) -> None:
        self.timer.start()

    def advance(self) -> None:
        """One reading, then the display."""
        self.drive.tick()
        self.refresh()

    def refresh(self) -> None:
        """Every panel from the drive's latest reading and its workers' states."""
        drive = self.drive
        for name, gauge in display.gauges(drive.latest).items():
            bar = self.bars[name]
            bar.setRange(0, round(gauge.maximum))
            bar.setValue(round(gauge.value))
            bar.setFormat(gauge.text)
            if bar.property("alert") != gauge.alert:
                bar.setProperty("alert", gauge.alert)
                bar.style().polish(bar)
        self.gear.setText(display.gear_text(drive.latest))
        seconds, speeds, rpms = drive.window.series()
        self.speed_curve.setData(seconds, speeds)
        self.rpm_curve.setData(seconds, rpms)
        self.mode.setText(
            "Driven by hand (Up/Down)" if self.by_hand else "Driven by the simulated driver"
        )
        stream = drive.stream.state()
        self.stream.setText(display.stream_text(stream))
        verdict_state = drive.verdict.state()
        view = display.verdict_view(verdict_state, drive.profile, len(drive.window))
        self.headline.setText(view.headline)
        for name, bar in self.probabilities.items():
            probability = view.probabilities.get(name)
            bar.setRange(0, 100)
            bar.setValue(round(100 * probability) if probability is not None else 0)
            bar.setFormat(
                f"{name} {probability:.0%}"
                if probability is not None
                else f"{name} {display.PLACEHOLDER}"
            )
        self.verdict_detail.setText(view.detail)
        message = display.banner(stream, verdict_state)
        self.banner.setText(message or "")
        self.banner.setVisible(message is not None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if event.isAutoRepeat():
            return
        if key == Qt.Key.Key_K:
            self.by_hand = not self.by_hand
        elif key in PROFILE_KEYS:
            self.profile.setCurrentText(PROFILE_KEYS[key])
        else:
            self._pressed.add(key)
        self._set_pedals()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if not event.isAutoRepeat():
            self._pressed.discard(Qt.Key(event.key()))
            self._set_pedals()

    def _set_pedals(self) -> None:
        throttle = 1.0 if Qt.Key.Key_Up in self._pressed else 0.0
        brake = HAND_BRAKE if Qt.Key.Key_Down in self._pressed else 0.0
        self.drive.pedals = (throttle, brake) if self.by_hand else None
        self.refresh()

    def _switch_profile(self, profile: str) -> None:
        self.drive.switch_profile(profile)
        self.refresh()

    def stop(self) -> DriveReport:
        """Stop the timer and the drive (once): flush the topic, write the trip metadata."""
        self.timer.stop()
        report = self.drive.stop()
        self.refresh()
        return report

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        event.accept()


def _chart() -> tuple[pg.PlotDataItem, pg.PlotDataItem, QWidget]:
    """Speed above, RPM below (with the redline), over the rolling window's seconds."""
    chart = pg.GraphicsLayoutWidget()
    chart.setBackground("#1d1f24")
    speed = chart.addPlot(row=0, col=0)
    speed.setLabel("left", "km/h")
    speed.setYRange(0, 140)
    rpm = chart.addPlot(row=1, col=0)
    rpm.setLabel("left", "rpm")
    rpm.setLabel("bottom", "seconds (0: now)")
    rpm.setYRange(0, display.RPM_MAX)
    rpm.setXLink(speed)
    rpm.addItem(pg.InfiniteLine(POWERTRAIN.redline_rpm, angle=0, pen=pg.mkPen("#d4493d")))
    for plot in (speed, rpm):
        plot.setXRange(-120, 0)
        plot.showGrid(x=True, y=True, alpha=0.2)
    return (
        speed.plot(pen=pg.mkPen("#3d8bd4", width=2)),
        rpm.plot(pen=pg.mkPen("#e0a030", width=2)),
        chart,
    )


def _label(name: str) -> QLabel:
    """A label the style sheet finds by its object name."""
    label = QLabel(wordWrap=True)
    label.setObjectName(name)
    return label


def _titled(title: str, body: QLabel) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(QLabel(title))
    row.addWidget(body, 1)
    return box
