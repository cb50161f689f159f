"""The floors of the code base (README, "Architecture"): every import points down, never up or sideways.

    classrooms -> risk -> futures -> trading -> accounts -> core

and the pure math at the bottom (``trading.margin``, ``trading.book``, ``futures.formulas``) imports no app
but ``core.money`` and each other. Read from the source with ``ast``, function-local imports included, so a new import
that climbs a floor fails here rather than in a circular-import error one day.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOORS = ["core", "accounts", "trading", "futures", "risk", "classrooms"]  # bottom to top
# What each may import: core's money precision, and the pure math beside it.
PURE = {
    "trading/margin": {"core.money"},
    "trading/book.py": {"core.money", "trading.margin"},
    "futures/formulas.py": {"core.money"},
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def sources(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("app", FLOORS)
def test_an_app_imports_only_the_floors_below_it(app):
    above = set(FLOORS[FLOORS.index(app) + 1 :])
    climbing = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sources(app)
        for module in imported_modules(path)
        if module.split(".")[0] in above
    )
    assert climbing == []


@pytest.mark.parametrize("place", sorted(PURE))
def test_the_pure_math_imports_no_app(place):
    target = ROOT / place
    paths = list(target.rglob("*.py")) if target.is_dir() else [target]
    assert paths
    apps = set(FLOORS)
    impure = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in paths
        for module in imported_modules(path)
        if module.split(".")[0] in apps and module not in PURE[place]
    )
    assert impure == []


@pytest.mark.parametrize("app", FLOORS)
def test_an_app_imports_no_private_name_of_another(app):
    """``from trading.selectors.lookups import _as_id`` in risk: another app's private helper is not an API."""
    found = []
    for path in sources(app):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                other = node.module.split(".")[0]
                if other in FLOORS and other != app:
                    found += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert found == []
