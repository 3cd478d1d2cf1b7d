"""Install a dbt project's packages: `dbt deps` when the package hub is reachable, otherwise
the same pinned versions from a local mirror laid out as `<mirror>/<package-name>/<version>/`.

The mirror exists for machines without internet access. It is filled once by copying release
tags of the packages' public repositories (see docs/offline-packages.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from common.errors import LakehouseError
from common.network import accepts

HUB_HOST = "hub.getdbt.com"
MARKER = ".lakehouse-deps.json"


class DepsError(LakehouseError):
    """Packages could not be installed; the message says what to do."""


def edr_project_dir() -> Path:
    """The internal dbt project of Elementary's `edr` command, whose packages it needs too."""
    import elementary

    return Path(elementary.__file__).parent / "monitor" / "dbt_project"


@dataclass(frozen=True)
class Requirement:
    name: str  # the package's name in the mirror and in dbt_packages/ (e.g. "dbt_utils")
    hub_name: str  # e.g. "dbt-labs/dbt_utils"
    specifier: SpecifierSet

    @classmethod
    def from_entry(cls, entry: dict) -> Requirement:
        if "package" not in entry:
            kind = next(iter(entry), "unknown")
            raise DepsError(f"Only hub packages can come from the mirror, not a '{kind}' package.")
        versions = entry["version"]
        versions = versions if isinstance(versions, list) else [versions]
        parts = [v if v[0] in "<>=!~" else f"=={v}" for v in map(str, versions)]
        return cls(entry["package"].split("/")[-1], entry["package"], SpecifierSet(",".join(parts)))


def install_packages(project_dir: Path, mirror_dir: Path, hub_timeout: float = 3.0) -> str:
    """Make `project_dir/dbt_packages` hold the pinned packages; says how it was done."""
    spec_file = _spec_file(project_dir)
    if spec_file is None:
        return "no packages needed"
    spec_hash = hashlib.sha256(spec_file.read_bytes()).hexdigest()
    install_dir = project_dir / "dbt_packages"
    if _installed_hash(install_dir) == spec_hash:
        return "already installed"

    if accepts(HUB_HOST, 443, hub_timeout):
        result = subprocess.run(
            ["dbt", "deps", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            _write_marker(install_dir, spec_hash, {})
            return "installed with dbt deps"
    how = _install_from_mirror(spec_file, install_dir, mirror_dir)
    _write_marker(install_dir, spec_hash, how)
    return "installed from the mirror: " + ", ".join(f"{n} {v}" for n, v in how.items())


def _spec_file(project_dir: Path) -> Path | None:
    """The lock file when the project ships one (exact versions), else packages.yml."""
    for name in ("package-lock.yml", "packages.yml"):
        if (project_dir / name).is_file():
            return project_dir / name
    return None


def _install_from_mirror(spec_file: Path, install_dir: Path, mirror_dir: Path) -> dict[str, str]:
    if not mirror_dir.is_dir():
        raise DepsError(
            f"The dbt package hub is unreachable and there is no package mirror at {mirror_dir}: "
            "connect to the internet, or fill the mirror as docs/offline-packages.md shows "
            "(or point DBT_PACKAGES_MIRROR at one)."
        )
    pending = [Requirement.from_entry(e) for e in _read_packages(spec_file)]
    chosen: dict[str, Version] = {}
    while pending:
        requirement = pending.pop(0)
        if requirement.name in chosen:
            if chosen[requirement.name] not in requirement.specifier:
                raise DepsError(
                    f"{requirement.hub_name} is needed as {requirement.specifier} and as "
                    f"{chosen[requirement.name]}; pin one version that satisfies both."
                )
            continue
        version = _best_mirrored(mirror_dir, requirement)
        chosen[requirement.name] = version
        package_dir = mirror_dir / requirement.name / str(version)
        if (package_dir / "packages.yml").is_file():
            pending += [
                Requirement.from_entry(e) for e in _read_packages(package_dir / "packages.yml")
            ]

    if install_dir.exists():
        shutil.rmtree(install_dir)
    install_dir.mkdir(parents=True)
    for name, version in chosen.items():
        shutil.copytree(
            mirror_dir / name / str(version),
            install_dir / name,
            ignore=shutil.ignore_patterns("integration_tests", ".git*", "docs", "doc"),
        )
    return {name: str(version) for name, version in chosen.items()}


def _best_mirrored(mirror_dir: Path, requirement: Requirement) -> Version:
    candidates = []
    for path in (mirror_dir / requirement.name).glob("*/dbt_project.yml"):
        try:
            candidates.append(Version(path.parent.name))
        except InvalidVersion:
            continue
    matching = sorted(v for v in candidates if v in requirement.specifier)
    if not matching:
        have = ", ".join(str(v) for v in sorted(candidates)) or "none"
        raise DepsError(
            f"The dbt package hub is unreachable and the mirror at {mirror_dir} has no "
            f"{requirement.name} version matching {requirement.specifier} (it has: {have}): "
            f"add {requirement.hub_name} at such a version as "
            f"{mirror_dir}/{requirement.name}/<version>/ (see docs/offline-packages.md)."
        )
    return matching[-1]


def _read_packages(path: Path) -> list[dict]:
    return (yaml.safe_load(path.read_text()) or {}).get("packages") or []


def _installed_hash(install_dir: Path) -> str | None:
    try:
        return json.loads((install_dir / MARKER).read_text())["spec_sha256"]
    except (OSError, ValueError, KeyError):
        return None


def _write_marker(install_dir: Path, spec_hash: str, versions: dict[str, str]) -> None:
    install_dir.mkdir(parents=True, exist_ok=True)
    marker = {"spec_sha256": spec_hash, "versions": versions}
    (install_dir / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
