"""Benchmark every command against a floor of its own, at the sizes a municipality has, and beyond.

For each size it makes a synthetic batch with `kp-convert sample` (5 documents per case on average), then times,
each as its own process: `run` into an empty folder (with `--timings`: seconds and peak memory per stage), `re-run`
(run again into the same folder: the previous worksheet is read back), `reconcile` against a KP report made from the
worksheet (every converted case, as tests/conftest.py kp_report_from_worksheet makes it), `update-worksheet`
(reconcile --update-worksheet on a fresh copy of the worksheet), `spec`, `plan` and `inspect`. After each, its floor
(`benchmarks/floor.py`): read the same inputs with the fastest readers in the tool's stack, write the same sheets,
rows and cells with the same writer (learnt from the command's own output workbooks), no logic. Each command runs
`--repeat` times, before (`--before REV`), tool and floor interleaved, keeping the fastest of each. It also times
start-up (`--help`, `init`) and compares workbook writers on the same cells (`benchmarks/writers.py`). Results are
printed and written into benchmarks/RESULTS.md between the `results` markers (the text around them is kept).
Benchmarks are not tests: nothing here asserts a time.

    python benchmarks/run_benchmarks.py                      # 2,000 / 10,000 / 20,000 / 100,000 cases, twice each
    python benchmarks/run_benchmarks.py --million            # also run at 1,000,000 cases / 5,000,000 documents
    python benchmarks/run_benchmarks.py --sizes 2000 --repeat 1 --no-writers --no-startup   # a quick look
    python benchmarks/run_benchmarks.py --sizes 20000 --commands run,update-worksheet --before c8adb50

The tool and the floor run as a municipality runs them: in a virtual environment with only the runtime
dependencies of pyproject.toml (made in the work folder, and again when they change; `--dev` uses this interpreter
instead) and with the source trees compiled to bytecode, as `pip install` leaves them. A development environment
differs in two ways that cost the tool, not the floor: pandera imports hypothesis (a test dependency) when it first
validates, and with PYTHONDONTWRITEBYTECODE set every module of the package is compiled from source on every start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
PY = sys.executable
SEED = 7
WRITER_ROWS = 100_000


def measure(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, int, str, float]:
    """Run `cmd` as a child process: (wall s, that child's own peak RSS in MB, exit code, stdout, CPU s)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # wait4: this child's rusage, not the max over all children
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode, stdout, usage.ru_utime + usage.ru_stime


def machine() -> dict[str, str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "?")
    mem = next((int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    probe = ("from importlib import metadata; print(', '.join(f'{p} {metadata.version(p)}' for p in ('pandas', "
             "'pyarrow', 'pandera', 'numpy', 'xlsxwriter', 'openpyxl', 'click')))")
    versions = subprocess.run([PY, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    return {"cores": str(len(os.sched_getaffinity(0))), "cpu": cpu, "ram": f"{mem / 1024 / 1024:.0f} GiB",
            "os": platform.platform(), "python": platform.python_version(), "packages": versions}


def runtime_python(work: Path) -> str:
    """An interpreter with only the runtime dependencies (pyproject.toml [project] dependencies), made once."""
    venv = work / "runtime-venv"
    python = venv / "bin" / "python"
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    marker = venv / "kp-convert-dependencies.json"
    if not python.exists() or not marker.exists() or json.loads(marker.read_text(encoding="utf-8")) != deps:
        print("  making a runtime-only virtual environment …", flush=True)
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *deps], check=True)
        marker.write_text(json.dumps(deps), encoding="utf-8")
    return str(python)


def compile_tree(folder: Path) -> None:
    """Bytecode for the package, as an installed package has it (whatever PYTHONDONTWRITEBYTECODE says)."""
    subprocess.run([PY, "-m", "compileall", "-q", *(str(folder / d) for d in ("convert", "schemas", "benchmarks")
                                                    if (folder / d).is_dir())], check=True,
                   stdout=subprocess.DEVNULL)


def ensure_sample(work: Path, cases: int) -> Path:
    folder = work / f"sample-{cases}"
    config = folder / "kp-convert.toml"
    if not (folder / "sager.csv").exists():
        print(f"  making sample: {cases:,} cases …", flush=True)
        subprocess.run([PY, "-m", "convert", "sample", "--out", str(folder), "--cases", str(cases),
                        "--seed", str(SEED), "--documents-per-case", "5"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return config


def checkout(work: Path, rev: str) -> Path:
    """The source tree of an earlier revision, to run as 'before' (git archive: no worktree is touched)."""
    folder = work / f"before-{rev}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


KP_HEADER = ["KP-sagsnr.", "CPR-nr.", "Navn", "Sagstype", "Titel", "Ansøgningsdato", "Bevilling start",
             "Bevilling slut", "Status"]  # as tests/conftest.py kp_report_from_worksheet writes it
COMMANDS = ["run", "re-run", "reconcile", "update-worksheet", "spec", "plan", "inspect"]
WORKSHEET = "konverteringsark.xlsx"
CASE_SHEETS = "Sager,Udgåede sager"


def kp_report(worksheet: Path, target: Path) -> Path:
    """The KP case report for every converted case of `worksheet`, as KP would list them (foot care, started on the
    cut-over date 04-01-2027, applied on the worksheet's application date) – as kp_report_from_worksheet does."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(worksheet)).get_sheet_by_name("Sager").to_python()
    at = next(i for i, r in enumerate(rows) if "ESDH-sagsnr." in r)
    col = {h: i for i, h in enumerate(rows[at])}
    lines = [";".join(KP_HEADER)]
    for i, r in enumerate(rows[at + 1:]):
        applied = r[col["Ansøgningsdato (KP)"]]
        lines.append(";".join([f"KP-{i}", str(r[col["CPR-nr."]]), str(r[col["Navn"]]),
                               "Udvidet helbredstillæg - fodbehandling", "Fodbehandling",
                               applied.strftime("%d-%m-%Y") if applied else "", "04-01-2027", "", "Aktiv"]))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def learn_shape(folder: Path, since: float, copies: dict[str, str] | None = None,
                known: dict[str, list] | None = None) -> dict[str, object]:
    """What a command wrote into `folder` (files changed since `since`): per workbook, sheet and column the number
    of cells and their kind (read back with calamine, or `known`: the run's own --timings report); per CSV its rows
    and columns."""
    import csv

    from python_calamine import CalamineWorkbook

    shape: dict[str, dict] = {"workbooks": dict(known or {}), "csv": {}, "copies": copies or {}}
    for path in sorted(folder.iterdir()):
        if (path.name in shape["copies"] or path.name in shape["workbooks"] or not path.is_file()
                or path.stat().st_mtime < since):
            continue
        if path.suffix == ".xlsx":
            book = CalamineWorkbook.from_path(str(path))
            sheets = []
            for name in book.sheet_names:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                header = [str(v) for v in rows[0]] if rows else []
                columns = []
                for c, h in enumerate(header):
                    values = [r[c] for r in rows[1:] if c < len(r) and r[c] != ""]
                    kind = "text" if not values or isinstance(values[0], str) else (
                        "date" if isinstance(values[0], dt.date) else "number")
                    columns.append({"header": h, "kind": kind, "cells": len(values)})
                sheets.append({"sheet": name, "rows": max(len(rows) - 1, 0), "columns": columns})
            book.close()
            shape["workbooks"][path.name] = sheets
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as f:
                first = f.readline()
                f.seek(0)
                reader = csv.reader(f, delimiter=max(";,\t", key=first.count))
                width = len(next(reader, []))
                shape["csv"][path.name] = [sum(1 for _ in reader), width]
    return shape


def command_steps(work: Path, cases: int, config: Path, tag: str) -> dict[str, dict[str, object]]:
    """Per command: what to prepare (untimed), the command line, what its floor reads, and the folder it writes."""
    base = work / f"{tag}-{cases}"
    out, recon, upd, spec, insp = (base / d for d in ("out", "reconcile", "update", "spec", "inspect"))
    sheet, kp = out / WORKSHEET, base / "kp.csv"
    inputs = [str(config.parent / n) for n in ("sager.csv", "dokumenter.csv", "formue.csv")]

    def fresh_out() -> None:
        shutil.rmtree(out, ignore_errors=True)

    def reconcile_copy(folder: Path) -> Callable[[], None]:
        def prepare() -> None:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            shutil.copyfile(sheet, folder / WORKSHEET)
            if not kp.exists():
                kp_report(sheet, kp)
        return prepare

    def fresh(folder: Path) -> Callable[[], None]:
        return lambda: shutil.rmtree(folder, ignore_errors=True)

    def reconcile_cmd(folder: Path, *extra: str) -> list[str]:
        return ["reconcile", str(config), "--kp-report", str(kp), "--worksheet", str(folder / WORKSHEET),
                "--out", str(folder), *extra]

    return {
        "run": {"prepare": fresh_out, "cmd": ["run", str(config), "--out", str(out), "--timings",
                                              str(base / "timings.json")], "reads": inputs, "folder": out},
        "re-run": {"prepare": lambda: None, "cmd": ["run", str(config), "--out", str(out), "--timings",
                                                    str(base / "timings-rerun.json")],
                   "reads": [*inputs, f"{sheet}:{CASE_SHEETS}"], "folder": out},
        "reconcile": {"prepare": reconcile_copy(recon), "cmd": reconcile_cmd(recon),
                      "reads": [str(kp), f"{recon / WORKSHEET}:Sager"], "folder": recon},
        "update-worksheet": {"prepare": reconcile_copy(upd), "cmd": reconcile_cmd(upd, "--update-worksheet"),
                             "reads": [str(kp), f"{upd / WORKSHEET}:Sager"], "folder": upd,
                             "copies": {"backup.xlsx": str(upd / WORKSHEET), WORKSHEET: str(upd / WORKSHEET)}},
        "spec": {"prepare": fresh(spec), "cmd": ["spec", str(config), "--out", str(spec)], "reads": inputs,
                 "folder": spec},
        "plan": {"prepare": lambda: None, "cmd": ["plan", str(config)], "reads": inputs, "folder": None},
        "inspect": {"prepare": fresh(insp), "cmd": ["inspect", str(config), "--out", str(insp)], "reads": inputs,
                    "folder": insp},
    }


def bench_size(work: Path, cases: int, repeat: int, commands: list[str], before: Path | None = None
               ) -> dict[str, object]:
    """Each command `repeat` times (before, tool and floor interleaved), keeping the fastest of each."""
    config = ensure_sample(work, cases)
    variants = [("after", ROOT)] + ([("before", before)] if before is not None else [])
    steps = {tag: command_steps(work, cases, config, tag) for tag, _ in variants}
    found: dict[str, dict[str, list[dict]]] = {c: {"after": [], "before": [], "floor": []} for c in commands}
    report = None
    for i in range(repeat):
        for command in commands:
            if command in ("re-run", "reconcile", "update-worksheet", "spec", "plan", "inspect"):
                for tag, _ in variants:  # every command after the first needs the worksheet of a run
                    if not (work / f"{tag}-{cases}" / "out" / WORKSHEET).exists():
                        steps[tag]["run"]["prepare"]()  # type: ignore[operator]
                        measure([PY, "-m", "convert", *steps[tag]["run"]["cmd"]], cwd=_tree(tag, before))
            for tag, tree in variants:
                step = steps[tag][command]
                step["prepare"]()  # type: ignore[operator]
                started = time.time()
                wall, peak, code, _, cpu = measure([PY, "-m", "convert", *step["cmd"]], cwd=tree)  # type: ignore[misc]
                found[command][tag].append({"wall": wall, "cpu": cpu, "peak_mb": peak, "exit": code})
                print(f"  {cases:>9,} {command:<17} {tag:<6} #{i + 1}: {wall:7.2f} s {cpu:7.2f} s CPU "
                      f"{peak:7.0f} MB", flush=True)
                if tag != "after":
                    continue
                known = None
                if command in ("run", "re-run"):  # the worksheet's cells as the run reports them
                    timings = json.loads(Path(step["cmd"][-1]).read_text(encoding="utf-8"))  # type: ignore[index]
                    known = {WORKSHEET: timings["sheets"]}
                    report = timings if command == "run" else report
                folder = step["folder"]
                shape = (learn_shape(folder, started, step.get("copies"), known)  # type: ignore[arg-type]
                         if folder else {})
                shape_file = work / f"shape-{cases}-{command}.json"
                shape_file.write_text(json.dumps(shape), encoding="utf-8")
                floor_out = work / f"floor-{cases}"
                shutil.rmtree(floor_out, ignore_errors=True)
                reads = [a for r in step["reads"] for a in ("--read", r)]  # type: ignore[attr-defined]
                wall, peak, _, stdout, cpu = measure([PY, str(ROOT / "benchmarks" / "floor.py"), str(shape_file),
                                                      str(floor_out), *reads])
                found[command]["floor"].append({"wall": wall, "cpu": cpu, "peak_mb": peak,
                                                "cells": json.loads(stdout)["cells"]})
                print(f"  {cases:>9,} {command:<17} floor  #{i + 1}: {wall:7.2f} s {cpu:7.2f} s CPU "
                      f"{peak:7.0f} MB", flush=True)
                shutil.rmtree(floor_out, ignore_errors=True)
    manifest = json.loads((work / f"after-{cases}" / "out" / "manifest.json").read_text(encoding="utf-8"))
    documents = manifest["inputs"].get("documents", {}).get("records", 0)
    best = {c: {k: min(v, key=lambda r: r["wall"]) for k, v in runs.items() if v} for c, runs in found.items()}
    return {"cases": cases, "documents": documents, "commands": best, "repeat": repeat, "report": report,
            "all": {c: {k: [r["wall"] for r in v] for k, v in runs.items()} for c, runs in found.items()}}


def _tree(tag: str, before: Path | None) -> Path:
    return before if tag == "before" and before is not None else ROOT


def bench_startup(work: Path, n: int = 10) -> dict[str, dict[str, float]]:
    target = work / "init-check.toml"
    commands = {"python -c pass": [PY, "-c", "pass"],
                "kp-convert --help": [PY, "-m", "convert", "--help"],
                "kp-convert init": [PY, "-m", "convert", "init", str(target), "--force"]}
    out = {}
    for name, cmd in commands.items():
        times = [measure(cmd)[0] for _ in range(n)]
        out[name] = {"median": statistics.median(times), "best": min(times)}
    target.unlink(missing_ok=True)
    probe = ("import sys, convert.cli; heavy = {'pandas', 'numpy', 'pandera', 'pyarrow', 'openpyxl', 'xlsxwriter'}; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))")
    out["heavy modules imported by the CLI"] = {"list": subprocess.run([PY, "-c", probe], cwd=ROOT, text=True,
                                                                        capture_output=True).stdout.strip()}
    return out


def bench_writers(work: Path, rows: int) -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from writers import WRITERS

    results = []
    for name in WRITERS:
        target = work / "writer.xlsx"
        try:
            wall, peak, _, stdout, _ = measure([PY, str(ROOT / "benchmarks" / "writers.py"), name, str(rows),
                                                str(target)])
        except SystemExit as exc:  # not installed here: reported, not fatal
            results.append({"writer": name, "error": str(exc).splitlines()[-1]})
            continue
        result = json.loads(stdout.strip().splitlines()[-1])
        result["process_peak_mb"] = peak
        results.append(result)
        print(f"  writer {name:<30} {result['seconds']:6.2f} s", flush=True)
        target.unlink(missing_ok=True)
    return results


# ---- report -----------------------------------------------------------------------------------------------

def _stage_rows(report: dict) -> list[tuple[str, float, float]]:
    """(name, seconds, peak MB) per stage; the plan's sheets (one per batch: 'sheet:Batch 01' …) as one row."""
    rows: dict[str, tuple[float, float, int]] = {}
    for s in report["stages"]:
        name = ("  " * s["depth"]) + re.sub(r"Batch \d+$", "Batch NN", s["name"])
        seconds, peak, calls = rows.get(name, (0.0, 0.0, 0))
        rows[name] = (seconds + s["seconds"], max(peak, s["peak_rss_mb"]), calls + s["calls"])
    return [(name + (f" ×{calls}" if calls > 1 and "Batch NN" not in name else ""), sec, mb)
            for name, (sec, mb, calls) in rows.items()]


def render(sizes: list[dict], startup: dict | None, writers: list[dict] | None, info: dict[str, str],
           before_rev: str = "") -> str:
    lines = [f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {info['cores']} cores, {info['cpu']}, {info['ram']} RAM; "
             f"{info['os']}; Python {info['python']}; {info['packages']}; tool and floor run in "
             f"{info.get('environment', 'this interpreter')}.", ""]
    if sizes:
        with_before = any(c.get("before") for s in sizes for c in s["commands"].values())
        lines += [f"Each command was run {sizes[0]['repeat']}× per size ({'before, ' if with_before else ''}tool and "
                  "floor alternating), each as its own process; the table shows the fastest of each. Peak = the "
                  "process's maximum resident set size (wait4)." + (f" Before = `{before_rev}`, run the same way in "
                                                                    "the same benchmark run." if with_before else ""),
                  "",
                  "| cases | command | tool (s) | floor (s) | tool/floor | CPU tool/floor | tool peak (MB) | "
                  "floor peak (MB) | "
                  + ("before (s) | before/floor | before peak (MB) | speed-up |" if with_before else "") + " all tool runs (s) |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|---:|" if with_before else "") + "---|"]
        for s in sizes:
            for name, c in s["commands"].items():
                tool, floor, b = c["after"], c["floor"], c.get("before")
                cells = [f"{s['cases']:,}", f"`{name}`", f"{tool['wall']:.2f}", f"{floor['wall']:.2f}",
                         f"**{tool['wall'] / floor['wall']:.2f}**",
                         f"{tool['cpu']:.1f} / {floor['cpu']:.1f} = {tool['cpu'] / floor['cpu']:.2f}",
                         f"{tool['peak_mb']:.0f}", f"{floor['peak_mb']:.0f}"]
                if with_before:
                    cells += ([f"{b['wall']:.2f}", f"{b['wall'] / floor['wall']:.2f}", f"{b['peak_mb']:.0f}",
                               f"{b['wall'] / tool['wall']:.2f}×"] if b else ["", "", "", ""])
                cells.append(", ".join(f"{w:.2f}" for w in s["all"][name]["after"]))
                lines.append("| " + " | ".join(cells) + " |")
        ratio_lines = []
        for s in sizes:
            cmds = s["commands"]
            if "run" not in cmds:
                continue
            run = cmds["run"]["after"]
            parts = []
            for name, target in (("update-worksheet", 1.2), ("re-run", 1.1)):
                if name in cmds:
                    t, m = cmds[name]["after"]["wall"] / run["wall"], cmds[name]["after"]["peak_mb"] / run["peak_mb"]
                    cpu = cmds[name]["after"]["cpu"] / run["cpu"]
                    parts.append(f"`{name}`/`run` **{t:.2f}** in time (target ≤ {target} {'✓' if t <= target else '✗'};"
                                 f" CPU {cpu:.2f})"
                                 f", {m:.2f} in peak memory" + (" (target ≤ 1.3 " + ("✓" if m <= 1.3 else "✗") + ")"
                                                                if name == "update-worksheet" else ""))
            if s["cases"] >= 1_000_000:
                m = run["peak_mb"] / cmds["run"]["floor"]["peak_mb"]
                parts.append(f"`run` peak / floor peak **{m:.2f}** (target ≤ 2 {'✓' if m <= 2 else '✗'})")
            if parts:
                ratio_lines.append(f"- {s['cases']:,} cases: " + "; ".join(parts) + ".")
        if ratio_lines:
            lines += ["", "Against `run` at the same size (issue 15's targets):", "", *ratio_lines]
        reported = [s for s in sizes if s.get("report")]
        if reported:
            lines += ["", "`run`: seconds per stage (inside the run; the rest of the wall time is interpreter start, "
                          "imports, reading the config and the console summary). MB = the process's peak when the "
                          "stage ended.", ""]
            lines += ["| stage | " + " | ".join(f"{s['cases']:,} s | MB" for s in reported) + " |",
                      "|---|" + "---:|---:|" * len(reported)]
            names: list[str] = []
            for size in reversed(reported):
                names += [n for n, _, _ in _stage_rows(size["report"]) if n not in names]
            table = {s["cases"]: {n: (sec, mb) for n, sec, mb in _stage_rows(s["report"])} for s in reported}
            for name in names:
                cells = []
                for s in reported:
                    sec, mb = table[s["cases"]].get(name, (None, None))
                    cells.append("| |" if sec is None else f"{sec:.2f} | {mb:.0f} |")
                lines.append(f"| {name} | " + " ".join(cells))
    if startup:
        lines += ["", "Start-up (10 runs each; `python -m convert` is what the `kp-convert` script runs):", "",
                  "| command | median (s) | best (s) | target |", "|---|---:|---:|---|"]
        for name, v in startup.items():
            if "median" in v:
                target = "< 0.3 " + ("✓" if v["median"] < 0.3 else "✗") if name.startswith("kp-convert") else ""
                lines.append(f"| `{name}` | {v['median']:.3f} | {v['best']:.3f} | {target} |")
        heavy = startup.get("heavy modules imported by the CLI", {}).get("list", "?")
        lines += ["", f"Heavy modules imported by `import convert.cli`: {heavy}."]
    if writers:
        lines += ["", f"Workbook writers on the same {WRITER_ROWS:,} rows × 10 cells (7 text, 3 formatted numbers; "
                      "bold header, frozen pane, filter), each in its own process:", "",
                  "| writer | seconds | µs per cell | extra peak MB | file MB | '=…' text stays text | "
                  "same input, same bytes |", "|---|---:|---:|---:|---:|---|---|"]
        for w in writers:
            if "error" in w:
                lines.append(f"| {w['writer']} | not measured: {w['error']} | | | | | |")
                continue
            lines.append(f"| {w['writer']} | {w['seconds']:.2f} | {1e6 * w['seconds'] / w['cells']:.1f} | "
                         f"{w['peak_mb_over_data']:.0f} | {w['size_mb']:.1f} | "
                         f"{'yes' if w['formula_stays_text'] else '**no**'} | {'yes' if w['same_bytes'] else '**no**'} |")
    return "\n".join(lines)


def write_results(text: str) -> None:
    block = f"{BEGIN}\n{text}\n{END}"
    if RESULTS.exists() and BEGIN in (old := RESULTS.read_text(encoding="utf-8")):
        before, rest = old.split(BEGIN, 1)
        after = rest.split(END, 1)[1] if END in rest else ""
        RESULTS.write_text(before + block + after, encoding="utf-8")
    else:
        RESULTS.write_text(f"# Benchmarks\n\n{block}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,10000,20000,100000", help="case counts, comma-separated")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="commands to time, comma-separated (of "
                                                                          f"{', '.join(COMMANDS)})")
    parser.add_argument("--million", action="store_true", help="also `run` at 1,000,000 cases / 5,000,000 "
                                                                "documents (once)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per size; the faster is reported")
    parser.add_argument("--work", type=Path, help="folder for samples and outputs (default: a temporary folder; "
                                                  "samples are reused when it is given)")
    parser.add_argument("--no-writers", action="store_true", help="skip the writer comparison")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    parser.add_argument("--no-save", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--before", metavar="REV", help="also run this git revision (before/after table)")
    parser.add_argument("--dev", action="store_true", help="measure with this interpreter (the development "
                                                            "environment) instead of a runtime-only one")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kp-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    global PY
    if not args.dev:
        PY = runtime_python(work)
    compile_tree(ROOT)
    info = machine()
    info["environment"] = ("the development environment (" + sys.executable + ")" if args.dev
                           else "a runtime-only virtual environment, bytecode compiled")
    print(f"Machine: {info['cores']} cores, {info['cpu']}, {info['ram']}; Python {info['python']}", flush=True)
    before = checkout(work, args.before) if args.before else None
    if before is not None:
        compile_tree(before)
    commands = [c for c in args.commands.split(",") if c]
    unknown = set(commands) - set(COMMANDS)
    if unknown:
        parser.error(f"unknown commands: {', '.join(sorted(unknown))}")
    sizes = []
    for cases in [int(x) for x in args.sizes.split(",") if x]:
        sizes.append(bench_size(work, cases, args.repeat, commands, before))
    if args.million:
        sizes.append(bench_size(work, 1_000_000, 1, ["run"]))
    startup = None if args.no_startup else bench_startup(work)
    writers = None if args.no_writers else bench_writers(work, WRITER_ROWS)
    text = render(sizes, startup, writers, info, args.before or "")
    print("\n" + text)
    if not args.no_save:
        write_results(text)
        print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
