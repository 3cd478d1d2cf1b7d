"""What `lakehouse spark start` needs (Java, Delta Lake's jars, free ports) and the one sentence a
user gets when it is missing, also from `lakehouse report` on Spark without a Thrift server; one
pinned Delta Lake version for Spark's minor."""

from __future__ import annotations

import re
import socket

import pyspark
import pytest

from common.settings import VARIABLES
from ops import report, spark

from ..conftest import REPO_ROOT, free_port


@pytest.fixture(autouse=True)
def ports(monkeypatch):
    for name in ("SPARK_PORT", "SPARK_CONNECT_PORT", "LAKEHOUSE_SPARK_MASTER_PORT"):
        monkeypatch.setenv(name, str(free_port()))


def test_the_delta_jars_match_the_pinned_spark_minor_and_the_default_cache():
    pom = (REPO_ROOT / "jvm" / "delta" / "pom.xml").read_text()
    version = re.search(r"<delta.version>(.+)</delta.version>", pom)
    minor = re.search(r"<spark.minor>(.+)</spark.minor>", pom)
    assert version and minor
    assert pyspark.__version__.startswith(minor[1] + ".")
    default = next(v.default for v in VARIABLES if v.name == "LAKEHOUSE_DELTA_JARS")
    assert default.endswith(f"/delta-{version[1]}")
    assert f"delta-{version[1]}" in (REPO_ROOT / "profiles.yml").read_text()


def test_the_fetched_hive_jar_has_the_hive_version_of_pysparks_jars():
    pom = (REPO_ROOT / "jvm" / "delta" / "pom.xml").read_text()
    hive = re.search(r"<hive.version>(.+)</hive.version>", pom)
    assert hive and (spark.spark_home() / "jars" / f"hive-exec-{hive[1]}-core.jar").is_file()


def test_without_java_the_cluster_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(spark.SparkClusterError, match="needs Java 17"):
        spark.start(tmp_path)


def test_without_the_delta_jars_the_cluster_says_how_to_fetch_them(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DELTA_JARS", str(tmp_path / "none"))
    with pytest.raises(spark.SparkClusterError, match="run `make install`"):
        spark.start(tmp_path)


def test_a_taken_port_is_named_with_its_setting(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("SPARK_CONNECT_PORT", str(taken.getsockname()[1]))
        with pytest.raises(
            spark.SparkClusterError, match=r"taken by another process.*SPARK_CONNECT_PORT"
        ):
            spark.start(tmp_path)
    assert not spark.running(tmp_path)


def test_stop_and_status_of_a_cluster_never_started(tmp_path):
    assert spark.stop(tmp_path) == "the Spark cluster is not running"
    assert "not running (`lakehouse spark start`" in spark.status(tmp_path)


def test_a_report_needs_a_thrift_server_and_not_spark_local(monkeypatch):
    monkeypatch.setenv("SPARK_HOST", "127.0.0.1")  # the autouse fixture's port: nothing there
    with pytest.raises(report.ReportError, match=r"^no Thrift server answers at 127\.0\.0\.1:"):
        report.report_target("spark_connect")
    with pytest.raises(report.ReportError, match="spark_local's catalog lives inside"):
        report.report_target("spark_local")
    assert report.report_target("dev") == "dev"
