"""Check the Superset dashboard bundle in a real Superset (too heavy for the test suite).

    make superset-install                    # once: Superset's own environment, .venv-superset
    .venv-superset/bin/python bench/superset_check.py [--database warehouse/followup.duckdb]

In a fresh, temporary Superset home it does what a new installation does: creates the metadata
database and the admin user, builds the bundle ZIP (bi/superset/bundle.py) for the published file
and imports it with the standard `superset import-dashboards`. Then it serves Superset on a free
port of 127.0.0.1 and, through the REST API, checks that
  - the database connection opens the file read-only (connect_args read_only: true, and DuckDB's
    access_mode read_only in a SQL Lab query),
  - every chart of the dashboard runs its saved query (the chart data endpoint) with status
    success and at least one row,
  - every native filter's values come back (the query the filter bar runs) and contain the
    filter's default value.
It prints each step's time and the total, exits 1 on any error, and leaves nothing behind (the
server is stopped, the temporary home removed unless --keep).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "bi" / "superset" / "superset_config.py"
BUNDLE_PY = REPO / "bi" / "superset" / "bundle.py"
DASHBOARD_SLUG = "uppfoljning"
USER, PASSWORD = "admin", "check-only-password"


def default_database() -> Path:
    return Path(os.environ.get("FOLLOWUP_WAREHOUSE_DIR", REPO / "warehouse")).resolve() / "followup.duckdb"


class Api:
    """Superset's REST API with a JWT (login) and, for SQL Lab, the session cookie and CSRF token."""

    def __init__(self, base: str):
        self.base, self.token, self.csrf = base, None, None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if self.csrf:
            headers.update({"X-CSRFToken": self.csrf, "Referer": self.base})
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, method=method, data=data, headers=headers)
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, {"raw": raw.decode(errors="replace")[:500]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database", type=Path, default=default_database(), help="the published followup.duckdb")
    p.add_argument("--venv", type=Path, default=Path(sys.executable).parent.parent,
                   help="Superset's environment (default: the one running this script)")
    p.add_argument("--keep", action="store_true", help="keep the temporary Superset home")
    args = p.parse_args(argv)
    bin_dir = args.venv / "bin"
    if not (bin_dir / "superset").exists():
        print(f"{bin_dir}/superset missing: run `make superset-install` and use .venv-superset/bin/python", file=sys.stderr)
        return 2
    if not args.database.is_file():
        print(f"{args.database}: no published file (make run)", file=sys.stderr)
        return 2

    home = Path(tempfile.mkdtemp(prefix="superset-check-"))
    env = {**os.environ, "SUPERSET_HOME": str(home), "SUPERSET_CONFIG_PATH": str(CONFIG)}
    errors: list[str] = []
    timings: list[tuple[str, float]] = []
    server = None
    t_start = time.perf_counter()

    def step(name: str, *cmd: str) -> None:
        t0 = time.perf_counter()
        r = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
        timings.append((name, time.perf_counter() - t0))
        print(f"{name:<28} {timings[-1][1]:6.1f} s")
        if r.returncode != 0:
            raise SystemExit(f"{name} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")

    try:
        superset = str(bin_dir / "superset")
        step("superset db upgrade", superset, "db", "upgrade")
        step("superset fab create-admin", superset, "fab", "create-admin", "--username", USER, "--password", PASSWORD,
             "--firstname", "Check", "--lastname", "Check", "--email", "check@localhost")
        step("superset init", superset, "init")
        bundle = home / "followup_dashboard.zip"
        step("bundle.py build", str(bin_dir / "python"), str(BUNDLE_PY), "build", "--database", str(args.database),
             "--out", str(bundle))
        step("superset import-dashboards", superset, "import-dashboards", "-p", str(bundle), "-u", USER)

        port = free_port()
        t0 = time.perf_counter()
        log = open(home / "gunicorn.log", "w")
        server = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "1", "--threads", "4", "--timeout", "120",
                                   "--bind", f"127.0.0.1:{port}", "superset.app:create_app()"],
                                  env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        api = Api(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(api.base + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Superset did not start; see {home / 'gunicorn.log'}")
            time.sleep(1)
        timings.append(("server start", time.perf_counter() - t0))
        print(f"{'server start':<28} {timings[-1][1]:6.1f} s   (127.0.0.1:{port})")

        t0 = time.perf_counter()
        status, body = api.call("POST", "/api/v1/security/login",
                                {"username": USER, "password": PASSWORD, "provider": "db", "refresh": False})
        if status != 200:
            raise SystemExit(f"login failed: {status} {body}")
        api.token = body["access_token"]

        status, body = api.call("GET", "/api/v1/database/?q=(page_size:100)")
        dbs = [d for d in body.get("result", []) if d["database_name"] == "followup"]
        if len(dbs) != 1:
            errors.append(f"database followup: expected one, found {len(dbs)}")
        else:
            db_id = dbs[0]["id"]
            status, detail = api.call("GET", f"/api/v1/database/{db_id}/connection")
            extra = json.loads(detail["result"].get("extra") or "{}")
            read_only = extra.get("engine_params", {}).get("connect_args", {}).get("read_only")
            print(f"database followup            {detail['result'].get('sqlalchemy_uri')}, read_only: {read_only}")
            if read_only is not True:
                errors.append(f"database followup: connect_args lack read_only: true ({extra})")
            # and DuckDB itself says so, in SQL Lab (which needs the session's CSRF token)
            status, body = api.call("GET", "/api/v1/security/csrf_token/")
            api.csrf = body.get("result")
            status, body = api.call("POST", "/api/v1/sqllab/execute/",
                                    {"database_id": db_id, "sql": "select current_setting('access_mode') as access_mode",
                                     "runAsync": False, "schema": "marts", "client_id": "check"})
            mode = (body.get("data") or [{}])[0].get("access_mode") if status == 200 else None
            print(f"sql lab access_mode          {mode or (status, body)}")
            if mode != "read_only":
                errors.append(f"SQL Lab: access_mode {mode!r}, HTTP {status} {body if mode is None else ''}")

        status, body = api.call("GET", f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")
        charts = body.get("result", []) if status == 200 else []
        if status != 200 or not charts:
            errors.append(f"dashboard {DASHBOARD_SLUG}: {status} {body}")
        for chart in sorted(charts, key=lambda c: c["slice_name"]):
            q0 = time.perf_counter()
            status, data = api.call("GET", f"/api/v1/chart/{chart['id']}/data/?force=true")
            ms = (time.perf_counter() - q0) * 1000
            if status != 200:
                errors.append(f"chart {chart['slice_name']}: HTTP {status} {data}")
                print(f"chart  {chart['slice_name']:<24} HTTP {status}")
                continue
            for result in data["result"]:
                ok = result.get("status") == "success" and not result.get("error") and result.get("rowcount", 0) > 0
                print(f"chart  {chart['slice_name']:<24} {result.get('status')}, {result.get('rowcount')} rows, "
                      f"{ms:.0f} ms")
                if not ok:
                    errors.append(f"chart {chart['slice_name']}: status {result.get('status')}, "
                                  f"{result.get('rowcount')} rows, error {result.get('error')}")

        status, body = api.call("GET", f"/api/v1/dashboard/{DASHBOARD_SLUG}")
        metadata = json.loads(body["result"]["json_metadata"] or "{}") if status == 200 else {}
        filters = metadata.get("native_filter_configuration", [])
        if not filters:
            errors.append("dashboard has no native filters")
        for f in filters:
            target = f["targets"][0]
            column = target["column"]["name"]
            query = {"datasource": {"id": target["datasetId"], "type": "table"}, "force": True,
                     "queries": [{"columns": [column], "metrics": [], "orderby": [[column, True]], "row_limit": 1000,
                                  "filters": [], "extras": {}}],
                     "result_format": "json", "result_type": "full"}
            status, data = api.call("POST", "/api/v1/chart/data", query)
            values = [row[column] for row in data["result"][0]["data"]] if status == 200 else []
            default = f.get("defaultDataMask", {}).get("filterState", {}).get("value") or []
            missing = [v for v in default if v not in values]
            print(f"filter {f['name']:<24} {len(values)} values" + (f", default {default}" if default else ""))
            if status != 200 or not values or missing:
                errors.append(f"filter {f['name']}: HTTP {status}, {len(values)} values, default missing {missing}")
        timings.append(("API checks", time.perf_counter() - t0))
        print(f"{'API checks':<28} {timings[-1][1]:6.1f} s")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"kept {home}")

    total = time.perf_counter() - t_start
    for e in errors:
        print(f"ERROR  {e}")
    print(f"superset check: {len(errors)} errors, {total:.0f} s in all")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
