"""Machine-learning logic called by the project's dbt Python models (see models/ml/).

Importing it first sets what the libraries below read at import time: MLflow sends no usage
telemetry, and Matplotlib keeps its font cache under $LAKEHOUSE_DIR, not the home directory.
"""

import os

from common.settings import lakehouse_dir

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MPLCONFIGDIR", str(lakehouse_dir() / "cache" / "matplotlib"))
