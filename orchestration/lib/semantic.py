"""The dbt semantic layer, queried in process through MetricFlow's Python API.

The semantic models (`dbt_project/models/semantic`) are views in the warehouse's `semantic`
schema; the publish step copies them into the serving database as tables of the same names,
so a query reads the serving database only (read-only: it never blocks a nightly run, and a
night's rename never changes the numbers under a running query). MetricFlow compiles a request
into SQL for DuckDB; `DuckDbSqlClient` runs it on an in-memory DuckDB with the serving file
attached under the warehouse's catalog name (the relations of the semantic manifest are
`"warehouse"."semantic"."sem_*"`).

Filters are not SQL. `parse_where` accepts only `<name> <op> <literal>` terms joined by `and`
(ops `= != <> < <= > >=`, `in (...)`, `is [not] null`; literals are quoted strings, numbers,
dates, true/false) and renders them as MetricFlow's own templates
(`{{ Dimension('customer__segment') }} = 'smb'`), so a filter can never carry a statement,
a comment or a subquery; every name is checked against the metric's dimensions first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb

from orchestration.lib.rules import lit
from orchestration.lib.settings import DBT_PROJECT_DIR

#: the time dimension every metric is queried by, at the grains kpi_values publishes
TIME = "metric_time"
GRAINS = ("day", "week", "month", "quarter", "year")
WAREHOUSE_CATALOG = "warehouse"


class QueryError(ValueError):
    """A request names something that does not exist, or a filter that is not allowed."""


def semantic_manifest_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return project_dir / "target" / "semantic_manifest.json"


def load_semantic_manifest(path: Path | None = None):
    """The semantic manifest dbt wrote: `path` (a run's target folder's semantic_manifest.json),
    else the project's (prepared by `make install`)."""
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest

    path = path or semantic_manifest_path()
    if not path.exists():
        from orchestration.lib.dbt_manifest import prepared_manifest

        prepared_manifest()
    return parse_manifest_from_dbt_generated_manifest(manifest_json_string=path.read_text())


def semantic_relations(manifest) -> list[str]:
    """The relation names (`sem_*`) of every semantic model and of the time spine."""
    names = {sm.node_relation.alias for sm in manifest.semantic_models}
    for spine in manifest.project_configuration.time_spines:
        names.add(spine.node_relation.alias)
    return sorted(names)


