"""Score many audio files with emovox on Ray Data: one Classifier per worker actor.

    python examples/python/ray_batch.py MANIFEST --out OUT [--format parquet|jsonl]
        [--address ADDRESS | --num-cpus N [--worker-niceness 0]] [--model PATH] [--batch-size 64]
        [--channels mix|each] [--compare-loop]

MANIFEST is a CSV file whose ``path`` column (or first column) lists audio files (relative
paths are taken from the CSV's folder), or a folder searched recursively for audio files.
Every file is decoded by emovox (any format it reads, told from the content) and classified
by its own copy of the model in each worker actor (``map_batches`` with an actor pool, one CPU
per actor). Each actor writes the rows of each batch it scores as one Parquet (or JSON lines)
file in the folder OUT, named by the batch's first row in the manifest,
``part-000000064.parquet`` (``.json``), so a batch that Ray retries rewrites its own file:

    path, channel, label, confidence, novelty, unfamiliar, p_<label> (one column per label), error

A file that cannot be read or classified is a row with ``error`` set and the other columns
empty; it never fails the job. ``--channels each`` scores every channel of a file on its own
(one row per channel, ``channel`` 0, 1, ...: a stereo call recording holds one party per
channel); by default the channels are averaged (one row per file, ``channel`` empty).

On one machine the script starts a local Ray (``--num-cpus``, default: all cores) whose
workers run at ``--worker-niceness`` (default 0, the driver's priority; Ray's own default is
15, which lets any other process on the machine take the workers' CPUs: on a shared machine
that made each actor 25-35x slower than the same code in the driver). On a cluster
(``RAY_worker_niceness=0 ray start --head`` on one node, ``... ray start --address=HEAD:6379``
on the others) run it unchanged on any node with ``--address auto``: actors are spread over
the cluster's CPUs; the audio files must be readable, and OUT writable, at the same paths on
every node (a shared file system). The actors write their files themselves rather than
through Ray Data's writers: those run as tasks in worker processes of their own, started
(and importing pandas and pyarrow) while the actors score, which on two cores cost a quarter
of the scoring rate.

``--compare-loop`` first scores the same files in this process, one by one
(``emovox.load`` + ``Classifier.predict``, emovox using every core unless
``RAYON_NUM_THREADS`` says otherwise), then in batches as the actors do (``predict_batch``,
whose batch of clips is spread over every core), and prints each loop's throughput and the
CPU cores it kept busy, then Ray's throughput two ways: end to end (``ray.init``, actor start-up and
writing included) and its scoring rate once its actors run (first batch started to last batch
finished, from the times each actor reports for each batch, with its CPU seconds). Both
sides' CPU seconds per clip tell how much of a difference in throughput is the CPU each got.
Prints one JSON line with the figures at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".webm", ".m4a", ".mp4"}


def read_manifest(manifest: Path) -> List[str]:
    """The audio files a CSV manifest lists, or those below a folder, as absolute paths."""
    if manifest.is_dir():
        return sorted(str(p.resolve()) for p in manifest.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    with open(manifest, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return []
    column = rows[0].index("path") if "path" in rows[0] else 0
    body = rows[1:] if "path" in rows[0] else rows
    base = manifest.resolve().parent
    return [str((base / row[column]).resolve()) for row in body if row]


def output_row(labels: List[str], path: str, channel: Optional[int], prediction: Dict[str, Any]) -> Dict[str, Any]:
    """One output row: `path` (and `channel`, None for the channels' mean) with its prediction,
    or with its error (``{"error": message}``)."""
    row: Dict[str, Any] = {
        "path": path,
        "channel": channel,
        "label": None,
        "confidence": float("nan"),
        "novelty": float("nan"),
        "unfamiliar": None,
        "error": prediction.get("error"),
    }
    row.update({f"p_{label}": float("nan") for label in labels})
    if row["error"] is not None:
        return row
    row["label"] = prediction["label"]
    row["confidence"] = prediction["confidence"]
    if prediction["novelty"] is not None:
        row["novelty"] = prediction["novelty"]
    row["unfamiliar"] = prediction["unfamiliar"]
    row.update({f"p_{label}": p for label, p in prediction["probabilities"].items()})
    return row


def error_of(error: Exception) -> Dict[str, Any]:
    return {"error": f"{type(error).__name__}: {error}"}


def clips_of(path: str, each_channel: bool) -> List[Tuple[Optional[int], np.ndarray, int]]:
    """The clips of one file, as ``(channel, samples, rate)``: the channels' mean (channel
    None), or with `each_channel` every channel on its own (0, 1, ...; a mono file is channel 0),
    as a stereo call recording holds one party per channel."""
    import emovox

    y, sr = emovox.load(path, sr=None, mono=not each_channel)
    if not each_channel:
        return [(None, y, sr)]
    rows = y if y.ndim == 2 else y[np.newaxis, :]
    return [(channel, row, sr) for channel, row in enumerate(rows)]


def score_file(classifier: Any, path: str, each_channel: bool) -> List[Dict[str, Any]]:
    """The output rows of one file, decoded and predicted on its own, clip by clip."""
    try:
        clips = clips_of(path, each_channel)
    except (OSError, ValueError) as error:
        return [output_row(classifier.labels, path, None, error_of(error))]
    rows = []
    for channel, y, sr in clips:
        try:
            prediction = classifier.predict(y, sr)
        except ValueError as error:
            prediction = error_of(error)
        rows.append(output_row(classifier.labels, path, channel, prediction))
    return rows


def score_files(classifier: Any, paths: List[str], each_channel: bool) -> List[Dict[str, Any]]:
    """The output rows of many files, in order: each decoded on its own, then the clips of each
    sampling rate predicted in one call (``Classifier.predict_batch``, which spreads them over
    the threads emovox may use). A file that cannot be decoded, or a clip that cannot be
    predicted, is its own error row; the others are predicted all the same. The rows equal
    :func:`score_file`'s."""
    entries: List[Tuple[str, Optional[int], Dict[str, Any]]] = []
    by_rate: Dict[int, List[Tuple[int, np.ndarray]]] = {}
    for path in paths:
        try:
            clips = clips_of(path, each_channel)
        except (OSError, ValueError) as error:
            entries.append((path, None, error_of(error)))
            continue
        for channel, y, sr in clips:
            by_rate.setdefault(sr, []).append((len(entries), y))
            entries.append((path, channel, {}))
    for sr, batch in by_rate.items():
        predictions = classifier.predict_batch([y for _, y in batch], sr, errors="return")
        for (index, _), prediction in zip(batch, predictions):
            # emovox refuses a clip with a ValueError (predict_batch returns its message).
            if "error" in prediction:
                prediction = {"error": f"ValueError: {prediction['error']}"}
            path, channel, _ = entries[index]
            entries[index] = (path, channel, prediction)
    return [output_row(classifier.labels, path, channel, p) for path, channel, p in entries]


