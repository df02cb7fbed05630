"""requirements.lock (issue 15): the lock covers pyproject.toml, a stale lock is named line by
line, and the suite runs in the environment the lock describes (so a fresh `make test` installs
the versions this suite passed with)."""
from __future__ import annotations

import importlib.util

from .conftest import REPO

_spec = importlib.util.spec_from_file_location("check_lock", REPO / "tools" / "check_lock.py")
check_lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_lock)

LOCK = """\
#    pip-compile --extra=dev pyproject.toml
alpha==1.2.0 \\
    --hash=sha256:00
    # via followup (pyproject.toml)
beta==2.0.0 \\
    --hash=sha256:01
    # via
    #   alpha
    #   followup (pyproject.toml)
gamma==0.5 \\
    --hash=sha256:02
    # via beta
old-tool==3.1 \\
    --hash=sha256:03
    # via followup (pyproject.toml)
"""


def _pyproject(tmp_path, deps: str, dev: str):
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "followup"\ndependencies = [{deps}]\n'
                    f'[project.optional-dependencies]\ndev = [{dev}]\nother = ["not-locked==1"]\n')
    return path


def test_the_lock_covers_pyproject():
    assert check_lock.lock_findings() == []


def test_this_environment_is_the_lock():
    assert check_lock.environment_findings() == []


def test_a_lock_that_pins_what_pyproject_asks_is_current(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK)
    pins, direct = check_lock.locked(lock)
    assert pins == {"alpha": "1.2.0", "beta": "2.0.0", "gamma": "0.5", "old-tool": "3.1"}
    assert direct == {"alpha", "beta", "old-tool"}
    pyproject = _pyproject(tmp_path, '"Alpha>=1,<2", "beta==2.0.0"', '"old_tool"')
    assert check_lock.lock_findings(lock, pyproject) == []


def test_a_stale_lock_is_named(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK)
    # alpha's pin moved past the lock, delta is new, old-tool was dropped, a marker for another Python is ignored
    pyproject = _pyproject(tmp_path, '"alpha>=1.3", "beta==2.0.0", "delta", "epsilon; python_version < \'3\'"', "")
    assert check_lock.lock_findings(lock, pyproject) == [
        "requirements.lock pins alpha==1.2.0, pyproject.toml asks for alpha>=1.3",
        "requirements.lock does not pin delta (delta in pyproject.toml)",
        "requirements.lock pins old-tool for pyproject.toml, which no longer asks for it",
    ]


def test_the_environment_check_names_missing_and_other_versions(tmp_path):
    lock = tmp_path / "requirements.lock"
    pytest_version = check_lock.metadata.version("pytest")
    lock.write_text(f"pytest=={pytest_version}\nno-such-package-here==1.0\npyyaml==0.0.1\n")
    assert check_lock.environment_findings(lock) == [
        "no-such-package-here==1.0 is locked but not installed",
        f"pyyaml is {check_lock.metadata.version('pyyaml')} here, the lock says 0.0.1",
    ]


def test_the_make_target_and_the_check_agree_on_the_extras():
    # `make lock` compiles the extras check_lock reads, and the lock's header says so
    makefile = (REPO / "Makefile").read_text()
    header = (REPO / "requirements.lock").read_text().splitlines()[4]
    for extra in check_lock.EXTRAS:
        assert f"--extra={extra}" in makefile and f"--extra={extra}" in header
