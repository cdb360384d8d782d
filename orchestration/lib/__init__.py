"""Plain helpers with no Dagster imports (easy to unit-test)."""
