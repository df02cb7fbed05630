"""Is requirements.lock the lock of pyproject.toml, and is this environment the lock?

    python tools/check_lock.py          # both checks (make runs it after installing .venv)
    python tools/check_lock.py --lock   # only: does the lock still cover pyproject.toml?

The lock is stale when pyproject.toml asks for a package the lock does not pin, pins a version
pyproject.toml's specifier excludes, or still carries a package pyproject.toml no longer asks
for. The environment differs when a locked package is missing or has another version. Each
finding is one line; exit 1 when there is any. `make lock` refreshes the lock.
"""
from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
PROJECT = "followup"
EXTRAS = ("dev",)  # the extras the lock includes (make lock: --extra=dev)

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
_VIA_PROJECT = f"{PROJECT} (pyproject.toml)"


def locked(lock: Path = LOCK) -> tuple[dict[str, str], set[str]]:
    """The lock's pins {name: version} and the names it says pyproject.toml asks for itself."""
    pins: dict[str, str] = {}
    direct: set[str] = set()
    name = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        m = _PIN.match(line)
        if m:
            name = canonicalize_name(m.group(1))
            pins[name] = m.group(2)
        elif name and line.strip().lstrip("#").strip() in (_VIA_PROJECT, f"via {_VIA_PROJECT}"):
            direct.add(name)
    return pins, direct


def requirements(pyproject: Path = PYPROJECT) -> list[Requirement]:
    """pyproject.toml's dependencies and those of the locked extras, for this Python."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    for extra in EXTRAS:
        lines += project.get("optional-dependencies", {}).get(extra, [])
    reqs = [Requirement(line) for line in lines]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]


def lock_findings(lock: Path = LOCK, pyproject: Path = PYPROJECT) -> list[str]:
    pins, direct = locked(lock)
    wanted = requirements(pyproject)
    out = []
    for req in wanted:
        name = canonicalize_name(req.name)
        if name not in pins:
            out.append(f"{lock.name} does not pin {req.name} ({req} in {pyproject.name})")
        elif not req.specifier.contains(pins[name], prereleases=True):
            out.append(f"{lock.name} pins {req.name}=={pins[name]}, {pyproject.name} asks for {req}")
    for name in sorted(direct - {canonicalize_name(r.name) for r in wanted}):
        out.append(f"{lock.name} pins {name} for {pyproject.name}, which no longer asks for it")
    return out


def environment_findings(lock: Path = LOCK) -> list[str]:
    pins, _ = locked(lock)
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    out = []
    for name, version in sorted(pins.items()):
        have = installed.get(name)
        if have is None:
            out.append(f"{name}=={version} is locked but not installed")
        elif have != version:
            out.append(f"{name} is {have} here, the lock says {version}")
    return out


def main(argv: list[str]) -> int:
    findings = lock_findings()
    if findings:
        findings.append(f"{LOCK.name} is stale: run `make lock` and commit it")
    if "--lock" not in argv:
        env = environment_findings()
        if env:
            env.append(f"this environment ({sys.prefix}) is not the lock: `make` reinstalls it when pyproject.toml "
                       f"or {LOCK.name} is newer than .venv/.installed")
        findings += env
    for line in findings:
        print(line, file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
