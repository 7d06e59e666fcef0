"""The dicts emovox returns, as ``typing.TypedDict`` classes (``emovox.Prediction``,
``emovox.Quality``, ``emovox.TimelineSegment``).

At runtime they are plain ``dict`` objects: these classes only name their keys and the types
of their values, for type checkers and for ``typing.get_type_hints``. The Rust side builds the
dicts (``crates/emovox-python/src/classifier.rs`` and ``quality.rs``); the tests check that the
keys here are the keys returned.
"""

# No `from __future__ import annotations`: the annotations stay types at runtime (Python 3.9
# evaluates them with `typing`'s generics).
from typing import Dict, List, Optional, TypedDict

__all__ = ["Prediction", "Quality", "TimelineSegment"]


class Prediction(TypedDict):
    """The emotion of one clip, as :meth:`emovox.Classifier.predict` returns it (and
    :meth:`emovox.Classifier.predict_batch`, per clip).

    ``label``: the most probable label. ``confidence``: its probability.
    ``probabilities``: {label: probability} in :attr:`emovox.Classifier.labels` order, summing
    to 1. ``novelty``: how unlike the model's training clips the clip is (about 1 for a typical
    one), None for a model file without a feature density. ``unfamiliar``: novelty above
    :attr:`emovox.Classifier.novelty_threshold` (False without one).
    """

    label: str
    confidence: float
    probabilities: Dict[str, float]
    novelty: Optional[float]
    unfamiliar: bool


class TimelineSegment(TypedDict):
    """One segment of :meth:`emovox.Classifier.timeline`: neighbouring windows with the same
    label merged, and cut to the speech.

    ``start`` and ``end``: seconds from the start of the recording. ``label``, ``confidence``
    and ``probabilities``: as in :class:`Prediction`. ``novelty``: the mean of the segment's
    windows', None for a model file without a feature density.
    """

    start: float
    end: float
    label: str
    confidence: float
    probabilities: Dict[str, float]
    novelty: Optional[float]


class Quality(TypedDict):
    """The recording quality of one clip, as :func:`emovox.assess` returns it (its docstring
    says what each value measures).

    ``duration_s``, ``active_speech_s`` (seconds), ``clipped_fraction`` (0 to 1), ``snr_db``
    (None without speech or under about 0.1 s), ``bandwidth_hz`` (None without speech),
    ``dc_offset`` (-1 to 1) and ``concerns`` (names, in order, from ``"clipped"``,
    ``"noisy"``, ``"narrowband"`` and ``"little_speech"``).
    """

    duration_s: float
    active_speech_s: float
    clipped_fraction: float
    snr_db: Optional[float]
    bandwidth_hz: Optional[float]
    dc_offset: float
    concerns: List[str]
