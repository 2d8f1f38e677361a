"""A fresh machine gets what the suite ran: every dependency pinned in the locks (requirements*.txt, made by
.ci/lock from requirements*.in), the locks agreeing with each other and with their .in files, and this
environment installed exactly from the test lock (so a warm cache's older build cannot pass unseen)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from importlib.metadata import distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {
    "requirements.txt": "requirements.in",
    "requirements-ai.txt": "requirements-ai.in",
    "requirements-cluster.txt": "requirements-cluster.in",
}
TEST_LOCK = "requirements-test.txt"
# Installed beside the lock: the venv's own installer, and the project itself (pip install -e .).
NOT_LOCKED = {"pip", "setuptools", "wheel", "videocreator"}


def _lines(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]


def pins(name: str) -> dict[str, Version]:
    """The lock's exact versions by package (each line must be NAME==VERSION)."""
    found = {}
    for line in filter(None, _lines(ROOT / name)):
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"{name}: {line} is not pinned"
        if requirement.marker is None or requirement.marker.evaluate():
            found[canonicalize_name(requirement.name)] = Version(spec.version)
    return found


def wanted(name: str) -> list[Requirement]:
    """What an .in file asks for, with the files it includes (-r)."""
    requirements = []
    for line in filter(None, _lines(ROOT / name)):
        if line.startswith("-r "):
            requirements += wanted(line.removeprefix("-r ").strip())
        else:
            requirements.append(Requirement(line))
    return requirements


@pytest.mark.parametrize("lock", [*LOCKS, TEST_LOCK])
def test_every_dependency_is_pinned_and_each_lock_gives_what_its_in_file_asks(lock: str):
    locked = pins(lock)
    for requirement in wanted(LOCKS.get(lock, "requirements-test.in")):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{lock} lacks {requirement}: run .ci/lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock} pins {name}=={locked[name]}, outside {requirement}: run .ci/lock"
        )


@pytest.mark.parametrize("lock", LOCKS)
def test_the_app_installs_the_versions_the_suite_ran(lock: str):
    tested = pins(TEST_LOCK)
    differ = {
        name: (str(v), str(tested.get(name))) for name, v in pins(lock).items() if v != tested.get(name)
    }
    assert not differ, f"{lock} and {TEST_LOCK} differ (this lock, the tests'): {differ}; run .ci/lock"


def test_this_environment_is_exactly_the_test_lock():
    # The environment's own packages (not what a package puts on sys.path: Ray's vendored colorama, psutil).
    here = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    installed = {
        canonicalize_name(d.metadata["Name"]): Version(d.version) for d in distributions(path=sorted(here))
    }
    locked = pins(TEST_LOCK)
    problems = [
        f"{name}: installed {installed.get(name, 'nothing')}, locked {version}"
        for name, version in sorted(locked.items())
        if installed.get(name) != version
    ]
    problems += [
        f"{name}: installed {installed[name]}, not in the lock"
        for name in sorted(installed.keys() - locked.keys() - NOT_LOCKED)
    ]
    assert not problems, (
        "this environment is not the lock (install it with the README's test command, in a new venv):\n"
        + "\n".join(problems)
    )


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("python3 -m venv .venv")]


def test_the_readme_keeps_two_set_up_commands_and_ci_runs_the_test_one():
    start, test = _readme_commands()
    assert start.endswith("pip install -r requirements.txt -e . && python app.py")
    assert test.endswith("pip install -q -r requirements-test.txt -e . && python -m pytest")
    assert test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_install_adds_the_videocreator_command():
    command = Path(sys.executable).parent / "videocreator"
    assert command.is_file(), "pip install -e . installs the videocreator command"
    listing = subprocess.run([str(command), "backends"], capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and "piper" in listing.stdout, listing.stderr
