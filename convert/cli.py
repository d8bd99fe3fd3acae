"""The `kp-convert` command line: a thin adapter over the library.

Each command parses its options, makes one library call and prints a short Danish summary. Expected
failures are `KpConvertError`s, caught once in `main` and turned into their exit code; `--debug` re-raises.
Heavy imports (pandas, pandera, xlsxwriter) happen inside the commands, so `--help` and `init` start fast.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli_io import check_timings_target, say, show_library_notices, write_timings
from .errors import EXIT_DIFFERENCES, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED_ROWS, KpConvertError

if TYPE_CHECKING:
    pass

EPILOG_EXIT = ("Exit codes: 0 done (also with rejected rows: the console says so); 1 with --strict: done, but rows "
               "were rejected (reconcile: differences found); "
               "2 usage or configuration error; "
               "3 an input file could not be read; 4 an output could not be written; 5 internal ledger error; "
               f"{EXIT_INTERNAL} internal error (a bug: please report it, with the output of --debug); "
               f"{EXIT_INTERRUPTED} interrupted (Ctrl+C).")
# the test suite sets this so that a bug stays a traceback in the failing test (users get exit 70 and one line)
_RAISE_INTERNAL = "KP_CONVERT_RAISE_INTERNAL_ERRORS"


class _Group(click.Group):
    """Turns the library's expected errors into a Danish message and their documented exit code; anything else is
    a bug: one line and its own exit code, never 1 (automation reads 1 as "done, some rows rejected")."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KpConvertError as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            say(f"Fejl: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            say("Afbrudt. Resultatfiler der var ved at blive skrevet, er ikke lagt på plads; en afbrudt "
                 "flytning gøres færdig ved næste kørsel.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if (ctx.obj or {}).get("debug") or os.environ.get(_RAISE_INTERNAL):
                raise
            say(f"Intern fejl i kp-convert ({type(exc).__name__}{_where(exc)}). Det er en fejl i værktøjet, ikke i "
                 "dine data – rapportér den gerne, med det som 'kp-convert --debug …' skriver (tjek det for "
                 "personoplysninger først).", err=True)
            ctx.exit(EXIT_INTERNAL)
        return None  # not reached: ctx.exit raises


def _where(exc: BaseException) -> str:
    """' i convert/x.py:123': the innermost frame in the package (no message: it may hold a citizen's data)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "convert" in Path(f.filename).parts
              or "schemas" in Path(f.filename).parts]
    if not frames:
        return ""
    parts = Path(frames[-1].filename).parts
    start = max(i for i, p in enumerate(parts) if p in ("convert", "schemas"))
    return f" i {'/'.join(parts[start:])}:{frames[-1].lineno}"


def _folder_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An --out folder as typed: "" is refused (it would mean the current folder); whether it can be a folder is
    the library's check (a file, a symlink loop, a name too long: exit 4, see convert.write.output_set)."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("må ikke være tom – skriv mappens navn (brug '.' for den aktuelle mappe)")
    return Path(value)


@click.group(cls=_Group, epilog=EPILOG_EXIT, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kp-convert")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of short messages.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Convert running foot-care grants (udvidet helbredstillæg til fodbehandling) from ESDH exports
    into a KP conversion worksheet, closing notes and a ledger of every input row."""
    ctx.obj = {"debug": debug}
    show_library_notices()


@cli.command(epilog="Example: kp-convert run sample_data/kp-convert.toml --out output")
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", callback=_folder_option,
              help="Output folder (default: batch.output_folder in the config, relative to it).")
@click.option("--documents-folder", type=click.Path(file_okay=False, path_type=Path),
              help="Folder with the exported document files: stage them in OUT/dokumenter "
                   "(default: planning.documents_folder in the config).")
@click.option("--force", is_flag=True,
              help="Discard the team's checklist entries in the worksheet already in the output folder "
                   "(and overwrite it even if it looks open or cannot be read).")
@click.option("--pseudonymise", is_flag=True,
              help="Write the outputs with CPR numbers replaced by keyed pseudonyms and names removed, for sharing "
                   "with a supplier (default folder: the output folder + '-pseudonymiseret').")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="The secret key for --pseudonymise (default: kp-convert.key next to the config, made on "
                   "first use). Keep it; never send it with the files.")
@click.option("--timings", "timings_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the seconds and peak memory of each stage as JSON to this file.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when rows were rejected (for automation); without it a finished run exits 0 and the "
                   "console and the Afviste sheet say what was rejected.")
