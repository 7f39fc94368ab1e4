"""Everything the application imports comes with its runtime dependencies.

``make demo`` installs only the runtime dependencies (``pip install -e .``);
the test suite runs with the dev extras too, so an application module that
imports a package only the dev extras bring (confluent-kafka once did) passes
every other test and breaks the README's first command on a fresh machine.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = ("catalog", "contracts")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions() -> set[str]:
    """The project's runtime requirements and everything they require in turn
    (with the extras they ask for, for this interpreter and platform)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pending = [Requirement(text) for text in project["dependencies"]]
    found: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = normalized(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in found:
            continue
        found.add(key)
        found.add(name)
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if needed.marker is None or any(needed.marker.evaluate(e) for e in environments):
                pending.append(needed)
    return found


def imported_top_level_modules() -> dict[str, str]:
    """Top-level module -> a file importing it, over the application's code."""
    modules: dict[str, str] = {}
    for package in APPLICATION:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    modules.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return modules


def test_every_third_party_import_of_the_application_is_a_runtime_dependency():
    runtime = runtime_distributions()
    providers = metadata.packages_distributions()
    missing = []
    for module, where in sorted(imported_top_level_modules().items()):
        if module in sys.stdlib_module_names or module in APPLICATION:
            continue
        distributions = {normalized(d) for d in providers.get(module, [])}
        if not distributions & runtime:
            missing.append(f"{module} (imported by {where}; from {sorted(distributions)})")
    assert not missing, "imported but not a runtime dependency: " + "; ".join(missing)


def test_the_check_sees_the_dependencies_the_application_is_known_to_use():
    # Guards the test above against passing vacuously.
    runtime = runtime_distributions()
    assert {"django", "fastavro", "confluent-kafka", "kombu", "redis"} <= runtime
    assert not {"pytest", "hypothesis", "avro"} & runtime
    assert {"confluent_kafka", "fastavro", "rest_framework"} <= set(imported_top_level_modules())
