"""The house's rules, read from the code: rooms of at most 500 lines, and the wings import only downwards
(speech below the voices and the renderer; the studio above the library, never reaching the renderer)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "videocreator"
MAX_LINES = 500
# ARCHITECTURE.md's ladder, top to bottom: a module imports only from its own rung or the ones below.
LADDER = [
    ("front ends", ["app", "videocreator.cli", "videocreator.__main__", "videocreator.__init__"]),
    ("studio", ["videocreator.studio"]),
    ("library API", ["videocreator.pipeline", "videocreator.archive", "videocreator.batch",
                     "videocreator.cluster"]),
    ("stages", ["videocreator.stages"]),
    ("backends", ["videocreator.writers", "videocreator.images", "videocreator.voices", "videocreator.render",
                  "videocreator.registry", "videocreator.loaded", "videocreator.worker", "videocreator.gpu",
                  "videocreator.checks"]),
    ("the folder", ["videocreator.project", "videocreator.sessions", "videocreator.settings",
                    "videocreator.report", "videocreator.credits"]),
    ("speech", ["videocreator.speech"]),
    ("base", ["videocreator.backend", "videocreator.stage", "videocreator.progress", "videocreator.errors",
              "videocreator.keys", "videocreator.files", "videocreator.text", "videocreator.typography",
              "videocreator.languages", "videocreator.redaction", "videocreator.source",
              "videocreator.limits", "videocreator.assets"]),
]  # fmt: skip


def _modules() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), ROOT / "app.py"])


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)


def rung(module: str) -> int | None:
    """Where ``module`` stands on the ladder (0: the top); None for the package itself."""
    found = [
        (len(prefix), n)
        for n, (_, prefixes) in enumerate(LADDER)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(found)[1] if found else None


def imports(path: Path) -> set[str]:
    """The videocreator modules ``path`` imports (absolute names), wherever in the file."""
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "videocreator"}


def _reaches(path: Path, wing: str) -> list[str]:
    return sorted(name for name in imports(path) if name == wing or name.startswith(wing + "."))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_room_is_over_500_lines(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it into rooms of one job"


@pytest.mark.parametrize(
    ("wing", "below"),
    [
        ("voices", "videocreator.render"),  # a voice makes speech; it does not play it
        ("speech", "videocreator.render"),
        ("speech", "videocreator.voices"),
        ("studio", "videocreator.render"),  # the studio reaches the renderer through the library's calls
        ("render", "videocreator.stages"),
        ("render", "videocreator.studio"),
        ("stages", "videocreator.studio"),
    ],
)
def test_wings_import_only_downwards(wing: str, below: str):
    offenders = {
        str(path.relative_to(ROOT)): reached
        for path in sorted((PACKAGE / wing).rglob("*.py"))
        if (reached := _reaches(path, below))
    }
    assert not offenders, f"{wing}/ must not import {below}: {offenders}"


def _top_level_imports(path: Path) -> set[str]:
    """Every top-level package ``path`` imports by absolute name (gradio, numpy, ...)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_module_stands_on_the_ladder():
    assert not [_name(p) for p in _modules() if rung(_name(p)) is None]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_imports_upwards(path: Path):
    here = rung(_name(path))
    assert here is not None
    upwards = sorted(
        f"{name} ({LADDER[there][0]})"
        for name in imports(path)
        if (there := rung(name)) is not None and there < here
    )
    assert not upwards, f"{_name(path)} ({LADDER[here][0]}) imports upwards: {upwards}"


def test_every_package_is_installed():
    """pyproject lists its packages one by one: a wheel (a Space's or a newcomer's non-editable install)
    holds only those, so a new package left off the list would be missing there."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    )
    present = {".".join(init.parent.relative_to(ROOT).parts) for init in PACKAGE.rglob("__init__.py")}
    assert present <= listed, f"not in pyproject's packages: {sorted(present - listed)}"


def test_only_the_studio_imports_gradio():
    users = [str(p.relative_to(ROOT)) for p in _modules() if "gradio" in _top_level_imports(p)]
    assert users and all(user.startswith("videocreator/studio/") for user in users), users


def test_the_pipeline_is_a_front_over_the_stages():
    """pipeline.py re-exports the stages' public calls: it holds no work of its own."""
    tree = ast.parse((PACKAGE / "pipeline.py").read_text(encoding="utf-8"))
    assert not [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]


def test_a_models_process_imports_its_model_not_every_stage():
    """A model's worker process imports the worker and its model's module: not the stages, the renderer
    or OpenCV that ``import videocreator`` would bring (0.45 s more at each start of the local writer's
    and the voice's processes)."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, videocreator.worker, videocreator.writers.local_llm, "
         "videocreator.voices.piper; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.split()  # fmt: skip
    assert not {"videocreator.pipeline", "videocreator.render.renderer", "cv2"} & set(loaded)


def test_the_package_gives_its_whole_api(tmp_path: Path):
    import videocreator

    eager = {"BackendUnavailable", "InputError", "ProviderFailed", "VideoCreatorError", "load_project"}
    assert set(videocreator.__all__) == eager | set(videocreator._LAZY), "each name in one place"
    assert all(getattr(videocreator, name) for name in videocreator.__all__)
    assert set(videocreator.__all__) <= set(dir(videocreator))
    # In a new process: the API's names as a first use finds them.
    code = (
        "import sys, videocreator as vc; vc.new_project('Owls', sys.argv[1]); "
        "print(vc.load_project(sys.argv[1]).project.topic)"
    )
    made = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "owls")], capture_output=True, text=True, cwd=ROOT
    )
    assert made.stdout.strip() == "Owls", made.stderr
    assert videocreator.pipeline.make_video is videocreator.make_video
    assert videocreator.render is videocreator.pipeline.render, "the function, not the package's module"
    with pytest.raises(AttributeError):
        videocreator.no_such_thing  # noqa: B018
