"""Score many audio files with emovox on Ray Data: one Classifier per worker actor.

    python examples/python/ray_batch.py MANIFEST --out OUT [--format parquet|jsonl]
        [--address ADDRESS | --num-cpus N [--worker-niceness 0]] [--model PATH] [--batch-size 64]
        [--channels mix|each] [--adapt-by COLUMN] [--compare-loop]

MANIFEST is a CSV file whose ``path`` column (or first column) lists audio files (relative
paths are taken from the CSV's folder), or a folder searched for audio files. ``map_batches``
hands ``--batch-size`` paths at a time to an actor pool (one CPU, one emovox thread per actor),
and each actor writes its batch's rows as one file in OUT named by the batch's first row
(``part-000000064.parquet``: a batch Ray retries rewrites its own file):

    path, channel, label, confidence, novelty, unfamiliar, p_<label> (one column per label), error

A file that cannot be read or classified is a row with ``error`` set, never a failed job.
``--channels each`` scores every channel on its own (a stereo call holds one party per channel).
``--adapt-by COLUMN`` (a CSV manifest's column naming each file's speaker: an agent, a caller)
adds that column to the rows as ``speaker`` and, once every file is scored, writes the rows again
in OUT/adapted, each speaker's judged against that speaker's others (``emovox.adapt_to_speakers``:
probabilities, label and confidence relative to the speaker's usual; error rows as they were).
Without ``--address`` a local Ray is started (workers at ``--worker-niceness``, default 0: Ray's
own 15 lets any other process take their CPUs); on a cluster run it unchanged with ``--address
auto`` (audio and OUT at the same paths on every node). ``--compare-loop`` also times the files
in this process, one at a time and in batches, and prints both against Ray's rate end to end
and once its actors run (README, "Batch scoring on Ray").
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".webm", ".mkv", ".mka", ".m4a", ".mp4", ".aif", ".aiff", ".aifc", ".caf", ".aac", ".amr", ".awb", ".3gp"}


def read_manifest(manifest: Path, speaker_column: Optional[str] = None) -> List[Tuple[str, Optional[str]]]:
    """The audio files a CSV manifest lists, or those below a folder, as absolute paths, each with
    its speaker from `speaker_column` (CSV manifests with a header only; a row without one is an
    error) or None."""
    if manifest.is_dir():
        if speaker_column:
            raise ValueError(f"--adapt-by {speaker_column} needs a CSV manifest, {manifest} is a folder")
        return sorted((str(p.resolve()), None) for p in manifest.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    with open(manifest, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return []
    column = rows[0].index("path") if "path" in rows[0] else 0
    body = [row for row in (rows[1:] if "path" in rows[0] else rows) if row]
    base = manifest.resolve().parent
    paths = [str((base / row[column]).resolve()) for row in body]
    if not speaker_column:
        return [(path, None) for path in paths]
    if speaker_column not in rows[0]:
        raise ValueError(f"{manifest} has no column {speaker_column!r} (its header: {rows[0]})")
    at = rows[0].index(speaker_column)
    speakers = [row[at].strip() if at < len(row) else "" for row in body]
    if "" in speakers:
        raise ValueError(f"{manifest}: row {speakers.index('') + 2} has no {speaker_column}")
    speaker_of: Dict[str, str] = {}
    for path, speaker in zip(paths, speakers):
        if speaker_of.setdefault(path, speaker) != speaker:
            raise ValueError(f"{manifest} lists {path} for two speakers, {speaker_of[path]!r} and {speaker!r}")
    return list(zip(paths, speakers))


def output_row(labels: List[str], row: Dict[str, Any]) -> Dict[str, Any]:
    """One output row of a ``Classifier.predict_files`` row: its probabilities as ``p_<label>``
    columns; a row with an ``error`` has the other columns empty."""
    nan, probabilities = float("nan"), row.get("probabilities", {})
    out = {key: row.get(key) for key in ("path", "channel", "label", "confidence", "novelty", "unfamiliar", "error")}
    out.update({key: nan for key in ("confidence", "novelty") if out[key] is None})
    return {**out, **{f"p_{label}": probabilities.get(label, nan) for label in labels}}


def score_files(classifier: Any, paths: List[str], channels: str) -> List[Dict[str, Any]]:
    """The output rows of `paths`, in order, decoded and predicted in parallel (``predict_files``):
    a file that cannot be decoded, or a clip that cannot be predicted, is its own error row."""
    return [output_row(classifier.labels, row) for row in classifier.predict_files(paths, channels=channels)]


class Scorer:
    """A Ray Data actor: loads the model once, then scores batches of paths, writes each
    batch's rows to a file of its own in ``out`` and returns one row about it: the file, its
    rows, the batch's start and end (Unix seconds), the actor's CPU seconds on it and the Ray
    node it ran on."""

    def __init__(self, model: Optional[str], threads: int, out: str, fmt: str, channels: str) -> None:
        os.environ["RAYON_NUM_THREADS"] = str(threads)  # emovox's pool, sized on first use: the actor's CPUs
        import emovox
        import ray

        self.node = ray.get_runtime_context().get_node_id()
        self.classifier = emovox.Classifier.load(model) if model else emovox.Classifier.bundled()
        self.out, self.format, self.channels = Path(out), fmt, channels

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        import pandas

        started, cpu_started = time.time(), time.process_time()
        rows = score_files(self.classifier, [str(path) for path in batch["path"]], self.channels)
        # Columns typed even when a batch holds only errors (or no errors, or no channels).
        types = {"path": "string", "channel": "Int64", "label": "string", "error": "string"}
        frame = pandas.DataFrame(rows).astype(types)
        if "speaker" in batch:  # --adapt-by: each row's file's speaker (a file may give several rows)
            speaker_of = dict(zip((str(path) for path in batch["path"]), (str(s) for s in batch["speaker"])))
            frame.insert(1, "speaker", frame["path"].map(speaker_of).astype("string"))
        suffix = "json" if self.format == "jsonl" else "parquet"
        target = self.out / f"part-{int(np.min(batch['index'])):09d}.{suffix}"
        if self.format == "parquet":
            frame.to_parquet(target, index=False)
        else:
            frame.to_json(target, orient="records", lines=True)
        about = {"file": str(target), "rows": len(frame), "node": self.node, "started": started, "finished": time.time()}
        return {key: np.array([value]) for key, value in {**about, "cpu": time.process_time() - cpu_started}.items()}


def adapt_rows(frame: Any) -> Any:
    """One speaker's rows (a pandas frame) with their probabilities, label and confidence adapted to
    the speaker (``emovox.adapt_to_speakers``); error rows as they were."""
    import emovox

    labels = [column[2:] for column in frame.columns if column.startswith("p_")]
    records = frame.to_dict("records")
    predictions = [
        {"error": r["error"]} if isinstance(r["error"], str) else {"probabilities": {label: r[f"p_{label}"] for label in labels}}
        for r in records
    ]
    adapted = emovox.adapt_to_speakers(predictions, [str(r["speaker"]) for r in records])
    scored = [i for i, prediction in enumerate(adapted) if "error" not in prediction]
    out = frame.reset_index(drop=True)
    out.loc[scored, "label"] = [adapted[i]["label"] for i in scored]
    out.loc[scored, "confidence"] = [adapted[i]["confidence"] for i in scored]
    for label in labels:
        out.loc[scored, f"p_{label}"] = [adapted[i]["probabilities"][label] for i in scored]
    return out


def read_rows(batch: Dict[str, np.ndarray]) -> Any:
    """The rows of a batch of the scoring stage's files, as one pandas frame."""
    import pandas

    read = {"json": lambda f: pandas.read_json(f, lines=True, dtype={"error": "string", "speaker": "string"}), "parquet": pandas.read_parquet}
    return pandas.concat([read[str(f).rsplit(".", 1)[-1]](str(f)) for f in batch["file"]], ignore_index=True)


