"""One home per concern: lib/ holds plain helpers that never import Dagster, the Dagster
definitions (defs/), the pipeline driver or the CLI verbs (commands/); nothing imports
Dagster's private modules (`dagster._...`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "orchestration"
UPPER = ("orchestration.defs", "orchestration.commands", "orchestration.pipeline", "orchestration.definitions")
#: the one lib module that may use dagster-dbt: it holds the DbtProject the asset graph is built from
DAGSTER_DBT_ALLOWED = {"dbt_manifest.py"}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_lib_imports_neither_dagster_nor_the_layers_above_it():
    offences = []
    files = sorted((ROOT / "lib").glob("*.py"))
    assert len(files) > 20
    for path in files:
        for name in _imports(path):
            if (
                name.startswith(UPPER)
                or name == "dagster"
                or name.startswith("dagster.")
                or name.startswith("dagster_")
                and path.name not in DAGSTER_DBT_ALLOWED
            ):
                offences.append(f"lib/{path.name} imports {name}")
    assert not offences, offences


#: the one module allowed Dagster's private modules: it subclasses the SQLite event log to make
#: an event 15x cheaper (its docstring); tests/test_event_log.py proves the files stay Dagster's own
PRIVATE_ALLOWED = {"event_log.py"}


def test_nothing_imports_dagster_private_modules():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted(ROOT.rglob("*.py"))
        for name in _imports(path)
        if (name.startswith("dagster._") or ".._" in name) and str(path.relative_to(ROOT)) not in PRIVATE_ALLOWED
    ]
    assert not offences, offences


def test_commands_import_no_dagster_definitions_at_module_level():
    """A verb module is imported to build `kpi --help`: it must stay light (Dagster loads only
    when the verb runs)."""
    offences = []
    for path in sorted((ROOT / "commands").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offences += [f"commands/{path.name}: {n}" for n in names if n.startswith(("dagster", *UPPER[:1]))]
    assert not offences, offences
