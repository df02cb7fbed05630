"""Superset's configuration for `make superset` (read through SUPERSET_CONFIG_PATH).

Everything Superset keeps lives in SUPERSET_HOME (default `.superset/` in the checkout,
git-ignored): the metadata database `superset.db` and the secret key made at the first install.
Nothing here reaches outside the machine: no example data, no map tiles, no thumbnails.
"""
import os
import secrets
from pathlib import Path

_HOME = Path(os.environ.get("SUPERSET_HOME", ".superset")).resolve()
_HOME.mkdir(parents=True, exist_ok=True)
_KEY_FILE = _HOME / "secret_key"
if not _KEY_FILE.exists():
    _KEY_FILE.write_text(secrets.token_urlsafe(42))
    _KEY_FILE.chmod(0o600)

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or _KEY_FILE.read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(_HOME)

# Every chart query goes to the published file (no result cache), so a dashboard shows a new
# publish on its next refresh; Superset opens a fresh DuckDB connection per query.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# Served on 127.0.0.1 only (the make target binds there); plain HTTP on loopback. The browser may
# load nothing from outside the machine: Superset 6.1.0's pages carry a telemetry pixel
# (apachesuperset.gateway.scarf.sh) that its default Content-Security-Policy allows; this one
# allows this server only, so the browser never asks for it.
_SELF_ONLY = {
    "base-uri": ["'self'"],
    "default-src": ["'self'"],
    "img-src": ["'self'", "blob:", "data:"],
    "worker-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "object-src": "'none'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'"],
    "script-src": ["'self'", "'strict-dynamic'"],
}
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": _SELF_ONLY,
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG
SESSION_COOKIE_SECURE = False
MAPBOX_API_KEY = ""
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "THUMBNAILS": False, "ALERT_REPORTS": False}