class AdaptedWriter:
    """``map_groups``' function: adapts one speaker's rows (:func:`adapt_rows`), writes them as one
    file in ``out`` named by a hash of the speaker (a retried group rewrites its own file) and
    returns one row about it: the file and its rows."""

    def __init__(self, out: str, fmt: str) -> None:
        self.out, self.format = Path(out), fmt

    def __call__(self, frame: Any) -> Any:
        import pandas

        rows = adapt_rows(frame)
        name = hashlib.sha1(str(rows["speaker"].iloc[0]).encode()).hexdigest()[:16]
        target = self.out / f"speaker-{name}.{'json' if self.format == 'jsonl' else 'parquet'}"
        if self.format == "parquet":
            rows.to_parquet(target, index=False)
        else:
            rows.to_json(target, orient="records", lines=True)
        return pandas.DataFrame({"file": [str(target)], "rows": [len(rows)]})


def adapt_by_speaker(files: List[str], args: argparse.Namespace) -> int:
    """Reads the scored rows back, groups them by speaker and writes each speaker's adapted to
    OUT/adapted (Ray Data's ``groupby`` + ``map_groups``; the files are read and written by the
    workers, as the actors write theirs); returns the rows written."""
    import ray.data

    target = Path(args.out).resolve() / "adapted"
    target.mkdir(parents=True, exist_ok=True)
    rows = ray.data.from_items([{"file": f} for f in files]).map_batches(read_rows, batch_format="numpy")
    written = rows.groupby("speaker").map_groups(
        AdaptedWriter, fn_constructor_args=(str(target), args.format), batch_format="pandas"
    )
    return int(sum(row["rows"] for row in written.iter_rows()))


