"""`make bench`: run the benchmarks on every installed CPython from 3.11 up.

    python3 benchmarks/bench_all.py                     # full run, then the docs
    python3 benchmarks/bench_all.py --quick             # smoke run (< 1 min each)
    python3 benchmarks/bench_all.py --pythons 3.11,3.13 --only wiredi,diwire

For each CPython 3.11, 3.12, ... that it finds (a pyenv install under
``pyenv root``, or ``python3.X`` on PATH), it keeps a venv in
``.venv-bench/3.X`` with ``.[bench]`` installed (wiredi editable, the peers,
matplotlib), runs ``benchmarks/run.py`` there, which writes
``benchmarks/results/results-3.X.json``, and finally runs
``benchmarks/publish.py`` to draw the charts and write the tables of
``docs/performance.md`` and ``README.md``. A version it cannot find is
reported with a ``skip`` line. Options it does not know (``--quick``,
``--only``, ``--scenarios``, ``--no-scaling``, ...) go to ``run.py``.

Standard library only: it runs under whichever ``python3`` calls it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENVS = ROOT / ".venv-bench"
FIRST_MINOR = 11  # wiredi's requires-python
EXPECTED = range(FIRST_MINOR, 15)  # a skip line for each of these not found
SEARCHED = range(FIRST_MINOR, 20)  # newer ones are used when present

PROBE = "import platform; print(platform.python_implementation(), platform.python_version())"


def _say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        done = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, check=False, timeout=30
        )
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _candidates(minor: int) -> list[Path]:
    """Where CPython 3.<minor> may be, best first (pyenv's newest patch first)."""
    name = f"python3.{minor}"
    found: list[Path] = []
    root = _pyenv_root()
    if root and (root / "versions").is_dir():
        pattern = re.compile(rf"3\.{minor}\.(\d+)")
        installs = sorted(
            (
                (int(match.group(1)), entry)
                for entry in (root / "versions").iterdir()
                if (match := pattern.fullmatch(entry.name))
            ),
            reverse=True,
        )
        found += [entry / "bin" / name for _, entry in installs]
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    if sys.version_info[:2] == (3, minor):
        found.append(Path(sys.executable))
    return found


def _probe(path: Path, minor: int) -> str | None:
    """The full version if ``path`` runs CPython 3.<minor> (a pyenv shim for a
    version that is not selected fails here, and is passed over)."""
    if not path.exists():
        return None
    try:
        done = subprocess.run(
            [str(path), "-c", PROBE],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = done.stdout.split()
    if done.returncode != 0 or len(words) != 2 or words[0] != "CPython":
        return None
    return words[1] if words[1].startswith(f"3.{minor}.") else None


def find_pythons(wanted: set[str] | None) -> list[tuple[str, Path, str]]:
    """(3.X, interpreter, full version) for each CPython found, oldest first."""
    pythons = []
    for minor in SEARCHED:
        short = f"3.{minor}"
        if wanted is not None and short not in wanted:
            continue
        for path in _candidates(minor):
            version = _probe(path, minor)
            if version:
                pythons.append((short, path, version))
                break
        else:
            if minor in EXPECTED or (wanted and short in wanted):
                _say(
                    f"skip CPython {short}: not found (no pyenv install 3.{minor}.*,"
                    f" no working python3.{minor} on PATH)"
                )
    return pythons


def _stamp(interpreter_version: str) -> str:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return f"{interpreter_version} {hashlib.sha256(pyproject).hexdigest()}"


def ensure_venv(short: str, interpreter: Path, version: str) -> Path | None:
    """``.venv-bench/3.X`` with ``.[bench]`` installed; reinstalled when
    pyproject.toml or the interpreter changes. None when that fails."""
    venv = VENVS / short
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == _stamp(version) and python.exists():
        return python
    if venv.exists() and _probe(python, int(short.split(".")[1])) != version:
        shutil.rmtree(venv)
    log = VENVS / f"install-{short}.log"
    VENVS.mkdir(exist_ok=True)
    _say(f"CPython {version}: installing .[bench] into {venv.relative_to(ROOT)} ...")
    steps = []
    if not python.exists():
        steps.append([str(interpreter), "-m", "venv", str(venv)])
    steps.append(
        [str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[bench]"]
    )
    with log.open("w") as out:
        for step in steps:
            done = subprocess.run(
                step, stdout=out, stderr=subprocess.STDOUT, check=False, cwd=ROOT
            )
            if done.returncode != 0:
                tail = log.read_text().strip().splitlines()[-5:]
                _say(f"CPython {version}: install failed (see {log}):")
                for line in tail:
                    print(f"    {line}")
                return None
    stamp.write_text(_stamp(version))
    return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pythons", help="only these versions, e.g. 3.11,3.13 (default: all found)"
    )
    parser.add_argument(
        "--no-docs",
        action="store_true",
        help="do not redraw docs/assets/*.svg nor rewrite the tables in the docs",
    )
    args, forwarded = parser.parse_known_args(argv)
    wanted = (
        {v.strip() for v in args.pythons.split(",") if v.strip()}
        if args.pythons
        else None
    )
    pythons = find_pythons(wanted)
    if not pythons:
        _say("no CPython >= 3.11 found")
        return 1
    _say("found " + ", ".join(f"CPython {v} ({p})" for _, p, v in pythons))
    failed = []
    ran = []
    for short, interpreter, version in pythons:
        python = ensure_venv(short, interpreter, version)
        if python is None:
            failed.append(short)
            continue
        _say(f"CPython {version}: benchmarks/run.py {' '.join(forwarded)}".rstrip())
        started = time.monotonic()
        done = subprocess.run(
            [str(python), str(HERE / "run.py"), *forwarded], check=False, cwd=ROOT
        )
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            _say(f"CPython {version}: run.py failed (exit {done.returncode})")
            failed.append(short)
            continue
        _say(f"CPython {version}: done in {elapsed:.0f} s")
        ran.append(python)
    if ran and not args.no_docs and not {"-h", "--help"} & set(forwarded):
        done = subprocess.run(
            [str(ran[-1]), str(HERE / "publish.py")], check=False, cwd=ROOT
        )
        if done.returncode != 0:
            failed.append("publish")
    if failed:
        _say("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
