"""The native half of the emovox package; use the functions of ``emovox`` instead."""

from typing import List, Optional, Sequence, Tuple, Union, final

import numpy as np

from ._types import Prediction, Quality, TimelineSegment

__all__ = [
    "load_path",
    "load_bytes",
    "mfcc",
    "melspectrogram",
    "mel_filterbank",
    "empty_mel_filters",
    "dct",
    "delta",
    "power_to_db_f32",
    "power_to_db_f64",
    "NativeClassifier",
    "adapt_to_speakers",
    "assess",
    "MIN_SAMPLE_RATE",
    "MAX_SAMPLE_RATE",
]

MIN_SAMPLE_RATE: int
MAX_SAMPLE_RATE: int

def load_path(
    path: str, sr: Optional[int], offset: float, duration: Optional[float], mono: bool
) -> Tuple[np.ndarray, int]: ...
def load_bytes(
    data: bytes, sr: Optional[int], offset: float, duration: Optional[float], mono: bool
) -> Tuple[np.ndarray, int]: ...
def mfcc(
    y: np.ndarray, sr: int, n_mfcc: int, n_fft: int, hop_length: int, win_length: int,
    n_mels: int, fmin: float, fmax: Optional[float], lifter: float,
) -> np.ndarray: ...
def melspectrogram(
    y: np.ndarray, sr: int, n_fft: int, hop_length: int, win_length: int,
    n_mels: int, fmin: float, fmax: Optional[float],
) -> np.ndarray: ...
def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: Optional[float]) -> np.ndarray: ...
def empty_mel_filters(
    sr: int, n_fft: int, hop_length: int, win_length: int,
    n_mels: int, fmin: float, fmax: Optional[float],
) -> bool: ...
def dct(n_mfcc: int, n_mels: int, lifter: float) -> np.ndarray: ...
def delta(data: np.ndarray, width: int, order: int) -> np.ndarray: ...
def power_to_db_f32(s: np.ndarray, reference: float, amin: float, top_db: Optional[float]) -> np.ndarray: ...
def power_to_db_f64(s: np.ndarray, reference: float, amin: float, top_db: Optional[float]) -> np.ndarray: ...
def adapt_to_speakers(probabilities: List[List[float]], speakers: List[str]) -> List[List[float]]: ...
def assess(y: np.ndarray, sr: int) -> Quality: ...

@final
class NativeClassifier:
    @staticmethod
    def bundled() -> NativeClassifier: ...
    @staticmethod
    def load(path: str) -> NativeClassifier: ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def novelty_threshold(self) -> Optional[float]: ...
    def predict(self, y: np.ndarray, sr: int) -> Prediction: ...
    def predict_batch(self, clips: Sequence[np.ndarray], sr: int) -> List[Union[Prediction, Exception]]: ...
    def predict_files(
        self, paths: Sequence[str], each_channel: bool
    ) -> List[Tuple[int, Optional[int], Union[Prediction, Exception]]]: ...
    def timeline(self, y: np.ndarray, sr: int, window: float, hop: float, adapt: bool) -> List[TimelineSegment]: ...
