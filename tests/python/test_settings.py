"""Settings that live in two places must agree."""

from __future__ import annotations

import re

from common.settings import DEMO_PERIOD_END
from ingest.upstream.mobility.generator import GeneratorConfig
from ingest.upstream.telemetry.simulator import DEFAULT_START, SimulationConfig

from .conftest import REPO_ROOT


def test_elementary_judges_the_demo_data_as_of_the_end_of_their_period():
    project = (REPO_ROOT / "dbt_project.yml").read_text()
    default = re.search(r"env_var\('LAKEHOUSE_AS_OF', '([^']+)'\)", project).group(1)
    assert default == DEMO_PERIOD_END.strftime("%Y-%m-%dT%H:%M:%S")
    config = GeneratorConfig()
    assert config.start_date.toordinal() + config.days == DEMO_PERIOD_END.date().toordinal()
    assert SimulationConfig().start == DEFAULT_START < DEMO_PERIOD_END