@dataclass
class RayRun:
    """What a run on Ray did: seconds of ``ray.init`` (``init``), to the last file written
    (``total``) and from the first batch started to the last finished (``scoring``), the actors'
    CPU seconds (``cpu``), the rows written (``rows``), the cluster's live nodes (``nodes``) and
    those whose actors scored (``nodes_scoring``); with ``--adapt-by``, the rows written adapted
    (``adapted_rows``) and the seconds that took (``adapt``)."""

    init: float
    total: float
    scoring: float
    cpu: float
    rows: int
    nodes: int
    nodes_scoring: int
    adapted_rows: Optional[int] = None
    adapt: Optional[float] = None


def score_with_ray(manifest: List[Tuple[str, Optional[str]]], args: argparse.Namespace) -> RayRun:
    """Scores the manifest's files on Ray Data, the actors writing the rows to `args.out` (and
    with ``--adapt-by`` the rows adapted to OUT/adapted). The libraries are imported before the
    clock starts, as the reference loop's are."""
    import ray
    import ray.data

    start = time.perf_counter()
    niceness = {"worker_niceness": args.worker_niceness}
    local = dict(num_cpus=args.num_cpus, include_dashboard=False, _system_config=niceness)
    ray.init(**({"address": args.address} if args.address else local))
    init = time.perf_counter() - start
    cpus = int(ray.cluster_resources().get("CPU", 1))
    alive = sum(1 for node in ray.nodes() if node["Alive"])
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # Ray Data 2.60 may see 0 CPUs to budget with before its autoscaling coordinator reports
    # (then actors wait forever); the cluster's CPUs are the budget.
    context.execution_options.resource_limits = ray.data.ExecutionResources(cpu=cpus)
    # Score once every actor of the pool is up (within 10 minutes, else a timeout error): the
    # first actor ready would otherwise take batches while the others still load the model, and
    # on a cluster a whole node could stay idle (seen once in CI with two nodes of one CPU).
    context.wait_for_min_actors_s = 600
    Path(args.out).mkdir(parents=True, exist_ok=True)
    items = [{"index": i, "path": p, **({"speaker": s} if s is not None else {})} for i, (p, s) in enumerate(manifest)]
    dataset = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), cpus * 4)))
    written = dataset.map_batches(
        Scorer,
        fn_constructor_args=(args.model, 1, str(Path(args.out).resolve()), args.format, args.channels),
        batch_size=args.batch_size,
        batch_format="numpy",
        concurrency=max(1, cpus),
        num_cpus=1,
    )
    batches = list(written.iter_rows())
    run = RayRun(
        init=init,
        total=time.perf_counter() - start,
        scoring=float(max(b["finished"] for b in batches) - min(b["started"] for b in batches)),
        cpu=float(sum(b["cpu"] for b in batches)),
        rows=int(sum(b["rows"] for b in batches)),
        nodes=alive,
        nodes_scoring=len({b["node"] for b in batches}),
    )
    if args.adapt_by:
        run.adapted_rows = adapt_by_speaker([str(b["file"]) for b in batches], args)
        run.adapt = time.perf_counter() - start - run.total
    ray.shutdown()
    return run


