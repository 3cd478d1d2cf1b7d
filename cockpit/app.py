"""Running the cockpit: a window on the desktop until it is closed, or a drive offscreen as fast
as possible that ends in a screenshot (`--snapshot`)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.drive import Drive, DriveConfig, DriveReport
from common.errors import LakehouseError

if TYPE_CHECKING:
    from cockpit.window import CockpitWindow

SIZE = (900, 720)
VERDICT_WAIT_S = 10.0  # the snapshot waits this long at most for the last window's verdict


def _without_size_hints(_mode: object, _context: object, message: str) -> None:
    """Qt's messages, less the offscreen platform's note that it cannot resize to size hints."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _application(offscreen: bool):
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        qInstallMessageHandler(_without_size_hints)
    elif sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise LakehouseError(
            "There is no display to open the cockpit on (DISPLAY is not set): run it in a "
            "desktop session, or drive offscreen with --snapshot FILE.png."
        )
    return QApplication.instance() or QApplication([sys.argv[0]])


def run(config: DriveConfig, speed: float) -> DriveReport:
    """Drive in a window, in real time times `speed`, until the window is closed."""
    from cockpit.window import CockpitWindow

    app = _application(offscreen=False)
    window = CockpitWindow(Drive(config), speed)
    for sig in (signal.SIGINT, signal.SIGTERM):  # handled on the next reading (Python code)
        signal.signal(sig, lambda *_: window.close())
    window.resize(*SIZE)
    window.show()
    window.start()
    app.exec()
    return window.stop()


def snapshot(config: DriveConfig, path: Path, seconds: int) -> DriveReport:
    """Drive `seconds` simulated seconds offscreen as fast as possible and save the window as
    a PNG (`drive_and_save`)."""
    from cockpit.window import CockpitWindow

    _application(offscreen=True)
    window = CockpitWindow(Drive(config))
    window.resize(*SIZE)
    window.show()
    try:
        return drive_and_save(window, path, seconds)
    finally:
        window.close()


def drive_and_save(window: CockpitWindow, path: Path, seconds: int) -> DriveReport:
    """Take `seconds` readings at once, stop the drive (flush, trip metadata) once the last
    window's verdict is in (or `VERDICT_WAIT_S` passed), and save the window as a PNG."""
    from PySide6.QtWidgets import QApplication

    for _ in range(seconds):
        window.advance()
        QApplication.processEvents()
    window.drive.request_verdict()
    window.drive.verdict.wait_idle(VERDICT_WAIT_S)
    report = window.stop()
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise LakehouseError(f"The screenshot could not be written to {path}.")
    return report
