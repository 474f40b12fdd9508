"""The house in data-flow order: each folder imports only the folders before it.

definitions (data) -> sources -> expectations -> marts -> exports -> reports -> pipelines;
`synthetic` (the generator) stands beside the flow: it reads the definitions through
`sources`, and only the command line, the benchmark and the tests use it. `serve` (the export
server) is a stage after `exports` that nothing but the command line imports: it may read
`sources` and `exports`, nothing later. Dagster lives in `pipelines` only, and never through a
private module.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FLOW = ["sources", "expectations", "marts", "exports", "reports", "pipelines"]
# What each folder may import of ours, besides itself.
ALLOWED = {stage: set(FLOW[:i]) for i, stage in enumerate(FLOW)}
ALLOWED["synthetic"] = {"sources"}
ALLOWED["serve"] = {"sources", "exports"}
ALLOWED["pipelines"] |= {"synthetic", "serve"}
ALLOWED["benchmarks"] = {*FLOW, "synthetic", "serve"}
OURS = {*ALLOWED, "definitions"}


def _imports(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, relative imports resolved to their package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = path.relative_to(root).parent.parts
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def _modules(folder: str, root: Path = REPO) -> list[Path]:
    return sorted(p for p in (root / folder).rglob("*.py") if ".venv" not in p.parts)


def _wrong_imports(folder: str, root: Path = REPO) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line} imports {module}"
        for path in _modules(folder, root)
        for line, module in _imports(path, root)
        if (top := module.split(".")[0]) in OURS and top != folder and top not in ALLOWED[folder]
    ]


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_each_folder_imports_only_the_folders_before_it(folder):
    wrong = _wrong_imports(folder)
    assert wrong == [], "\n".join(wrong)


def test_the_sources_import_nothing_else_of_ours():
    assert ALLOWED["sources"] == set()


def test_the_export_server_reads_only_the_sources_and_the_exports():
    # It serves what exports/ published; nothing of marts, reports or pipelines may leak into it.
    assert ALLOWED["serve"] == {"sources", "exports"}
    assert not any("serve" in allowed for stage, allowed in ALLOWED.items() if stage not in ("pipelines", "benchmarks"))


def test_dagster_only_in_pipelines_and_never_a_private_module():
    private, outside = [], []
    for folder in [*ALLOWED, "tests"]:
        for path in _modules(folder):
            for line, module in _imports(path):
                if module == "dagster" or module.startswith("dagster."):
                    where = f"{path.relative_to(REPO)}:{line} imports {module}"
                    if any(part.startswith("_") for part in module.split(".")):
                        private.append(where)
                    if folder not in ("pipelines", "tests", "benchmarks"):
                        outside.append(where)
    assert private == [] and outside == [], "\n".join(private + outside)


def test_the_scan_sees_a_wrong_import(tmp_path):
    # The check itself, on a probe tree: an upward import is found, a relative one resolved.
    (tmp_path / "sources" / "sub").mkdir(parents=True)
    probe = tmp_path / "sources" / "sub" / "probe.py"
    probe.write_text(
        "from marts.catalog import catalog\nfrom .. import paths\nfrom ..inbox import x\n", encoding="utf-8"
    )
    assert [m for _, m in _imports(probe, tmp_path)] == ["marts.catalog", "sources", "sources.inbox"]
    assert _wrong_imports("sources", tmp_path) == ["sources/sub/probe.py:1 imports marts.catalog"]