def score_in_this_process(
    paths: List[str], model: Optional[str], batch_size: Optional[int], channels: str
) -> Tuple[float, float]:
    """A single-process reference (the model loaded before the clock starts): a plain loop, one file
    decoded and predicted after the other (``batch_size`` None), or ``batch_size`` files at a time
    spread over every core. Returns the seconds taken and the process's CPU seconds meanwhile."""
    import emovox

    classifier = emovox.Classifier.load(model) if model else emovox.Classifier.bundled()
    start, cpu_start = time.perf_counter(), time.process_time()
    for first in range(0, len(paths), batch_size or 1):
        score_files(classifier, paths[first : first + (batch_size or 1)], channels)
    return time.perf_counter() - start, time.process_time() - cpu_start


def rates(name: str, clips: int, wall: float, cpu: float) -> Dict[str, float]:
    """`name`'s clips per second, CPU cores kept busy and CPU milliseconds per clip."""
    return {
        f"{name}_clips_per_second": round(clips / wall, 2),
        f"{name}_cpu_cores_busy": round(cpu / wall, 2),
        f"{name}_cpu_ms_per_clip": round(1e3 * cpu / clips, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path, help="CSV of paths (column `path` or the first), or a folder")
    parser.add_argument("--out", required=True, help="output folder (Parquet or JSON-lines files)")
    parser.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    parser.add_argument("--address", help="a running Ray cluster (`auto`, or HEAD:6379); default: a local Ray")
    parser.add_argument("--num-cpus", type=int, default=os.cpu_count(), help="CPUs of the local Ray")
    parser.add_argument("--worker-niceness", type=int, default=0, help="the local Ray's workers' (Ray's default: 15)")
    parser.add_argument("--model", help="an emovox model file (default: the bundled model)")
    parser.add_argument("--batch-size", type=int, default=64, help="files per map_batches call (and per output file)")
    parser.add_argument("--channels", choices=["mix", "each"], default="mix", help="the channels' mean, or each one")
    parser.add_argument("--adapt-by", metavar="COLUMN", help="the CSV manifest's speaker column: also write rows adapted per speaker")
    parser.add_argument("--compare-loop", action="store_true", help="also time a single-process loop over the files")
    args = parser.parse_args()

    if args.adapt_by and args.channels == "each":
        parser.error("--adapt-by names one speaker per file; with --channels each a file's channels hold different speakers")
    try:
        manifest = read_manifest(args.manifest, args.adapt_by)
    except ValueError as error:
        parser.error(str(error))
    paths = [path for path, _ in manifest]
    if not paths:
        parser.error(f"{args.manifest} lists no audio files")
    figures: Dict[str, Any] = {"clips": len(paths)}
    if args.compare_loop:
        figures["loop_rayon_threads"] = os.environ.get("RAYON_NUM_THREADS", "all cores")
        for name, batch_size in (("loop", None), ("batched_loop", args.batch_size)):
            wall, cpu = score_in_this_process(paths, args.model, batch_size, args.channels)
            figures.update(rates(name, len(paths), wall, cpu))
    run = score_with_ray(manifest, args)
    figures["ray_init_seconds"] = round(run.init, 3)
    figures["ray_rows_written"] = run.rows
    figures["ray_nodes"], figures["ray_nodes_scoring"] = run.nodes, run.nodes_scoring
    if run.adapted_rows is not None and run.adapt is not None:
        figures["adapted_rows"], figures["adapt_seconds"] = run.adapted_rows, round(run.adapt, 3)
    figures.update(rates("ray", len(paths), run.total, run.cpu))
    figures.update(rates("ray_scoring", len(paths), run.scoring, run.cpu))
    if args.compare_loop:
        for name in ("loop", "batched_loop"):
            reference = figures[f"{name}_clips_per_second"]
            figures[f"ray_over_{name}"] = round(figures["ray_clips_per_second"] / reference, 3)
            figures[f"ray_scoring_over_{name}"] = round(figures["ray_scoring_clips_per_second"] / reference, 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
