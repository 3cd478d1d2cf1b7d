from pathlib import Path

import pytest
import yaml

from ops import dbt_packages as dbt_deps
from ops.dbt_packages import DepsError, install_packages


def _package(mirror: Path, name: str, version: str, needs: list[dict] | None = None) -> None:
    folder = mirror / name / version
    folder.mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(f"name: {name}\nversion: '{version}'\n")
    if needs:
        (folder / "packages.yml").write_text(yaml.safe_dump({"packages": needs}))


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(dbt_deps, "accepts", lambda host, port, timeout: False)


@pytest.fixture
def mirror(tmp_path) -> Path:
    root = tmp_path / "mirror"
    needs_utils = [{"package": "dbt-labs/dbt_utils", "version": [">=0.8.0", "<2.0.0"]}]
    _package(root, "elementary", "0.25.1", needs_utils)
    for version in ("0.8.6", "1.3.2", "1.3.3"):
        _package(root, "dbt_utils", version)
    return root


def _project(tmp_path: Path, packages: list[dict], lock: bool = False) -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    name = "package-lock.yml" if lock else "packages.yml"
    (project / name).write_text(yaml.safe_dump({"packages": packages}))
    return project


def test_pinned_packages_and_their_dependencies_come_from_the_mirror(tmp_path, mirror, offline):
    project = _project(tmp_path, [{"package": "elementary-data/elementary", "version": "0.25.1"}])
    outcome = install_packages(project, mirror)
    assert "elementary 0.25.1" in outcome and "dbt_utils 1.3.3" in outcome  # newest in range
    assert (
        (project / "dbt_packages" / "dbt_utils" / "dbt_project.yml")
        .read_text()
        .endswith("'1.3.3'\n")
    )
    assert install_packages(project, mirror) == "already installed"


def test_a_lock_file_pins_exact_versions(tmp_path, mirror, offline):
    lock = [
        {"package": "dbt-labs/dbt_utils", "version": "0.8.6"},
        {"package": "elementary-data/elementary", "version": "0.25.1"},
    ]
    project = _project(tmp_path, lock, lock=True)
    assert "dbt_utils 0.8.6" in install_packages(project, mirror)


def test_a_version_missing_from_the_mirror_is_one_clear_sentence(tmp_path, mirror, offline):
    project = _project(tmp_path, [{"package": "dbt-labs/dbt_utils", "version": "9.9.9"}])
    with pytest.raises(
        DepsError, match=r"has no dbt_utils version matching ==9\.9\.9.*offline-packages"
    ):
        install_packages(project, mirror)


def test_no_mirror_at_all_says_what_to_do(tmp_path, offline):
    project = _project(tmp_path, [{"package": "dbt-labs/dbt_utils", "version": "1.3.3"}])
    with pytest.raises(DepsError, match=r"no package mirror at .*DBT_PACKAGES_MIRROR"):
        install_packages(project, tmp_path / "nowhere")
