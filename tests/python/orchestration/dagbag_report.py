"""Run with Airflow's Python: load the DAG folder and write what the tests check, as JSON, to
the file named by the first argument (Airflow logs to standard output).

`{"errors": {file: message}, "dags": {dag_id: {"tasks": {task_id: [downstream ids]},
"schedule": str, "outlets": {task_id: [asset names]}}}}`
"""

from __future__ import annotations

import json
import sys

from airflow.dag_processing.dagbag import DagBag


def main() -> None:
    bag = DagBag()
    report = {"errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in bag.dags.items():
        report["dags"][dag_id] = {
            "tasks": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks},
            "schedule": repr(dag.timetable),
            "outlets": {
                t.task_id: sorted(getattr(o, "name", str(o)) for o in t.outlets)
                for t in dag.tasks
                if t.outlets
            },
            "pools": sorted({t.pool for t in dag.tasks if t.task_id.startswith("dbt_build")}),
        }
    with open(sys.argv[1], "w") as out:
        json.dump(report, out)


if __name__ == "__main__":
    main()
