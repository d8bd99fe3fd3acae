"""Benchmark `kp-convert run` against its floor at the sizes a municipality has, and beyond.

For each size it makes a synthetic batch with `kp-convert sample` (5 documents per case on average), then runs,
each as its own process, `kp-convert run --timings` (wall time, peak memory, seconds per stage) and the floor
(`benchmarks/floor.py`: read the same files, write the same sheets, rows and cells with the same writer, no logic),
each `--repeat` times, keeping the faster run of each. It also times start-up (`--help`, `init`) and compares
workbook writers on the same cells (`benchmarks/writers.py`). Results are printed and written into
benchmarks/RESULTS.md between the `results` markers (the text around them is kept). Benchmarks are not tests:
nothing here asserts a time.

    python benchmarks/run_benchmarks.py                      # 2,000, 10,000 and 100,000 cases, twice each
    python benchmarks/run_benchmarks.py --million            # also 1,000,000 cases / 5,000,000 documents (once)
    python benchmarks/run_benchmarks.py --sizes 2000 --repeat 1 --no-writers --no-startup   # a quick look

The tool and the floor run as a municipality runs them: in a virtual environment with only the runtime
dependencies of pyproject.toml (made once in the work folder; `--dev` uses this interpreter instead) and with the
source trees compiled to bytecode, as `pip install` leaves them. A development environment differs in two ways that
cost the tool, not the floor: pandera imports hypothesis (a test dependency) when it first validates, and with
PYTHONDONTWRITEBYTECODE set every module of the package is compiled from source on every start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
PY = sys.executable
SEED = 7
WRITER_ROWS = 100_000
TARGETS = {2_000: 1.5, 10_000: 1.3, 100_000: 1.3}  # run/floor (issue 7)


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
    if not python.exists():
        print("  making a runtime-only virtual environment …", flush=True)
        deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *deps], check=True)
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


def bench_size(work: Path, cases: int, repeat: int, before: Path | None = None) -> dict[str, object]:
    config = ensure_sample(work, cases)
    out = work / f"out-{cases}"
    timings = work / f"timings-{cases}.json"
    runs, floors, befores = [], [], []
    for i in range(repeat):
        if before is not None:
            shutil.rmtree(out, ignore_errors=True)
            wall, peak, _, _, cpu = measure([PY, "-m", "convert", "run", str(config), "--out", str(out)], cwd=before)
            befores.append({"wall": wall, "cpu": cpu, "peak_mb": peak})
            print(f"  {cases:>9,} cases  before#{i + 1}: {wall:7.2f} s  {cpu:7.2f} s CPU  {peak:7.0f} MB", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        timings.unlink(missing_ok=True)  # run --timings replaces only its own (marked) reports
        wall, peak, code, _, cpu = measure([PY, "-m", "convert", "run", str(config), "--out", str(out),
                                            "--timings", str(timings)])
        report = json.loads(timings.read_text(encoding="utf-8"))
        runs.append({"wall": wall, "cpu": cpu, "peak_mb": peak, "exit": code, "report": report})
        print(f"  {cases:>9,} cases  run   #{i + 1}: {wall:7.2f} s  {cpu:7.2f} s CPU  {peak:7.0f} MB", flush=True)
        floor_out = work / f"floor-{cases}.xlsx"
        wall, peak, _, stdout, cpu = measure([PY, str(ROOT / "benchmarks" / "floor.py"), str(config),
                                              str(timings), str(floor_out)])
        floors.append({"wall": wall, "cpu": cpu, "peak_mb": peak, "cells": json.loads(stdout)["cells"]})
        print(f"  {cases:>9,} cases  floor #{i + 1}: {wall:7.2f} s  {cpu:7.2f} s CPU  {peak:7.0f} MB", flush=True)
        floor_out.unlink(missing_ok=True)
    run = min(runs, key=lambda r: r["wall"])
    floor = min(floors, key=lambda r: r["wall"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    documents = manifest["inputs"].get("documents", {}).get("records", 0)
    cells = sum(c["cells"] for s in run["report"]["sheets"] for c in s["columns"])
    shutil.rmtree(out, ignore_errors=True)
    return {"cases": cases, "documents": documents, "run": run, "floor": floor, "cells": cells,
            "sheets": [s["sheet"] for s in run["report"]["sheets"]], "repeat": repeat,
            "all_runs": [r["wall"] for r in runs], "all_floors": [f["wall"] for f in floors],
            "before": min(befores, key=lambda r: r["wall"]) if befores else None}


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

def _stage_rows(size: dict) -> list[tuple[str, float, float]]:
    report = size["run"]["report"]
    return [(("  " * s["depth"]) + s["name"] + (f" ×{s['calls']}" if s["calls"] > 1 else ""), s["seconds"],
             s["peak_rss_mb"]) for s in report["stages"]]


def render(sizes: list[dict], startup: dict | None, writers: list[dict] | None, info: dict[str, str],
           before_rev: str = "") -> str:
    lines = [f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {info['cores']} cores, {info['cpu']}, {info['ram']} RAM; "
             f"{info['os']}; Python {info['python']}; {info['packages']}; tool and floor run in "
             f"{info.get('environment', 'this interpreter')}.", ""]
    if sizes:
        lines += [f"Each size was run {sizes[0]['repeat']}× (run and floor alternating); the table shows the faster "
                  "of each. Peak memory is the process's maximum resident set size.", "",
                  "| cases | documents | cells written | run (s) | floor (s) | run/floor | target | CPU run/floor | "
                  "run peak (MB) | floor peak (MB) | ms per case | all runs (s) | all floors (s) |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for s in sizes:
            run, floor = s["run"], s["floor"]
            ratio = run["wall"] / floor["wall"]
            target = TARGETS.get(s["cases"])
            mark = "" if target is None else f"≤ {target} {'✓' if ratio <= target else '✗'}"
            lines.append(f"| {s['cases']:,} | {s['documents']:,} | {s['cells']:,} | {run['wall']:.2f} | "
                         f"{floor['wall']:.2f} | **{ratio:.2f}** | {mark} | {run['cpu'] / floor['cpu']:.2f} | "
                         f"{run['peak_mb']:.0f} | "
                         f"{floor['peak_mb']:.0f} | {1000 * run['wall'] / s['cases']:.3f} | "
                         f"{', '.join(f'{w:.2f}' for w in s['all_runs'])} | "
                         f"{', '.join(f'{w:.2f}' for w in s['all_floors'])} |")
        if any(s["before"] for s in sizes):
            lines += ["", f"Before and after, same machine, same moment (before = `{before_rev}`, run the same "
                          "way, faster of the runs):", "",
                      "| cases | before (s) | after (s) | speed-up | before/floor | before peak (MB) | after peak (MB) |",
                      "|---:|---:|---:|---:|---:|---:|---:|"]
            for s in sizes:
                if s["before"]:
                    b, r = s["before"], s["run"]
                    lines.append(f"| {s['cases']:,} | {b['wall']:.2f} | {r['wall']:.2f} | {b['wall'] / r['wall']:.2f}× | "
                                 f"{b['wall'] / s['floor']['wall']:.2f} | {b['peak_mb']:.0f} | {r['peak_mb']:.0f} |")
        by = {s["cases"]: s for s in sizes}
        if 10_000 in by and 100_000 in by:
            a = by[10_000]["run"]["wall"] / 10_000
            b = by[100_000]["run"]["wall"] / 100_000
            lines += ["", f"Linearity: time per case at 100,000 / at 10,000 = **{b / a:.2f}** (target ≤ 1.5 "
                          f"{'✓' if b / a <= 1.5 else '✗'}). Peak memory at 100,000: "
                          f"**{by[100_000]['run']['peak_mb']:.0f} MB** (target < 2,048 "
                          f"{'✓' if by[100_000]['run']['peak_mb'] < 2048 else '✗'})."]
        if 1_000_000 in by:
            s = by[1_000_000]
            lines += ["", f"1,000,000 cases: exit code {s['run']['exit']}, sheets {', '.join(s['sheets'])}."]
        lines += ["", "Seconds per stage (inside the run; the rest of the wall time is interpreter start, imports, "
                      "reading the config and the console summary). Peak MB = the process's peak when the stage "
                      "ended.", ""]
        head = "| stage | " + " | ".join(f"{s['cases']:,} s | MB" for s in sizes) + " |"
        lines += [head, "|---|" + "---:|---:|" * len(sizes)]
        names = [name for name, _, _ in _stage_rows(sizes[-1])]
        for size in sizes:
            names += [n for n, _, _ in _stage_rows(size) if n not in names]
        table = {s["cases"]: {n: (sec, mb) for n, sec, mb in _stage_rows(s)} for s in sizes}
        for name in names:
            cells = []
            for s in sizes:
                sec, mb = table[s["cases"]].get(name, (None, None))
                cells.append("| |" if sec is None else f"{sec:.2f} | {mb:.0f} |")
            lines.append(f"| {name} | " + " ".join(cells))
        lines.append("| *other (start-up, imports, config, summary)* | " + " ".join(
            f"{s['run']['wall'] - sum(st['seconds'] for st in s['run']['report']['stages'] if st['depth'] == 0):.2f}"
            " | |" for s in sizes))
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
    parser.add_argument("--sizes", default="2000,10000,100000", help="case counts, comma-separated")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 cases / 5,000,000 documents (once)")
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
    sizes = []
    for cases in [int(x) for x in args.sizes.split(",") if x]:
        sizes.append(bench_size(work, cases, args.repeat, before))
    if args.million:
        sizes.append(bench_size(work, 1_000_000, 1))
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
