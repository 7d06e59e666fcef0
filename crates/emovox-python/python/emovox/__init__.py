"""emovox: speech emotion recognition, from Python.

librosa-compatible audio loading and features computed in Rust (``emovox.load``,
``emovox.feature.mfcc``, ``emovox.feature.melspectrogram``, ``emovox.feature.delta``,
``emovox.power_to_db``), the emotion classifier (``emovox.Classifier``), speaker
adaptation of its predictions (``emovox.adapt_to_speakers``) and a recording's quality
(``emovox.assess``: clipping, noise, band, speech). The dicts they return are typed as
``typing.TypedDict`` classes: ``emovox.Prediction``, ``emovox.TimelineSegment`` and
``emovox.Quality``.
Every function releases the GIL while it works, so Python threads run in parallel.
"""

from __future__ import annotations

from . import feature
from ._adaptation import adapt_to_speakers
from ._classifier import Classifier
from ._core import load, power_to_db
from ._quality import assess
from ._types import Prediction, Quality, TimelineSegment

__all__ = [
    "Classifier",
    "Prediction",
    "Quality",
    "TimelineSegment",
    "adapt_to_speakers",
    "assess",
    "feature",
    "load",
    "power_to_db",
]
