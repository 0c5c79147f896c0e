"""Tooling around the activation warehouse dbt project.

Runtime (the modules here): load, checks, publish, report. Development tools (demo data,
benchmarks) in ``activation_warehouse.dev``, which no runtime module imports (docs/tooling.md).
"""

__version__ = "0.1.0"
