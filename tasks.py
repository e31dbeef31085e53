#!/usr/bin/env python3
"""Self-bootstrapping entry point: ``python3 tasks.py demo`` and ``python3 tasks.py test``.

Needs only Python 3.11+. Creates ``.venv`` beside this file, installs the project with the
pinned versions of ``constraints.txt`` (re-installing only when pyproject.toml or the
constraints change), then runs the requested task inside that environment.

Tasks
-----
demo [ARGS]   build the synthetic demo store (when missing) and serve the dashboard
test [ARGS]   run the whole test suite (ARGS go to pytest, e.g. ``-m "not e2e"``)
lint          ruff and mypy
lock          re-resolve the dependencies and rewrite constraints.txt
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".loadwatch-installed"
CONSTRAINTS = ROOT / "constraints.txt"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _run(*args: str | Path) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_env(extras: str = "dev") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (tasks.py runs on any system python)
        sys.exit(f"loadwatch needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("Creating the virtual environment in .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = f"{extras}:{_fingerprint()}"
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing pinned dependencies (first run only) ...", file=sys.stderr)
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    constraint = ["-c", CONSTRAINTS] if CONSTRAINTS.exists() else []
    _run(PY, "-m", "pip", "install", "--quiet", *constraint, "-e", f".[{extras}]")
    STAMP.write_text(wanted)


def main(argv: list[str]) -> None:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    task, rest = argv[0], argv[1:]
    if task == "demo":
        ensure_env("dev")
        os.execv(BIN / "loadwatch", [str(BIN / "loadwatch"), "demo", *rest])
    elif task == "test":
        ensure_env("dev")
        os.execv(PY, [str(PY), "-m", "pytest", *rest])
    elif task == "lint":
        ensure_env("dev")
        _run(PY, "-m", "ruff", "check", ".")
        _run(PY, "-m", "mypy")
    elif task == "lock":
        ensure_env("dev")
        frozen = subprocess.run(
            [str(PY), "-m", "pip", "freeze", "--exclude-editable"],
            check=True, capture_output=True, text=True,
        ).stdout
        CONSTRAINTS.write_text(
            "# Pinned versions for every dependency; regenerate with `python3 tasks.py lock`.\n"
            + frozen
        )
        STAMP.unlink(missing_ok=True)
    else:
        sys.exit(f"unknown task {task!r}; try: python3 tasks.py help")


if __name__ == "__main__":
    main(sys.argv[1:])
