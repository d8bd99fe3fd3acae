"""Write a run's files – worksheet, closing notes, ledger, rapport.html, manifest – as one set, all or nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..batch import Batch
from ..errors import OutputError
from ..read.files import sha256_file
from .csv_out import LEDGER_NAME, NOTES_NAME, write_closing_notes, write_ledger
from .manifest import MANIFEST_NAME, build_manifest
from .output_set import OutputSet
from .report import REPORT_NAME, write_report
from .worksheet.layout import WORKSHEET_NAME
from .worksheet.write import write_worksheet

OUTPUT_NAMES = (WORKSHEET_NAME, NOTES_NAME, LEDGER_NAME, MANIFEST_NAME, REPORT_NAME)


def write_outputs(batch: Batch, out_dir: Path, *, started: float | None = None,
                  worksheet_checked: bool = False) -> dict[str, Path]:
    """Write worksheet, closing notes, ledger, report and manifest; all renamed into place at the end.
    `worksheet_checked`: the worksheet in the folder was read as the team's worksheet (or --force discards it), so
    it may be replaced; every other existing file must be one the tool wrote."""
    import xlsxwriter.exceptions

    started = started if started is not None else time.time()
    refuse_overwriting_inputs(batch, Path(out_dir))
    out = OutputSet(Path(out_dir), trusted={WORKSHEET_NAME} if worksheet_checked else ())
    try:
        sheets = write_worksheet(batch, out.path(WORKSHEET_NAME))
        write_closing_notes(batch.cases, out.path(NOTES_NAME))
        write_ledger(batch.ledger, out.path(LEDGER_NAME))
        write_report(batch, out.path(REPORT_NAME))
        hashes = {name: sha256_file(tmp) for name, tmp in out.pending.items()}
        manifest = build_manifest(batch, sheets, hashes, started)
        with out.path(MANIFEST_NAME).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    except (OSError, xlsxwriter.exceptions.XlsxFileError) as exc:  # disk full, folder gone, file locked …
        previous = out.previous_files()
        out.abort()
        state = (f"de tidligere filer i {out.folder} er urørte ({', '.join(previous)})" if previous
                 else f"der er ikke skrevet nogen filer i {out.folder}")
        raise OutputError(f"Resultatfilerne kunne ikke skrives ({getattr(exc, 'strerror', None) or exc}); {state}",
                          hint="ret årsagen (fx fri plads på drevet) og kør igen") from None
    except BaseException:
        out.abort()  # a bug or Ctrl-C: no half-written files left behind, the previous ones untouched
        raise
    return out.commit()


def refuse_overwriting_inputs(batch: Batch, folder: Path) -> None:
    """An input file named like an output (say ledger.csv) in the output folder would be overwritten."""
    inputs = {Path(str(info["path"])).resolve() for info in batch.inputs.values()}
    for name in OUTPUT_NAMES:
        if (folder / name).resolve() in inputs:
            raise OutputError(f"Inputfilen {folder / name} ville blive overskrevet af resultatfilen {name}",
                              hint="vælg en anden resultatmappe med --out, eller omdøb inputfilen")
