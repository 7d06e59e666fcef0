from os import PathLike
from typing import IO, Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

from . import _emovox
from . import feature as feature
from ._types import Prediction as Prediction
from ._types import Quality as Quality
from ._types import TimelineSegment as TimelineSegment

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

def load(
    path: Union[str, bytes, int, PathLike[str], PathLike[bytes], IO[bytes]],
    *,
    sr: Optional[float] = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: Optional[float] = None,
    dtype: npt.DTypeLike = np.float32,
    res_type: Literal["soxr_hq"] = "soxr_hq",
) -> Tuple[np.ndarray, float]: ...
def power_to_db(
    S: npt.ArrayLike,
    *,
    ref: Union[float, Callable[[np.ndarray], Any]] = 1.0,
    amin: float = 1e-10,
    top_db: Optional[float] = 80.0,
) -> Union[np.floating[Any], np.ndarray]: ...
def adapt_to_speakers(predictions: Sequence[Mapping[str, Any]], speakers: Sequence[str]) -> List[Dict[str, Any]]: ...
def assess(y: npt.ArrayLike, sr: float) -> Quality: ...

class Classifier:
    def __init__(self, native: _emovox.NativeClassifier) -> None: ...
    @classmethod
    def bundled(cls) -> Classifier: ...
    @classmethod
    def load(cls, path: Union[str, bytes, PathLike[str], PathLike[bytes]]) -> Classifier: ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def novelty_threshold(self) -> Optional[float]: ...
    def predict(self, y: npt.ArrayLike, sr: float) -> Prediction: ...
    @overload
    def predict_batch(
        self, clips: Sequence[npt.ArrayLike], sr: float, *, errors: Literal["raise"] = "raise"
    ) -> List[Prediction]: ...
    @overload
    def predict_batch(
        self, clips: Sequence[npt.ArrayLike], sr: float, *, errors: Literal["return"]
    ) -> List[Dict[str, Any]]: ...
    def predict_files(
        self,
        paths: Sequence[Union[str, bytes, PathLike[str], PathLike[bytes]]],
        *,
        channels: Literal["mix", "each"] = "mix",
    ) -> List[Dict[str, Any]]: ...
    def timeline(
        self, y: npt.ArrayLike, sr: float, window: float = 2.0, hop: float = 0.5, adapt: bool = False
    ) -> List[TimelineSegment]: ...
