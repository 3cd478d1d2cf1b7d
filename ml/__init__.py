"""Machine-learning logic called by the project's dbt Python models (see models/ml/)."""
