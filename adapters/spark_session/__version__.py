from importlib.metadata import version as _version

version = _version("mobility-lakehouse")  # the adapter ships with the project
