"""Dagster definitions, one module per concern."""

import warnings

import dagster as dg

# Every asset runs one as-of day per run (`backfill_policy`, resources.ONE_DAY_PER_RUN), a
# parameter Dagster 1.13 still calls beta: said once here, not on every start of the UI.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy`", category=dg.BetaWarning)