class Scorer:
    """A Ray Data actor: loads the model once, then scores batches of paths, writes each
    batch's rows to a file of its own in ``out`` and returns one row about it: the file, its
    rows, and the batch's start and end (Unix seconds) and the actor's CPU seconds on it."""

    def __init__(self, model: Optional[str], threads: int, out: str, fmt: str, each_channel: bool) -> None:
        # emovox's Rust thread pool is sized on first use: one thread per CPU the actor holds
        # (more would have the actors compete for the same cores).
        os.environ["RAYON_NUM_THREADS"] = str(threads)
        import emovox

        self.classifier = emovox.Classifier.load(model) if model else emovox.Classifier.bundled()
        self.out = Path(out)
        self.format = fmt
        self.each_channel = each_channel

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        import pandas

        started, cpu_started = time.time(), time.process_time()
        rows = score_files(self.classifier, [str(path) for path in batch["path"]], self.each_channel)
        # Columns typed even when a batch holds only errors (or no errors, or no channels).
        types = {"path": "string", "channel": "Int64", "label": "string", "error": "string"}
        frame = pandas.DataFrame(rows).astype(types)
        name = f"part-{int(np.min(batch['index'])):09d}"
        if self.format == "parquet":
            target = self.out / f"{name}.parquet"
            frame.to_parquet(target, index=False)
        else:
            target = self.out / f"{name}.json"
            frame.to_json(target, orient="records", lines=True)
        return {
            "file": np.array([str(target)]),
            "rows": np.array([len(frame)]),
            "started": np.array([started]),
            "finished": np.array([time.time()]),
            "cpu": np.array([time.process_time() - cpu_started]),
        }


def score_with_ray(paths: List[str], args: argparse.Namespace) -> Dict[str, float]:
    """Scores `paths` on Ray Data, the actors writing the rows to `args.out`. Returns the
    seconds taken by ``ray.init`` (``init``), from its start to the last file written
    (``total``) and from the first batch started to the last finished (``scoring``: the
    cluster's scoring rate, without Ray's start-up), the actors' CPU seconds (``cpu``) and the
    rows written (``rows``). The libraries are imported before the clock starts, as the
    reference loop's are."""
    import ray
    import ray.data

    start = time.perf_counter()
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(
            num_cpus=args.num_cpus,
            include_dashboard=False,
            _system_config={"worker_niceness": args.worker_niceness},
        )
    seconds: Dict[str, float] = {"init": time.perf_counter() - start}
    cpus = int(ray.cluster_resources().get("CPU", 1))
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # Ray Data 2.60 may see 0 CPUs to budget with before its autoscaling coordinator reports
    # (then actors wait forever); the cluster's CPUs are the budget.
    context.execution_options.resource_limits = ray.data.ExecutionResources(cpu=cpus)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    items = [{"index": i, "path": p} for i, p in enumerate(paths)]
    dataset = ray.data.from_items(items, override_num_blocks=max(1, min(len(paths), cpus * 4)))
    written = dataset.map_batches(
        Scorer,
        fn_constructor_args=(args.model, 1, str(Path(args.out).resolve()), args.format, args.channels == "each"),
        batch_size=args.batch_size,
        batch_format="numpy",
        concurrency=max(1, cpus),
        num_cpus=1,
    )
    batches = list(written.iter_rows())
    seconds["total"] = time.perf_counter() - start
    ray.shutdown()
    seconds["scoring"] = max(b["finished"] for b in batches) - min(b["started"] for b in batches)
    seconds["cpu"] = sum(b["cpu"] for b in batches)
    seconds["rows"] = sum(b["rows"] for b in batches)
    return seconds


