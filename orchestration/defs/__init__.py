"""Dagster definitions, one module per concern."""
