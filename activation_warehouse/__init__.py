"""Tooling around the activation warehouse dbt project: demo data, loading, reporting."""

__version__ = "0.1.0"
