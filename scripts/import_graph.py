"""Print the import graph between Triangel's apps: for each pair, how many import statements
lead from one to the other, and the cycles between an app's own modules.

    .venv/bin/python scripts/import_graph.py [path/to/checkout]

Reads the source only (no Django set-up), so it also runs on another checkout of the project
for comparison. The contracts that hold the layers are in pyproject.toml (``lint-imports``).
"""

import sys
from collections import Counter
from pathlib import Path

import grimp

APPS = ("web", "care", "reminders", "booking", "people", "messaging", "config")
# Modules that wire every app together (the URL configuration): their imports are no layer's.
COMPOSITION_ROOT = {"config.urls"}


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent).resolve()
    sys.path.insert(0, str(root))
    apps = [app for app in APPS if (root / app / "__init__.py").exists()]
    graph = grimp.build_graph(*apps, cache_dir=None)
    edges: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        if module in COMPOSITION_ROOT:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            source, target = module.split(".")[0], imported.split(".")[0]
            if source != target and target in apps:
                edges[(source, target)] += len(graph.get_import_details(importer=module, imported=imported))
    print(f"imports between apps ({root}; {', '.join(sorted(COMPOSITION_ROOT))} left out):")
    for (source, target), count in sorted(edges.items(), key=lambda e: (APPS.index(e[0][0]), APPS.index(e[0][1]))):
        upward = APPS.index(target) < APPS.index(source)
        print(f"  {source:9} -> {target:9} {count:3}{'   (upward)' if upward else ''}")
    print("cycles between the modules of one app:")
    found = False
    for app in apps:
        for package in sorted(m for m in graph.modules if m == app or m.startswith(app + ".")):
            children = graph.find_children(package)
            for child in sorted(children):
                for other in sorted(children):
                    if (
                        child < other
                        and graph.chain_exists(child, other, as_packages=True)
                        and graph.chain_exists(other, child, as_packages=True)
                    ):
                        print(f"  {child} <-> {other}")
                        found = True
    if not found:
        print("  none")


if __name__ == "__main__":
    main()
