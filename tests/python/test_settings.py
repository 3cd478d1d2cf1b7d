"""Settings are defined once (common/settings.py); every place that restates them agrees."""

from __future__ import annotations

import ast
import re

import pytest

from common.errors import InvalidSetting
from common.settings import DEMO_PERIOD_END, VARIABLES, bronze_format, env_int
from ingest.upstream.mobility.generator import GeneratorConfig
from ingest.upstream.telemetry.simulator import DEFAULT_START, SimulationConfig

from .conftest import REPO_ROOT

NAMES = {v.name for v in VARIABLES}
DEFAULTS = {v.name: v.default for v in VARIABLES}
PACKAGES = ("common", "ingest", "ml", "ops", "benchmarks", "adapters")


def test_env_example_lists_exactly_the_settings():
    listed = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO_ROOT / ".env.example").read_text(), re.M)
    assert sorted(listed) == sorted(NAMES)


def test_the_configuration_docs_list_exactly_the_settings():
    rows = re.findall(
        r"^\| `([A-Z][A-Z0-9_]+)` \|", (REPO_ROOT / "docs" / "configuration.md").read_text(), re.M
    )
    assert sorted(rows) == sorted(NAMES)


def test_dbt_reads_the_same_variables_with_the_same_defaults():
    files = [REPO_ROOT / "profiles.yml", REPO_ROOT / "dbt_project.yml"]
    files += sorted((REPO_ROOT / "models").rglob("*.yml")) + sorted(
        (REPO_ROOT / "macros").rglob("*.sql")
    )
    found = set()
    for path in files:
        for name, default in re.findall(
            r"env_var\(\s*'([A-Z_]+)'\s*,\s*'([^']*)'", path.read_text()
        ):
            assert name in NAMES, (
                f"{path.name} reads {name}, which common/settings.py does not list"
            )
            assert default == DEFAULTS[name], f"{path.name}: {name} defaults to {default!r}"
            found.add(name)
    dbt_only = {v.name for v in VARIABLES if v.read_by in ("dbt", "both")}
    assert dbt_only <= found


def test_python_reads_the_environment_only_through_the_settings_module():
    readers = []
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            if path == REPO_ROOT / "common" / "settings.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                call = isinstance(node, ast.Call) and ast.unparse(node.func) in (
                    "os.environ.get",
                    "os.getenv",
                )
                item = (
                    isinstance(node, ast.Subscript)
                    and ast.unparse(node.value) == "os.environ"
                    and isinstance(node.ctx, ast.Load)
                )
                if call or item:
                    readers.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert not readers, f"read the environment through common.settings.env(): {readers}"


def test_bad_values_are_one_sentence_naming_the_variable(monkeypatch):
    monkeypatch.setenv("BRONZE_FORMAT", "iceberg")
    with pytest.raises(InvalidSetting, match="BRONZE_FORMAT must be one of delta, parquet"):
        bronze_format()
    monkeypatch.setenv("LAKEHOUSE_BROKER_PORT", "port")
    with pytest.raises(InvalidSetting, match="LAKEHOUSE_BROKER_PORT must be a whole number"):
        env_int("LAKEHOUSE_BROKER_PORT", 1, 65_535)
    monkeypatch.setenv("LAKEHOUSE_BROKER_PORT", "70000")
    with pytest.raises(InvalidSetting, match="between 1 and 65535"):
        env_int("LAKEHOUSE_BROKER_PORT", 1, 65_535)


def test_elementary_judges_the_demo_data_as_of_the_end_of_their_period():
    assert DEFAULTS["LAKEHOUSE_AS_OF"] == DEMO_PERIOD_END.strftime("%Y-%m-%dT%H:%M:%S")
    config = GeneratorConfig()
    assert config.start_date.toordinal() + config.days == DEMO_PERIOD_END.date().toordinal()
    assert SimulationConfig().start == DEFAULT_START < DEMO_PERIOD_END
