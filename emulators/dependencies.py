"""
The emulators' own dependencies (the `emulators` extra). The commands check them before importing
an emulator, so a missing one is a clear error rather than an ImportError from deep inside.
"""

from __future__ import annotations

import importlib.util

from django.core.management.base import CommandError

EXTRA_PACKAGES = ("werkzeug", "trustme", "cheroot")


def require_emulator_dependencies() -> None:
    missing = [name for name in EXTRA_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise CommandError(
            f"Not installed, and needed by the emulators: {', '.join(missing)}. Install the "
            "emulators extra: pip install -e '.[emulators]'"
        )
