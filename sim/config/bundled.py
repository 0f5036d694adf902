"""The bundled scenarios: where they are, in a checkout and after ``pip install``.

In a checkout (or an editable install) they are the project's ``scenarios/``
folder; a normal install copies that folder into the package as
``sim/scenarios/``. A command-line scenario argument that names no existing file
is looked up there, by file name with or without ``.toml``
(``breachsim run optus_2022``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["MAIN_JOB", "bundled_dir", "find_scenario", "main_job_files"]

#: The package folder (sim/): an install keeps the bundled scenarios in sim/scenarios/.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The scenarios of the main job: Optus 2022 and the three lessons.
MAIN_JOB = ("optus_2022", "direct_first", "trusted_channels", "word_of_mouth")


def bundled_dir() -> Path:
    """The folder holding the bundled scenario files."""
    installed = PACKAGE_DIR / "scenarios"
    if (installed / "optus_2022.toml").is_file():
        return installed
    return PACKAGE_DIR.parent / "scenarios"


def main_job_files() -> list[Path]:
    """The four bundled scenarios the main job compares."""
    return [bundled_dir() / f"{name}.toml" for name in MAIN_JOB]


def find_scenario(text: str | Path) -> Path:
    """``text`` as a path if it exists, else the bundled scenario of that name."""
    path = Path(text)
    try:
        if path.exists() or path.is_absolute():
            return path
        name = path.name if path.suffix == ".toml" else f"{path.name}.toml"
        for candidate in (bundled_dir() / path.parent / name, bundled_dir() / name):
            if candidate.is_file():
                return candidate
    except (OSError, ValueError):   # a name too long or not valid for the file system
        pass
    return path
