"""Elementary's observability report (`edr report`), built offline.

edr reads `~/.edr/config.yml` when it starts, before its options, and would otherwise check
PyPI for a newer version and send usage statistics. It runs here with a HOME of its own under
$LAKEHOUSE_DIR whose config turns both off, and from that directory, because edr writes its
`edr_target/` into the working directory. Its dbt artifacts go to a target path of its own,
so the project's `target/` (and the docs generated there) are left alone.

The report reads the warehouse the dbt target built: DuckDB's, or a Spark cluster's Elementary
tables through its Thrift server (the `elementary` profile's `spark` output). The project's
cluster (`lakehouse spark start`) serves Thrift over the catalog `spark_connect` builds in;
`spark_local`'s catalog lives inside one dbt process, so no server can read it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from common.errors import LakehouseError
from common.network import accepts
from common.settings import Settings, env
from ops import spark

EDR_CONFIG = "anonymous_usage_tracking: false\ndisable_elementary_version_check: true\n"
# The `elementary` profile's output (profiles.yml) for each dbt target that can be reported on.
REPORT_TARGETS = {"dev": "dev", "spark": "spark", "spark_connect": "spark"}


class ReportError(LakehouseError):
    """edr failed; the message holds the end of its output."""


def report_target(dbt_target: str) -> str:
    """The `elementary` profile's output for a dbt target; one sentence when there is none or
    its Thrift server does not answer."""
    if dbt_target not in REPORT_TARGETS:
        raise ReportError(
            f"no report for the dbt target {dbt_target!r}: the report reads DuckDB (`dev`) or a "
            "Spark cluster through Thrift (`spark`, `spark_connect`); spark_local's catalog "
            "lives inside its dbt run."
        )
    output = REPORT_TARGETS[dbt_target]
    if output == "spark":
        host, port = env("SPARK_HOST"), spark.Ports.from_env().thrift
        if not accepts(host, port):
            raise ReportError(
                f"no Thrift server answers at {host}:{port}: start the project's cluster with "
                "`lakehouse spark start`, or set SPARK_HOST and SPARK_PORT to a server's."
            )
    return output


def build_report(settings: Settings, dbt_target: str) -> Path:
    """Write `$LAKEHOUSE_DIR/reports/elementary_report.html` from the Elementary tables of the
    warehouse `dbt_target` builds (the results of every dbt invocation so far); return its path."""
    output = report_target(dbt_target)
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
        *("--profile-target", output),
    ]
    result = subprocess.run(
        command, cwd=home, env={**os.environ, "HOME": str(home)}, capture_output=True, text=True
    )
    if result.returncode != 0 or not report.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise ReportError(f"edr report failed (exit {result.returncode}):\n{tail}")
    return report