def run(config_file: Path, out_dir: Path | None, documents_folder: Path | None, force: bool,
        pseudonymise: bool, key_file: Path | None, timings_file: Path | None, strict: bool) -> None:
    """Run the conversion described by CONFIG_FILE and write the worksheet, notes, ledger, report and manifest.

    A worksheet already in the output folder keeps the team's checklist entries: they are carried over to
    the same ESDH case, and entries of cases that left the batch are kept in the sheet 'Udgåede sager'."""
    from .pipeline import run as run_pipeline
    from .progress import StageClock
    from .settings.batch import load_config
    from .write.console import run_summary

    started = time.time()
    config = load_config(config_file)
    key = None
    if pseudonymise:
        from .pseudonymise import pseudonymised_folder, resolve_key

        out_dir = out_dir or pseudonymised_folder(config.output_folder)
        key, key_path, created = resolve_key(key_file, config.source, out_dir)
        if created:
            say(f"Ny nøgle til pseudonymisering skrevet i {key_path} (kun læsbar for dig). Gem den: med den samme "
                 "nøgle får den samme borger det samme pseudonym. Send den aldrig med filerne.")
    elif key_file:
        raise click.UsageError("--key-file bruges kun sammen med --pseudonymise")
    if timings_file is not None:  # checked before the work: never over the config, an input or an output
        check_timings_target(timings_file, config, Path(out_dir or config.output_folder))
    with StageClock(display=True) as clock:  # progress on stderr only for long runs in a terminal
        batch, written = run_pipeline(config, out_dir, documents_folder=documents_folder, started=started,
                                       force=force, pseudonymise_key=key)
    if timings_file is not None:
        write_timings(timings_file, clock.report())
    for line, to_stderr in run_summary(batch, written):
        say(line, err=to_stderr)
    _finish(batch.rejected_count, strict)


@cli.command(epilog="Example: kp-convert inspect sample_data/kp-convert.toml --out kortlaegning")
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", callback=_folder_option,
              help="Folder for kortlaegning.xlsx (default: batch.output_folder in the config, relative to it).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the profile as a JSON document on stdout instead of the summary (the workbook is "
                   "written all the same).")
def inspect(config_file: Path, out_dir: Path | None, as_json: bool) -> None:
    """Profile the exports named in CONFIG_FILE before converting: per file its encoding, delimiter, sheet and
    header row; per column the field it maps to and why, its content, fill rate and distinct values; what `run`
    would refuse, what is missing, and the [input.*.columns] lines to paste. Writes kortlaegning.xlsx (no CPR
    numbers, names or free text) and exits 0 whatever it finds."""
    import json

    from .progress import StageClock
    from .read.profile import profile_exports
    from .read.profile_model import profile_json
    from .settings.batch import load_config
    from .write.profile_sheet import profile_lines, write_profile

    config = load_config(config_file)
    with StageClock(display=True):  # progress on stderr only for long reads in a terminal
        profile = profile_exports(config)
    written = write_profile(profile, out_dir or config.output_folder, inputs=[Path(f.path) for f in profile.files])
    if as_json:
        say(json.dumps(profile_json(profile, str(written)), ensure_ascii=False, indent=2))
    else:
        say("\n".join(profile_lines(profile, written)))
    click.get_current_context().exit(EXIT_OK)


@cli.command(epilog="Example: kp-convert plan sample_data/kp-convert.toml")
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when rows of the exports were rejected (for automation).")
def plan(config_file: Path, strict: bool) -> None:
    """Plan the manual conversion described by CONFIG_FILE ([planning]) and print it; writes nothing."""
    from .pipeline import build_batch
    from .settings.batch import load_config
    from .write.console import plan_lines

    batch = build_batch(load_config(config_file))
    say(f"kp-convert: {batch.config.batch_name} – {len(batch.cases)} sager konverteres")
    for line in plan_lines(batch):
        say(line)
    if batch.rejected_count:
        say(f"  {batch.rejected_count} poster er afvist – de er ikke med i planen (se arket Afviste efter "
             "kp-convert run).", err=True)
    say(f"Skriv planen, rapporten og konverteringsarket: kp-convert run {config_file}")
    _finish(batch.rejected_count, strict)