class DuckDbSqlClient:
    """MetricFlow's SqlClient protocol over one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._con = con
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self):
        from metricflow.protocols.sql_client import SqlEngine

        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self):
        return self._renderer

    @staticmethod
    def _no_binds(bind_set) -> None:
        if bind_set is not None and bind_set.param_dict:
            raise QueryError("bind parameters are not used by this client")

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        self._no_binds(sql_bind_parameter_set)
        cur = self._con.execute(stmt)
        return MetricFlowDataTable.create_from_rows(column_names=[d[0] for d in cur.description], rows=cur.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._no_binds(sql_bind_parameter_set)
        self._con.execute(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._no_binds(sql_bind_parameter_set)
        self._con.execute(f"explain {stmt}")

    def close(self) -> None:
        self._con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple]
    sql: str


def _optimization_level(start: dt.date | None, end: dt.date | None):
    """MetricFlow's SQL optimisation level: its default (O5) shares a semantic model's rows
    between metrics through CTEs, and DuckDB materialises a CTE used more than once whole,
    before the time constraint that each of its readers applies. A query with a time range is
    planned one level lower (O4, the same pruning and subquery merging, no CTEs), so the range
    reaches the scans: at scale 100 a night's kpi_values_by_dimension statements took 8.2-8.4 s
    instead of 9.2-9.4 s (three alternated runs), the same rows."""
    from metricflow.sql.optimizer.optimization_levels import SqlOptimizationLevel

    return SqlOptimizationLevel.O4 if start or end else SqlOptimizationLevel.O5


class SemanticLayer:
    """MetricFlow over a connection where `"warehouse"."semantic"` holds the semantic models."""

    def __init__(self, con: duckdb.DuckDBPyConnection, manifest=None):
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        self.manifest = manifest if manifest is not None else load_semantic_manifest()
        self.con = con
        self.engine = MetricFlowEngine(SemanticManifestLookup(self.manifest), DuckDbSqlClient(con))

    @classmethod
    def over_serving(cls, serving: Path, manifest=None) -> SemanticLayer:
        """Read-only on the published serving database (its `semantic` schema)."""
        if not serving.exists():
            raise QueryError(f"no serving database at {serving}: run `kpi run` first")
        con = duckdb.connect(":memory:")
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{serving}' as {WAREHOUSE_CATALOG} (read_only)")
        has = con.execute(
            "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'semantic'",
            [WAREHOUSE_CATALOG],
        ).fetchone()[0]
        if not has:
            con.close()
            raise QueryError(f"{serving} has no semantic tables (published by an older version): run `kpi run` again")
        return cls(con, manifest)

    def close(self) -> None:
        self.con.close()

    # ------------------------------------------------------------------ the catalog
    @cached_property
    def metrics(self) -> dict[str, object]:
        return {m.name: m for m in self.manifest.metrics}

    @cached_property
    def kpi_metrics(self) -> list[str]:
        return [name for name, m in self.metrics.items() if meta(m).get("kpi")]

    def dimensions(self, metric_names: list[str]) -> list[str]:
        """What the metrics can be sliced by: their categorical dimensions (`entity__name`) and
        their entities (a plant, a department); time is `metric_time` at a grain."""
        self.check_metrics(metric_names)
        dims = {d.dunder_name for d in self.engine.list_dimensions(metric_names) if d.type.value == "categorical"}
        return sorted(dims | self.entities(metric_names))

    def entities(self, metric_names: list[str]) -> set[str]:
        return {e.name for e in self.engine.entities_for_metrics(metric_names)}

    def check_metrics(self, metric_names: list[str]) -> None:
        for name in metric_names:
            if name not in self.metrics:
                raise QueryError(_unknown("metric", name, list(self.metrics)))

    # ------------------------------------------------------------------ queries
    def request(
        self,
        metric_names: list[str],
        group_by: list[str],
        where: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ):
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        self.check_metrics(metric_names)
        valid = set(self.dimensions(metric_names))
        names = []
        for name in group_by:
            if name in GRAINS:
                names.append(f"{TIME}__{name}")
            elif name.startswith(f"{TIME}__") and name.split("__", 1)[1] in GRAINS or name in valid:
                names.append(name)
            else:
                raise QueryError(
                    _unknown("dimension", name, sorted(valid) + list(GRAINS), f" of {', '.join(metric_names)}")
                )
        constraints = [parse_where(where, valid, self.entities(metric_names))] if where else None
        time_names = [n for n in names if n.startswith(TIME)]
        return MetricFlowQueryRequest.create(
            metric_names=metric_names,
            group_by_names=names,
            where_constraints=constraints,
            time_constraint_start=dt.datetime.combine(start, dt.time()) if start else None,
            time_constraint_end=dt.datetime.combine(end, dt.time()) if end else None,
            order_by_names=time_names + [n for n in names if n not in time_names],
            sql_optimization_level=_optimization_level(start, end),
        )

    def sql(self, *args, **kwargs) -> str:
        return self.engine.explain(self.request(*args, **kwargs)).sql_statement.sql

    def query(self, *args, **kwargs) -> Result:
        result = self.engine.query(self.request(*args, **kwargs))
        table = result.result_df
        return Result(list(table.column_names), [tuple(r) for r in table.rows], result.sql or "")


def meta(metric) -> dict:
    return (metric.config.meta if metric.config and metric.config.meta else {}) or {}


def _unknown(kind: str, name: str, valid: list[str], of: str = "") -> str:
    near = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    listing = "--list-metrics" if kind == "metric" else "--list-dimensions METRIC"
    return f"no {kind} {name!r}{of}{hint} (`kpi query {listing}` lists them)"


# ---------------------------------------------------------------------- filters
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op><=|>=|<>|!=|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(
                f"filter {text!r}: cannot read {text[pos:].strip()[:20]!r} (a filter is "
                "`dimension op literal [and ...]`; op is = != < <= > >= in, is null)"
            )
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Cursor:
    def __init__(self, text: str):
        self.text, self.tokens, self.i = text, _tokens(text), 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("", "")

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    def take(self, kind: str, word: str | None = None) -> str:
        k, v = self.peek()
        if not k:
            raise QueryError(f"filter {self.text!r} ends too early")
        if k != kind or (word is not None and v.lower() != word):
            want = word or {"word": "a name", "punct": "( , )", "op": "an operator"}.get(kind, kind)
            raise QueryError(f"filter {self.text!r}: expected {want}, found {v!r}")
        self.i += 1
        return v

    def literal(self) -> str:
        k, v = self.peek()
        if k in ("string", "number") or (k == "word" and v.lower() in ("true", "false")):
            self.i += 1
            return _literal(k, v)
        raise QueryError(f"filter {self.text!r}: {v or 'nothing'!r} is not a value (quote strings: 'web')")


def parse_where(text: str, valid: set[str], entities: set[str] = frozenset()) -> str:
    """A safe MetricFlow where-constraint from `dim op literal [and ...]`; raises QueryError."""
    cur = _Cursor(text)
    if cur.done():
        raise QueryError("the filter is empty")
    terms = []
    while True:
        name = cur.take("word")
        if name in GRAINS or name == TIME or (name.startswith(f"{TIME}__") and name.split("__", 1)[1] in GRAINS):
            grain = name if name in GRAINS else (name.split("__", 1)[1] if "__" in name else "day")
            ref = f"{{{{ TimeDimension('{TIME}', '{grain}') }}}}"
        elif name in valid:
            ref = f"{{{{ Entity('{name}') }}}}" if name in entities else f"{{{{ Dimension('{name}') }}}}"
        else:
            raise QueryError(_unknown("dimension", name, sorted(valid), " in the filter"))
        kind, value = cur.peek()
        if kind == "op":
            cur.i += 1
            terms.append(f"{ref} {'!=' if value == '<>' else value} {cur.literal()}")
        elif kind == "word" and value.lower() in ("in", "not"):
            negate = cur.take("word").lower() == "not"
            if negate:
                cur.take("word", "in")
            cur.take("punct", "(")
            items = [cur.literal()]
            while cur.take("punct") == ",":
                items.append(cur.literal())
            if cur.tokens[cur.i - 1][1] != ")":
                raise QueryError(f"filter {text!r}: a list ends with )")
            terms.append(f"{ref} {'not in' if negate else 'in'} ({', '.join(items)})")
        elif kind == "word" and value.lower() == "is":
            cur.i += 1
            negate = cur.peek()[0] == "word" and cur.peek()[1].lower() == "not"
            if negate:
                cur.i += 1
            cur.take("word", "null")
            terms.append(f"{ref} is {'not ' if negate else ''}null")
        else:
            raise QueryError(f"filter {text!r}: expected an operator after {name!r} (= != < <= > >= in, is null)")
        if cur.done():
            return " and ".join(terms)
        cur.take("word", "and")


def _literal(kind: str, value: str) -> str:
    if kind == "string":
        inner = value[1:-1].replace("''", "'")
        if _DATE.match(inner):
            try:
                dt.date.fromisoformat(inner)
            except ValueError as exc:
                raise QueryError(f"{value} is not a date") from exc
        if any(c in inner for c in "{}\\;") or "--" in inner or "/*" in inner:
            raise QueryError(f"the value {value} holds characters a filter value may not (braces, backslash, ; -- /*)")
        return "'" + inner.replace("'", "''") + "'"
    return value.lower() if kind == "word" else value


# ---------------------------------------------------------------------- kpi_values_by_dimension
#: entities that are members people slice by (a plant, a department); other entities are ids
SLICE_ENTITIES = ("plant", "department", "platform", "warehouse", "marketing_channel")
SLICE_GRAINS = ("month", "quarter", "year")

BY_DIMENSION_COLUMNS = """
    kpi_id varchar, grain varchar, period_start date, dimension varchar, member varchar,
    value double, numerator double, denominator double, is_measurable boolean"""


def slices(layer: SemanticLayer) -> dict[str, list[str]]:
    """dimension -> the KPI metrics sliced by it in kpi_values_by_dimension: every categorical
    dimension one entity away (`customer__segment`, not `order__customer__segment`) and the
    member-like entities; `marketing_channel` only where the customer's acquisition channel
    is not already a dimension (spend, CAC)."""
    out: dict[str, list[str]] = {}
    for kpi in layer.kpi_metrics:
        dims = layer.dimensions([kpi])
        chosen = [d for d in dims if d.count("__") == 1] + [d for d in dims if d in SLICE_ENTITIES]
        if "customer__acquisition_channel" in chosen and "marketing_channel" in chosen:
            chosen.remove("marketing_channel")
        for dim in chosen:
            out.setdefault(dim, []).append(kpi)
    return dict(sorted(out.items()))


def kpi_groups(layer: SemanticLayer, kpis: list[str]) -> list[list[str]]:
    """`kpis` in groups that read the same semantic models: two KPIs share a group when the
    measures they (or their numerators and denominators) aggregate come from a common model, or
    from models a third KPI links. kpi_values_by_dimension plans one statement per group, so a
    night computes each group from the first day that changed in its own tables: a first order
    that moves a customer's support tickets of March into its segment re-slices the ticket KPIs
    since March, not the order KPIs."""
    owner = {m.name: sm.node_relation.alias for sm in layer.manifest.semantic_models for m in sm.measures}

    def models(name: str) -> set[str]:
        metric = layer.metrics[name]
        found = {owner[m.name] for m in metric.type_params.input_measures if m.name in owner}
        for helper in (meta(metric).get("numerator"), meta(metric).get("denominator")):
            found |= models(helper) if helper else set()
        return found

    groups: list[tuple[set[str], list[str]]] = []
    for kpi in kpis:
        read, members = models(kpi), [kpi]
        for group in [g for g in groups if g[0] & read]:  # every group it links, into one
            groups.remove(group)
            read, members = read | group[0], group[1] + members
        groups.append((read, members))
    return sorted((sorted(members) for _, members in groups), key=lambda g: min(map(kpis.index, g)))


#: the first day a "since" statement of kpi_values_by_dimension is planned from, replaced by the
#: night's own first re-opened day when it runs: a year start (so every month and quarter
#: MetricFlow aligns the constraint to starts on it too) that MetricFlow accepts (its time
#: spine starts in 2000) and that no statement holds otherwise
SINCE_SENTINEL = dt.date(2001, 1, 1)


def plain_ratio(metric) -> bool:
    """Whether a metric is a MetricFlow ratio of the very metrics its meta names as numerator and
    denominator, with no filter, alias or offset: its value is then numerator ÷ denominator, which
    kpi_values_by_dimension computes itself (`by_dimension_select`)."""
    params, m = metric.type_params, meta(metric)
    if getattr(metric.type, "value", metric.type) != "ratio" or metric.filter is not None:
        return False
    sides = [(params.numerator, m.get("numerator")), (params.denominator, m.get("denominator"))]
    return all(
        side is not None
        and side.name == named
        and side.filter is None
        and side.alias is None
        and side.offset_window is None
        and side.offset_to_grain is None
        for side, named in sides
    )


def by_dimension_select(
    layer: SemanticLayer, dimension: str, grain: str, kpis: list[str], start: dt.date | None = None
) -> str:
    """SELECT of kpi_values_by_dimension's rows for one dimension and grain (without
    is_measurable): one MetricFlow query for all the KPIs and their numerators/denominators.
    `start`: only the periods from that day on (MetricFlow's time constraint, which reads the
    days before it that a cumulative or offset metric needs).

    A `plain_ratio` KPI is not asked of MetricFlow: its value is its numerator ÷ its denominator,
    written as MetricFlow writes a ratio (each cast to DOUBLE, a zero denominator made NULL), from
    the numerator and denominator the query returns anyway. MetricFlow would compute both again
    in a subquery of their own: a group of order KPIs read sem_orders three times and
    sem_order_lines twice, and reads each once now. A row of the query where the ratio has no
    inputs (another KPI's) gets 0 ÷ NULL, NULL, as MetricFlow's outer join gives it."""
    parts, ratios = {}, set()
    for kpi in kpis:
        metric = layer.metrics[kpi]
        m = meta(metric)
        parts[kpi] = (m.get("numerator"), m.get("denominator"))
        if plain_ratio(metric):
            ratios.add(kpi)
    asked = [k for k in kpis if k not in ratios]
    asked += sorted({h for pair in parts.values() for h in pair if h and h not in asked})
    mf_sql = layer.sql(asked, [grain, dimension], start=start)
    column = dimension  # MetricFlow names a group-by column after the group-by
    selects = []
    for kpi, (num, den) in parts.items():
        value = (
            f"cast(q.{num} as double) / cast(nullif(q.{den}, 0) as double)"
            if kpi in ratios
            else f"cast(q.{kpi} as double)"
        )
        selects.append(
            f"select '{kpi}' as kpi_id, '{grain}' as grain, cast(q.{TIME}__{grain} as date) as period_start, "
            f"'{dimension}' as dimension, cast(q.{column} as varchar) as member, {value} as value, "
            f"{f'cast(q.{num} as double)' if num else 'cast(null as double)'} as numerator, "
            f"{f'cast(q.{den} as double)' if den else 'cast(null as double)'} as denominator from q"
        )
    return f"with q as ({mf_sql})\n" + "\nunion all\n".join(selects)


#: a relation of the semantic schema that a planned statement reads
_RELATION = re.compile(r'"?semantic"?\."?(sem_\w+)"?')


@dataclass(frozen=True)
class ByDimensionPlan:
    """The SELECTs of kpi_values_by_dimension, one per dimension, grain and group of KPIs
    (`pieces`, `kpi_groups`): `full` (every period) and `since` (the periods from SINCE_SENTINEL
    on, the sentinel to be replaced)."""

    key: str | None  # `_plan_key`: a publish built from another plan starts over
    full: list[str]
    since: list[str]
    pieces: list[tuple[str, str, tuple[str, ...]]]  # (dimension, grain, KPIs) of each statement

    def relations(self, i: int) -> set[str]:
        """The semantic relations (`sem_*`) statement i reads."""
        return set(_RELATION.findall(self.full[i]))


#: the plans of this checkout, which every home reads before planning (a new home's first
#: publish, each test's home): the dbt project's own target folder, beside the semantic manifest
SHARED_PLANS = DBT_PROJECT_DIR / "target"
#: how many plans a folder keeps (`_keep_plan`), the ones used last; each is about 0.75 MB
KEPT_PLANS = 4
PLAN_FIELDS = {"full", "since", "pieces"}


def _plan_key(manifest: Path) -> str | None:
    """What a plan is kept under: a digest of the semantic manifest, of this module's own text
    (the SQL written around MetricFlow's) and of MetricFlow's version, so that no code ever uses
    a plan that it would not write itself (None: there is no manifest)."""
    if not manifest.exists():
        return None
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (manifest.read_bytes(), Path(__file__).read_bytes(), version("metricflow").encode()):
        digest.update(part + b"\0")
    return digest.hexdigest()[:16]


def _read_plan(folder: Path, key: str) -> ByDimensionPlan | None:
    """The plan kept in `folder` under `key` (None: none, or one being replaced right now)."""
    import json

    path = folder / f"by_dimension-{key}.json"
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or set(kept) != PLAN_FIELDS:
        return None
    with contextlib.suppress(OSError):  # the newest plans are kept (`_keep_plan`): this one is in use
        os.utime(path)
    return ByDimensionPlan(key, kept["full"], kept["since"], [(d, g, tuple(k)) for d, g, k in kept["pieces"]])


def _keep_plan(folder: Path, plan: ByDimensionPlan) -> None:
    """Writes `plan` into `folder` (written aside and renamed in: a reader sees a whole plan or
    none; a folder that cannot be written is left as it is). The KEPT_PLANS plans used last are
    kept, not only this one: a checkout's tests publish from copies of the dbt project, and a
    plan of another manifest must not evict the one `make install` prepared. A part left by a
    process that is gone (killed while writing) is deleted."""
    import json

    target = folder / f"by_dimension-{plan.key}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for part in folder.glob("by_dimension-*.tmp"):
            if not _running(part.suffixes[-2][1:] if len(part.suffixes) >= 2 else ""):
                part.unlink(missing_ok=True)
        part = folder / f"by_dimension-{plan.key}.{os.getpid()}.tmp"
        part.write_text(json.dumps({"full": plan.full, "since": plan.since, "pieces": plan.pieces}))
        part.replace(target)
        kept = sorted(folder.glob("by_dimension-*.json"), key=_mtime, reverse=True)
        for old in kept[KEPT_PLANS:]:
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _mtime(path: Path) -> float:
    """When `path` was last written or used (0: gone since it was listed)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _running(pid: str) -> bool:
    """Whether the process `pid` (digits from a part's name) is alive; False for anything else."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but another user's
        return True
    return True


def by_dimension_statements(
    layer_factory, manifest: Path, cache_dir: Path | None = None, shared: Path | None = SHARED_PLANS
) -> ByDimensionPlan:
    """The plan of kpi_values_by_dimension. MetricFlow plans it from the semantic manifest alone
    (no data, no date), so it is planned once per manifest (`_plan_key`) and kept in `cache_dir`
    (the home's) and in `shared` (the checkout's, prepared by `make install`:
    `prepare_shared_plan`): a night runs SQL only, and so does the first publish of a new home.
    Planning the 114 statements of 57 pieces (before `kpi_groups`; 180 of 90 since) took 9 to 15 s
    alone; a new home's scale-1 full build took 62.5 and 63.6 s planning them, 38.3 and 41.8 s with
    the checkout's plan."""
    key = _plan_key(manifest)
    folders = [folder for folder in (cache_dir, shared) if folder is not None] if key else []
    for i, folder in enumerate(folders):
        plan = _read_plan(folder, key)
        if plan is not None:
            for before in folders[:i]:  # (the home keeps its own copy)
                _keep_plan(before, plan)
            return plan
    layer = layer_factory()
    pieces = [
        (dim, grain, tuple(group))
        for dim, kpis in slices(layer).items()
        for grain in SLICE_GRAINS
        for group in kpi_groups(layer, kpis)
    ]
    full = [by_dimension_select(layer, dim, grain, list(kpis)) for dim, grain, kpis in pieces]
    since = [by_dimension_select(layer, dim, grain, list(kpis), start=SINCE_SENTINEL) for dim, grain, kpis in pieces]
    plan = ByDimensionPlan(key, full, since, pieces)
    for folder in folders:
        _keep_plan(folder, plan)
    return plan


def prepare_shared_plan(manifest: Path | None = None) -> Path:
    """`make install`: plans kpi_values_by_dimension for the project's semantic manifest into
    SHARED_PLANS, as dbt's manifest is prepared there, so that no run of this checkout plans it
    (MetricFlow plans from the manifest alone: no data is needed). Returns the plan's file."""
    manifest = manifest or semantic_manifest_path()
    con = duckdb.connect(":memory:")
    try:
        plan = by_dimension_statements(lambda: SemanticLayer(con, load_semantic_manifest(manifest)), manifest)
    finally:
        con.close()
    return SHARED_PLANS / f"by_dimension-{plan.key}.json"


def write_values_by_dimension(
    con: duckdb.DuckDBPyConnection,
    plan: ByDimensionPlan,
    table: str,
    values: str = "kpi.kpi_values",
    since: list[dt.date | None] | None = None,
    previous: str | None = None,
) -> int:
    """Create `table` (kpi_values_by_dimension) in con: every KPI x dimension x month, quarter and
    year of kpi_values (is_measurable from there; a period kpi_values does not publish is left
    out), from `by_dimension_statements`, ordered by its key. The queries run in the warehouse;
    nothing comes back to Python.

    `since` (one period start of its grain, or None, per statement of the plan) and `previous` (the previous
    publish's table): for a statement with a day, the periods of its dimension, grain and KPIs
    before that day are copied from `previous` (their inputs did not change: lib/publish.py decides),
    with is_measurable from today's kpi_values, and only the periods from that day on are
    computed, by its "since" statement; a statement with None computes every period."""
    columns = "kpi_id, grain, period_start, dimension, member, value, numerator, denominator"
    selected = ", ".join("s." + c for c in columns.split(", "))
    join = f"inner join {values} as v on v.kpi_id = s.kpi_id and v.grain = s.grain and v.period_start = s.period_start"
    con.execute(f"create or replace temp table _by_dimension ({BY_DIMENSION_COLUMNS})")
    sentinel = SINCE_SENTINEL.isoformat()
    days = since if since is not None and previous is not None else [None] * len(plan.full)
    kept = [
        (dimension, grain, kpi, day)
        for (dimension, grain, kpis), day in zip(plan.pieces, days, strict=True)
        if day
        for kpi in kpis
    ]
    if kept:  # one pass over the previous table for every statement's kept periods
        rows = ", ".join(f"({lit(d)}, {lit(g)}, {lit(k)}, date '{day.isoformat()}')" for d, g, k, day in kept)
        con.execute(
            f"insert into _by_dimension select {selected}, v.is_measurable from {previous} as s {join}"
            f" inner join (values {rows}) as k(dimension, grain, kpi_id, first_day) on k.dimension = s.dimension"
            " and k.grain = s.grain and k.kpi_id = s.kpi_id and s.period_start < k.first_day"
        )
    for full, since_select, day in zip(plan.full, plan.since, days, strict=True):
        select, keep = full, ""
        if day is not None:
            # a statement MetricFlow did not constrain computes every period; the filter keeps its new ones
            select = since_select.replace(sentinel, day.isoformat()) if sentinel in since_select else full
            keep = f" and s.period_start >= date '{day.isoformat()}'"
        con.execute(
            f"""insert into _by_dimension
            select {selected}, v.is_measurable
            from ({select}) as s
            {join}
            where (s.value is not null or s.numerator is not null or s.denominator is not null){keep}"""
        )
    con.execute(
        f"create or replace table {table} as select * from _by_dimension"
        " order by kpi_id, grain, period_start, dimension, member"
    )
    con.execute("drop table _by_dimension")
    return con.execute(f"select count(*) from {table}").fetchone()[0]