def score_in_this_process(
    paths: List[str], model: Optional[str], batch_size: Optional[int], each_channel: bool
) -> Dict[str, float]:
    """A single-process reference, the model loaded before the clock starts: every file one by
    one (``batch_size`` None: ``emovox.load`` + ``Classifier.predict``, as a plain loop does),
    or ``batch_size`` files at a time as the actors score them (:func:`score_files`, whose
    ``predict_batch`` spreads a batch's clips over every core). Returns the seconds taken
    (``wall``) and the CPU seconds of all the process's threads meanwhile (``cpu``)."""
    import emovox

    classifier = emovox.Classifier.load(model) if model else emovox.Classifier.bundled()
    start, cpu_start = time.perf_counter(), time.process_time()
    if batch_size is None:
        for path in paths:
            score_file(classifier, path, each_channel)
    else:
        for first in range(0, len(paths), batch_size):
            score_files(classifier, paths[first : first + batch_size], each_channel)
    return {"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu_start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path, help="CSV of paths (column `path` or the first), or a folder")
    parser.add_argument("--out", required=True, help="output folder (Parquet or JSON-lines files)")
    parser.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    parser.add_argument("--address", help="a running Ray cluster (`auto`, or HEAD:6379); default: a local Ray")
    parser.add_argument("--num-cpus", type=int, default=os.cpu_count(), help="CPUs of the local Ray")
    parser.add_argument(
        "--worker-niceness", type=int, default=0, help="niceness of the local Ray's workers (Ray's default: 15)"
    )
    parser.add_argument("--model", help="an emovox model file (default: the bundled model)")
    parser.add_argument("--batch-size", type=int, default=64, help="files per map_batches call (and per output file)")
    parser.add_argument(
        "--channels",
        choices=["mix", "each"],
        default="mix",
        help="score the channels' mean (one row per file) or each channel (one row per channel: "
        "a stereo call recording's two parties)",
    )
    parser.add_argument("--compare-loop", action="store_true", help="also time a single-process loop over the files")
    args = parser.parse_args()

    paths = read_manifest(args.manifest)
    if not paths:
        parser.error(f"{args.manifest} lists no audio files")
    figures: Dict[str, Any] = {"clips": len(paths)}
    references = {"loop": None, "batched_loop": args.batch_size}
    if args.compare_loop:
        figures["loop_rayon_threads"] = os.environ.get("RAYON_NUM_THREADS", "all cores")
        for name, batch_size in references.items():
            loop = score_in_this_process(paths, args.model, batch_size, args.channels == "each")
            figures[f"{name}_clips_per_second"] = round(len(paths) / loop["wall"], 2)
            figures[f"{name}_cpu_cores_busy"] = round(loop["cpu"] / loop["wall"], 2)
            figures[f"{name}_cpu_ms_per_clip"] = round(1e3 * loop["cpu"] / len(paths), 1)
    ray_seconds = score_with_ray(paths, args)
    figures["ray_init_seconds"] = round(ray_seconds["init"], 3)
    figures["ray_seconds"] = round(ray_seconds["total"], 3)
    figures["ray_clips_per_second"] = round(len(paths) / ray_seconds["total"], 2)
    figures["ray_rows_written"] = int(ray_seconds["rows"])
    figures["ray_scoring_clips_per_second"] = round(len(paths) / ray_seconds["scoring"], 2)
    figures["ray_cpu_cores_busy"] = round(ray_seconds["cpu"] / ray_seconds["scoring"], 2)
    figures["ray_cpu_ms_per_clip"] = round(1e3 * ray_seconds["cpu"] / len(paths), 1)
    if args.compare_loop:
        for name, prefix in (("loop", ""), ("batched_loop", "batched_loop_")):
            reference = figures[f"{name}_clips_per_second"]
            figures[f"{prefix}speedup"] = round(figures["ray_clips_per_second"] / reference, 3)
            figures[f"{prefix}scoring_speedup"] = round(figures["ray_scoring_clips_per_second"] / reference, 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