@cli.command(epilog="Example: kp-convert init kp-convert.toml")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="kp-convert.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a fully commented configuration template to PATH (default kp-convert.toml)."""
    from .errors import OutputError
    from .settings.template import template_text

    if path.exists() and not force:
        raise OutputError(f"{path} findes allerede", hint="brug --force for at overskrive den")
    if path.exists() and not _is_config(path):  # --force replaces a configuration, never an export or a worksheet
        raise OutputError(f"{path} er ikke en kp-convert-konfiguration og bliver ikke overskrevet, heller ikke med "
                          "--force", hint="vælg et andet filnavn")
    try:
        path.write_text(template_text(), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"Kan ikke skrive {path} ({exc.strerror})") from None
    say(f"Skabelon skrevet: {path}\nRet stier, startdato og kolonner, og kør: kp-convert run {path}")


@cli.command(epilog="Example: kp-convert sample --out sample_data --cases 300 --seed 1")
@click.option("--out", "out_dir", callback=_folder_option, required=True,
              help="Folder for the synthetic export files.")
@click.option("--cases", type=click.IntRange(1), default=300, show_default=True, help="Number of ESDH cases.")
@click.option("--documents-per-case", type=click.FloatRange(0), default=5.0, show_default=True,
              help="Average documents per case.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same files.")
@click.option("--defects/--no-defects", default=True, show_default=True,
              help="Plant the documented defects (bad CPR, ragged lines, …).")
@click.option("--document-files", is_flag=True,
              help="Also write a tiny dummy file per document in DIR/filer, to try staging (--documents-folder).")
def sample(out_dir: Path, cases: int, documents_per_case: float, seed: int, defects: bool,
           document_files: bool) -> None:
    """Write a synthetic, fictitious ESDH export set (cases, documents, asset declarations) and a config."""
    from .devtools.sample import SAMPLE_FILES, generate_sample_with_report
    from .errors import OutputError
    from .settings.template import template_text
    from .write.ownership import check_output_folder_path

    check_output_folder_path(out_dir)
    there = [name for name in (*SAMPLE_FILES, "filer") if (out_dir / name).exists()]
    if there:  # they may be a municipality's real exports: never replaced by synthetic ones
        raise OutputError(f"{out_dir} har allerede {', '.join(there)} – eksempeldata skrives kun i en mappe uden "
                          "eksportfiler", hint="vælg en ny eller tom mappe med --out (eller slet filerne, hvis de er "
                                               "gamle eksempeldata)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        files, planted = generate_sample_with_report(out_dir, cases=cases, seed=seed,
                                                     documents_per_case=documents_per_case, defects=defects)
        if document_files:
            from .devtools.sample_files import write_document_files

            files["files"], _ = write_document_files(out_dir, defects, {c for d in planted for c in d.case_ids})
        config = out_dir / "kp-convert.toml"
        if not config.exists():
            config.write_text(template_text(), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"Kan ikke skrive eksempeldata i {out_dir} ({exc.strerror})") from None
    except ValueError as exc:  # the generator's own argument checks (e.g. too few cases for the defects)
        raise click.UsageError(str(exc)) from None
    names = ", ".join(p.name + ("/" if p.is_dir() else "") for p in files.values())
    more = f" --documents-folder {files['files']}" if "files" in files else ""
    say(f"Eksempeldata skrevet i {out_dir}: {names}, {config.name}\nKør: kp-convert run {config}{more}")


@cli.command(epilog="Example: kp-convert spec sample_data/kp-convert.toml --out bestilling")
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: batch.output_folder in the config, relative to it).")
@click.option("--documents", "documents_folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder holding the document files, to report their total size "
                   "(default: order.documents_folder, else planning.documents_folder).")
@click.option("--strict", is_flag=True,
              help="Exit 1 when rows were rejected (for automation); without it a finished run exits 0 and the "
                   "console and the Afviste sheet say what was rejected.")
