"""Build the BI project against a serving database: `bi/.venv/bin/python bi/build.py HOME SERVING`.

HOME gets Superset's metadata database; the assets of bi/assets/ (a database connection, three
datasets, two charts, one dashboard: YAML, as Superset exports them) are imported with the
connection pointed at SERVING, read-only. Then `superset run` (bi/README.md) serves the dashboard
at /superset/dashboard/kpi-scorecard/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BI = Path(__file__).resolve().parent


def superset_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KPI_BI_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(BI / "superset_config.py"),
        "FLASK_APP": "superset",
    }


def _superset(home: Path, *args: str) -> None:
    exe = Path(sys.executable).parent / "superset"
    started = time.monotonic()
    out = subprocess.run([str(exe), *args], env=superset_env(home), capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"superset {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    print(f"bi: superset {args[0]} ({time.monotonic() - started:.1f} s)", flush=True)


def _grant_public_read(home: Path) -> None:
    """The Public role (anonymous visitors) may read every dataset of the serving database."""
    os.environ.update(superset_env(home))
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.extensions import db

        role = security_manager.find_role("Public")
        access = security_manager.find_permission_view_menu("all_datasource_access", "all_datasource_access")
        security_manager.add_permission_role(role, access)
        db.session.commit()


def build(home: Path, serving: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    _superset(home, "db", "upgrade")
    password = os.environ.get("KPI_BI_ADMIN_PASSWORD", "admin")
    _superset(home, "fab", "create-admin", "--username", "admin", "--firstname", "KPI", "--lastname", "admin",
              "--email", "admin@localhost", "--password", password)  # fmt: skip
    _superset(home, "init")
    with tempfile.TemporaryDirectory() as tmp:
        assets = Path(tmp) / "assets"
        shutil.copytree(BI / "assets", assets)
        connection = assets / "databases" / "kpi_serving.yaml"
        connection.write_text(connection.read_text().replace("{{ serving }}", str(serving.resolve())))
        _superset(home, "import-directory", "--overwrite", str(assets))
    _grant_public_read(home)
    print(f"bi: built in {home} over {serving}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: bi/.venv/bin/python bi/build.py HOME SERVING_DUCKDB")
    build(Path(sys.argv[1]).resolve(), Path(sys.argv[2]))
