"""The team lead's notebook: committed without outputs, and it runs top to bottom on the sample batch."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "planlaeg_konvertering.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_notebook_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook writes its run into a temporary folder
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    html = "\n".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "Sidste planlagte dag" in text and "Med én sagsbehandler mere" in text
    for chart in ("cases_per_caseworker", "hours_per_day", "asset_age", "documents_per_category"):
        assert f'data-chart="{chart}"' in html, chart
    # Danish for the team lead: labels, dd-mm-åååå dates, decimal comma; no code, no ISO date, no decimal point
    assert "Konverteret" in text and "Formue ikke oplyst" in text and "Sagsbehandler" in text
    tables = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert re.search(r"\b\d\d-\d\d-20\d\d\b", tables) and not re.search(r"\b20\d\d-\d\d-\d\d\b", tables)
    assert not re.search(r"\b(?:converted|excluded|rejected|formue_ikke_oplyst|running_hours)\b", tables)
    assert not re.search(r"\b\d+\.\d{1,2}\b", tables)  # no decimal point ('1.234' is a thousands dot)
    assert "konverteringsark.xlsx" in text and list(tmp_path.iterdir()) == []  # written, shown, and removed
