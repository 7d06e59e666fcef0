"""``emovox.Classifier``: the emotion of speech clips, with probabilities."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Literal, Optional, Sequence, Union, overload

import numpy as np

from . import _checks
from . import _emovox
from ._types import Prediction, TimelineSegment


class Classifier:
    """A speech emotion classifier: a trained emovox model and its feature pipeline.

    Build one with :meth:`Classifier.bundled` (the model shipped with
    emovox: 8 RAVDESS emotions, 16 kHz) or :meth:`Classifier.load` (a model
    file written by emovox's train example). A classifier is thread-safe and
    releases the GIL while it works: share one between threads.

    Audio is a 1-D float array of samples at any rate ``sr`` (resampled to
    :attr:`sample_rate`); contiguous float32 arrays are read in place, without
    a copy.

    Examples
    --------
    >>> import emovox
    >>> classifier = emovox.Classifier.bundled()
    >>> y, sr = emovox.load("speech.wav", sr=None)  # doctest: +SKIP
    >>> classifier.predict(y, sr)["label"]  # doctest: +SKIP
    'angry'
    """

    __slots__ = ("_native",)

    def __init__(self, native: _emovox.NativeClassifier) -> None:
        """Use :meth:`bundled` or :meth:`load`."""
        if not isinstance(native, _emovox.NativeClassifier):
            raise TypeError("use emovox.Classifier.bundled() or emovox.Classifier.load(path)")
        self._native = native

    @classmethod
    def bundled(cls) -> "Classifier":
        """The model bundled with emovox (8 RAVDESS emotions, 16 kHz)."""
        return cls(_emovox.NativeClassifier.bundled())

    @classmethod
    def load(cls, path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]) -> "Classifier":
        """Loads a model file (one self-describing safetensors file).

        Raises
        ------
        FileNotFoundError
            if ``path`` does not exist
        OSError
            if it cannot be read otherwise (``IsADirectoryError`` for a folder,
            ``PermissionError``, ...)
        ValueError
            if the file is not a valid emovox model (the message says why)
        """
        return cls(_emovox.NativeClassifier.load(os.fsdecode(path)))

    @property
    def labels(self) -> List[str]:
        """The labels the model chooses from, in the order of ``probabilities``."""
        return self._native.labels

    @property
    def sample_rate(self) -> int:
        """The rate the model works at (Hz); other rates are resampled to it."""
        return self._native.sample_rate

    @property
    def novelty_threshold(self) -> Optional[float]:
        """The novelty above which a prediction is ``unfamiliar`` (the 99th
        percentile over the model's validation speakers' clips); ``None`` for a
        model file without a feature density."""
        return self._native.novelty_threshold

    def predict(self, y: np.ndarray, sr: float) -> Prediction:
        """Predicts the emotion of one mono clip.

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            audio samples (float)
        sr : number > 0
            their sampling rate (a whole number of Hz, 1000 to 768000)

        Returns
        -------
        prediction : Prediction
            a dict (typed as the ``TypedDict`` :class:`emovox.Prediction`):
            ``label`` (str), ``confidence`` (float, the label's probability),
            ``probabilities`` ({label: probability} in :attr:`labels` order,
            summing to 1), ``novelty`` (float or None: how unlike the model's
            training clips the clip is, about 1 for a typical one) and
            ``unfamiliar`` (bool: novelty above :attr:`novelty_threshold`, a
            clip unlike what the model was trained and validated on)

        Raises
        ------
        ValueError
            for NaN or infinite samples, an empty or too short clip, a silent
            clip (nothing above -90 dBFS in any 20 ms: digital silence or
            dither), or a rate ``sr`` that is not a whole number of Hz from
            1000 to 768000 (the message is emovox's)
        """
        return self._native.predict(_mono("predict", y), _checks.rate("predict", "sr", sr))

    @overload
    def predict_batch(
        self, clips: Sequence[np.ndarray], sr: float, *, errors: Literal["raise"] = "raise"
    ) -> List[Prediction]: ...
    @overload
    def predict_batch(
        self, clips: Sequence[np.ndarray], sr: float, *, errors: Literal["return"]
    ) -> List[Dict[str, Any]]: ...
    def predict_batch(
        self, clips: Sequence[np.ndarray], sr: float, *, errors: str = "raise"
    ) -> Union[List[Prediction], List[Dict[str, Any]]]:
        """Predicts many clips at one rate, in parallel (on every core).

        Parameters
        ----------
        clips : sequence of np.ndarray [shape=(n,)]
            the clips (float), each of any length
        sr : number > 0
            their sampling rate (a whole number of Hz, 1000 to 768000)
        errors : 'raise' or 'return'
            a clip emovox refuses (not float audio, not mono, NaN, too short,
            ...) raises its exception (``'raise'``, after every clip was
            tried; the first refused clip's), or is returned in its place as
            ``{"error": message}`` (``'return'``); the other clips are
            predicted either way

        Returns
        -------
        predictions : list of dict
            one per clip, in order, as :meth:`predict` returns them
            (:class:`emovox.Prediction`); with ``errors='return'`` a refused
            clip's is ``{"error": message}`` instead

        Raises
        ------
        ValueError
            for a bad ``errors`` or ``sr`` (whatever the clips), or, with
            ``errors='raise'``, the first clip refused
        """
        if errors not in ("raise", "return"):
            raise ValueError(f"predict_batch: errors={errors!r} must be 'raise' or 'return'")
        rate = _checks.rate("predict_batch", "sr", sr)
        # A clip that is not mono float audio is its own error, as a clip the native side
        # refuses is: the others are still predicted.
        results: List[Any] = []
        arrays = []
        for clip in clips:
            try:
                arrays.append(_mono("predict_batch", clip))
                results.append(None)
            except (ValueError, TypeError) as error:
                results.append(error)
        predicted = iter(self._native.predict_batch(arrays, rate))
        results = [next(predicted) if result is None else result for result in results]
        out: List[Any] = []
        for index, result in enumerate(results):
            if isinstance(result, BaseException):
                if errors == "raise":
                    if sys.version_info >= (3, 11):
                        result.add_note(f"(clip {index} of the batch)")
                    raise result
                result = {"error": str(result)}
            out.append(result)
        return out

    def predict_files(
        self,
        paths: Sequence[Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]],
        *,
        channels: str = "mix",
    ) -> List[Dict[str, Any]]:
        """Decodes and predicts many audio files, in parallel (on every core).

        Every format :func:`emovox.load` reads, told from each file's content;
        a file that cannot be read, or a clip that cannot be classified, is its
        own row with an ``error``, and the others are predicted all the same.

        Parameters
        ----------
        paths : sequence of str, bytes or os.PathLike
            the audio files
        channels : 'mix' or 'each'
            one clip per file, the channels' mean (``'mix'``), or one per
            channel (``'each'``: a stereo call recording holds one party per
            channel)

        Returns
        -------
        rows : list of dict
            one per clip, in file order: ``path`` (as given, through ``os.fspath``), ``channel``
            (None for the channels' mean, else 0, 1, ...) and either the keys
            of :meth:`predict`'s dict (:class:`emovox.Prediction`) or
            ``error`` (``"ExceptionName: message"``, e.g. ``"FileNotFoundError:
            ..."``; ``channel`` None when the file could not be decoded)

        Raises
        ------
        ValueError
            for a bad ``channels``, or one path given instead of a list
        """
        if channels not in ("mix", "each"):
            raise ValueError(f"predict_files: channels={channels!r} must be 'mix' or 'each'")
        if isinstance(paths, (str, bytes, os.PathLike)):
            raise ValueError(f"predict_files: paths={paths!r} is one path: pass a list of paths, e.g. [path]")
        names = [os.fspath(path) for path in paths]
        rows: List[Dict[str, Any]] = []
        decoded = [os.fsdecode(name) for name in names]
        for index, channel, result in self._native.predict_files(decoded, channels == "each"):
            row: Dict[str, Any] = {"path": names[index], "channel": channel}
            if isinstance(result, BaseException):
                row["error"] = f"{type(result).__name__}: {result}"
            else:
                row.update(result)
            rows.append(row)
        return rows

    def timeline(
        self, y: np.ndarray, sr: float, window: float = 2.0, hop: float = 0.5, adapt: bool = False
    ) -> List[TimelineSegment]:
        """The emotion timeline of a long recording.

        Windows of ``window`` seconds every ``hop`` seconds are classified
        where an energy voice-activity detector finds speech; neighbouring
        windows with the same label are merged, and the result is cut to the
        speech regions. With ``adapt=True`` every window is first judged
        against the recording's other windows (as :func:`emovox.adapt_to_speakers`
        does for one speaker): the timeline then shows emotion relative to
        the recording's usual, which assumes the recording holds several.

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            audio samples (float)
        sr : number > 0
            their sampling rate (a whole number of Hz, 1000 to 768000)
        window : float > 0
            seconds per classified window (rounded to whole 20 ms frames; at
            least the model's shortest clip, 0.08 s for the bundled model)
        hop : float > 0
            seconds between window starts, at most ``window``
        adapt : bool
            judge every window against the recording's other windows

        The shortest audio classified is ``min(1 s, window)``: the last,
        partial window is kept only if at least that long, and a shorter
        recording is an error (as the HTTP server's ``/v1/timeline``).

        Returns
        -------
        segments : list of TimelineSegment
            dicts (typed as the ``TypedDict`` :class:`emovox.TimelineSegment`):
            ``start`` and ``end`` (seconds), ``label``, ``confidence``,
            ``probabilities`` and ``novelty`` (the mean of its windows') of each
            segment, in time order; empty when no speech was found

        Raises
        ------
        ValueError
            for bad samples, a recording shorter than ``min(1 s, window)``,
            or bad ``window``/``hop``/``adapt`` (the message names them)
        """
        function = "timeline"
        if not isinstance(adapt, (bool, np.bool_)):
            raise ValueError(f"{function}: adapt={adapt!r} must be True or False")
        return self._native.timeline(
            _mono(function, y),
            _checks.rate(function, "sr", sr),
            _positive_seconds(function, "window", window),
            _positive_seconds(function, "hop", hop),
            bool(adapt),
        )

    def __repr__(self) -> str:
        return f"Classifier(labels={self.labels!r}, sample_rate={self.sample_rate})"


def _positive_seconds(function: str, name: str, value: Any) -> float:
    seconds = _checks.finite(function, name, value, unit=" of seconds")
    if seconds <= 0:
        raise ValueError(f"{function}: {name}={value!r} must be a positive number of seconds")
    return seconds


_mono = _checks.mono