def spec(config_file: Path, out_dir: Path | None, documents_folder: Path | None, strict: bool) -> None:
    """Write the conversion order for Netcompany (bestilling.docx/.md, bestilling_data.xlsx, the return template
    retur_skabelon.xlsx) and the letter material for the system administrator (brevtekst.docx), from the batch
    described by CONFIG_FILE. Until the configuration holds what Netcompany needs, the documents are a draft
    (UDKAST) and the console lists the lines to fill in."""
    from .order.draft import missing_for_order
    from .order.scope import order_scope
    from .order.spec import operator_hints, write_order
    from .pipeline import build_batch
    from .settings.batch import load_config

    config = load_config(config_file)
    batch = build_batch(config)
    written = write_order(batch, out_dir or config.output_folder, documents_folder=documents_folder)
    folder = next(iter(written.values())).parent
    scope = order_scope(batch)
    ordered = int(scope["in_order"].sum())
    say(f"kp-convert: bestilling for {config.batch_name} – {ordered} sager i bestillingen, "
         f"{len(batch.cases) - ordered} ikke med (se »Ikke med i denne bestilling«), "
         f"{int(scope['pilot'].sum())} i prøvekonverteringen")
    say(f"  Filer i {folder}: " + ", ".join(written))
    say("  bestilling_data.xlsx indeholder CPR-numre: send den kun via en sikker kanal.")
    if missing := missing_for_order(config):
        say(f"  Bestillingen er et UDKAST: {len(missing)} oplysninger mangler, før den kan sendes.")
    hints = operator_hints(config, sizes_known=bool(documents_folder or config.order.documents_folder
                                                    or config.planning.documents_folder), batch=batch)
    if hints:
        say("  Udfyld i konfigurationen (dokumenterne nævner ingen nøgler, kun at noget mangler):")
        for hint in hints:
            say(f"    {hint}")
    if batch.rejected_count:
        say(f"  {batch.rejected_count} poster er afvist – de er ikke med i bestillingen.", err=True)
    _finish(batch.rejected_count, strict)


@cli.command(epilog="Example: kp-convert reconcile kp-convert.toml --kp-report kp-sager.xlsx "
                    "--esdh-export sager-efter.csv --update-worksheet")
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kp-report", type=click.Path(dir_okay=False, path_type=Path),
              help="The case report exported from KP, CSV or XLSX (default: input.kp_report.path).")
@click.option("--worksheet", type=click.Path(dir_okay=False, path_type=Path),
              help="The batch's worksheet (default: konverteringsark.xlsx in batch.output_folder).")
@click.option("--esdh-export", type=click.Path(dir_okay=False, path_type=Path),
              help="A cases export from ESDH taken after the conversion: are the cases closed, with their note?")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for afstemning.xlsx (default: the worksheet's folder).")
@click.option("--update-worksheet", is_flag=True,
              help="Write KP's case number of every matched case into the worksheet's empty KP-sagsnr. cells.")
@click.option("--order", "order_extract", type=click.Path(dir_okay=False, path_type=Path),
              help="The order's extract (bestilling_data.xlsx from spec): expect only the ordered cases in KP "
                   "(Netcompany created them, so the checklist's 'Oprettet i KP' is not checked).")
@click.option("--pilot", is_flag=True,
              help="With --order: expect only the cases of the order's test conversion.")
def reconcile(config_file: Path, kp_report: Path | None, worksheet: Path | None, esdh_export: Path | None,
              out_dir: Path | None, update_worksheet: bool, order_extract: Path | None, pilot: bool) -> None:
    """Reconcile the batch's worksheet against a KP case report, or the return file of an ordered conversion (and
    an ESDH export): write afstemning.xlsx.

    Exit code 0 when every case reconciles, 1 when differences were found."""
    from .reconcile.pipeline import run_reconcile
    from .reconcile.report import summary_lines
    from .settings.batch import load_config, reconcile_settings

    config = load_config(config_file)
    settings = reconcile_settings(config, kp_report=kp_report, esdh_export=esdh_export, worksheet=worksheet,
                                  out_dir=out_dir, order_extract=order_extract, pilot=pilot)
    result, written = run_reconcile(config, settings, update_worksheet=update_worksheet)
    say("\n".join(summary_lines(result, written)))
    click.get_current_context().exit(EXIT_OK if result.reconciled else EXIT_DIFFERENCES)


def _is_config(path: Path) -> bool:
    """A TOML file with a [batch] or [input] table: a kp-convert configuration (which `init --force` may replace)."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "batch" in data or "input" in data


def _finish(rejected: int, strict: bool) -> None:
    """A command that finished and wrote its outputs exits 0, also with rejected rows (the console and the Afviste
    sheet say so); `--strict` makes rejected rows exit 1 for automation."""
    click.get_current_context().exit(EXIT_REJECTED_ROWS if strict and rejected else EXIT_OK)


def main() -> None:
    cli(prog_name="kp-convert")
