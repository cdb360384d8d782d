"""Apache Superset's configuration for the KPI layer's BI project (bi/README.md).

Everything Superset keeps (its metadata database) lives in $KPI_BI_HOME; the serving database is
read read-only. Anonymous visitors may view the dashboards (the Public role is Gamma plus read
access to the serving database's datasets): it is a local, read-only view of published numbers.
"""

import os

BI_HOME = os.environ["KPI_BI_HOME"]
SECRET_KEY = os.environ.get("KPI_BI_SECRET_KEY", "kpi-layer-local-bi-set-KPI_BI_SECRET_KEY-in-production")
SQLALCHEMY_DATABASE_URI = f"sqlite:///{BI_HOME}/superset.db"
PUBLIC_ROLE_LIKE = "Gamma"
# a local tool on loopback: no HTTPS, so no Talisman headers (they would force HTTPS)
TALISMAN_ENABLED = False
CONTENT_SECURITY_POLICY_WARNING = False
# nothing is fetched from the network at view time
FEATURE_FLAGS = {"THUMBNAILS": False, "ALERT_REPORTS": False}
