"""Elementary's observability report (`edr report`), built offline.

edr reads `~/.edr/config.yml` when it starts, before its options, and would otherwise check
PyPI for a newer version and send usage statistics. It runs here with a HOME of its own under
$LAKEHOUSE_DIR whose config turns both off, and from that directory, because edr writes its
`edr_target/` into the working directory. Its dbt artifacts go to a target path of its own,
so the project's `target/` (and the docs generated there) are left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from common.errors import LakehouseError
from common.settings import Settings

EDR_CONFIG = "anonymous_usage_tracking: false\ndisable_elementary_version_check: true\n"


class ReportError(LakehouseError):
    """edr failed; the message holds the end of its output."""


def build_report(settings: Settings) -> Path:
    """Write `$LAKEHOUSE_DIR/reports/elementary_report.html` from the warehouse's Elementary
    tables (the results of every dbt invocation so far) and return its path."""
    lakehouse_dir = settings.lakehouse_dir
    home = lakehouse_dir / "edr"
    (home / ".edr").mkdir(parents=True, exist_ok=True)
    (home / ".edr" / "config.yml").write_text(EDR_CONFIG)
    report = lakehouse_dir / "reports" / "elementary_report.html"
    report.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "edr"),
        *("report", "--project-name", "mobility_lakehouse", "--open-browser", "false"),
        *("--profiles-dir", str(settings.profiles_dir), "--project-dir", str(settings.project_dir)),
        *("--target-path", str(home / "target"), "--file-path", str(report)),
    ]
    result = subprocess.run(
        command, cwd=home, env={**os.environ, "HOME": str(home)}, capture_output=True, text=True
    )
    if result.returncode != 0 or not report.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise ReportError(f"edr report failed (exit {result.returncode}):\n{tail}")
    return report
