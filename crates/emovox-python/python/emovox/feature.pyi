from typing import Any, Literal, Optional

import numpy as np
import numpy.typing as npt

__all__ = ["mfcc", "melspectrogram", "delta"]

def melspectrogram(
    *,
    y: Optional[npt.ArrayLike] = None,
    sr: float = 22050,
    S: Optional[npt.ArrayLike] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: Literal["hann"] = "hann",
    center: Literal[True] = True,
    pad_mode: Literal["constant"] = "constant",
    power: float = 2.0,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    htk: Literal[False] = False,
    norm: Literal["slaney"] = "slaney",
    dtype: npt.DTypeLike = np.float32,
) -> np.ndarray: ...
def mfcc(
    *,
    y: Optional[npt.ArrayLike] = None,
    sr: float = 22050,
    S: Optional[npt.ArrayLike] = None,
    n_mfcc: int = 20,
    dct_type: Literal[2] = 2,
    norm: Literal["ortho"] = "ortho",
    lifter: float = 0,
    mel_norm: Literal["slaney"] = "slaney",
    **kwargs: Any,
) -> np.ndarray: ...
def delta(
    data: npt.ArrayLike,
    *,
    width: int = 9,
    order: Literal[1, 2] = 1,
    axis: int = -1,
    mode: Literal["interp"] = "interp",
) -> np.ndarray: ...
