"""``emovox.assess``: what about a recording may cost the classifier accuracy, measured."""

from __future__ import annotations

import numpy as np

from . import _checks
from . import _emovox
from ._types import Quality


def assess(y: np.ndarray, sr: float) -> Quality:
    """Measures the recording quality of one mono clip: clipping, noise, band, speech, DC offset.

    The conditions under which emotion recognition grows less reliable (the
    README's robustness tables: background noise, a telephone or AMR band,
    hard clipping, little speech) are measured, and those past a threshold
    named in ``concerns``, so that a prediction can be qualified with why it
    may be wrong. Every measure is independent of the clip's level (the same
    clip at any gain, short of clipping, gives the same numbers). Frames are
    25 ms every 10 ms, of the clip with its mean removed. (The Rust function
    ``emovox::audio::assess`` does the work, the GIL released.)

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        audio samples (float)
    sr : number > 0
        their sampling rate (a whole number of Hz, 1000 to 768000)

    Returns
    -------
    quality : Quality
        a dict (typed as the ``TypedDict`` :class:`emovox.Quality`):
        ``duration_s`` (float): the clip's length in seconds.
        ``active_speech_s`` (float): seconds of speech, frames more than
        6 dB above the noise floor (and within 50 dB of the loudest frame).
        ``clipped_fraction`` (float, 0 to 1): the share of samples held in
        runs of two or more at the clip's largest or smallest value
        (flattened peaks; about 0 for unclipped audio).
        ``snr_db`` (float or None): the estimated speech-to-noise ratio in dB
        over the speech (not the whole clip), at most 100; stationary noise
        is estimated well, babble reads too high. None for a clip under
        10 frames (about 0.1 s) or without speech.
        ``bandwidth_hz`` (float or None): the upper edge of the recorded band
        (7-8 kHz for full-band speech at 16 kHz, about 3.5-4 kHz through a
        telephone or AMR-NB channel); None without speech.
        ``dc_offset`` (float, -1 to 1): the samples' mean over their peak;
        measured, never a concern (the classifier removes each clip's mean).
        ``concerns`` (list of str, in this order, empty for a clean
        recording): ``"clipped"`` (``clipped_fraction`` over 0.001, i.e. over
        0.1 % of the samples flattened), ``"noisy"`` (``snr_db`` under
        18 dB), ``"narrowband"`` (``bandwidth_hz`` under 5000 Hz) and
        ``"little_speech"`` (``active_speech_s`` under 0.25 s). An unknown
        SNR or bandwidth raises no concern.

    Raises
    ------
    ValueError
        for audio that is not a 1-D float array, an empty clip, NaN or
        infinite samples (the message is emovox's), or a rate ``sr`` that is
        not a whole number of Hz from 1000 to 768000. Digital silence is
        measured, not refused (no speech: ``"little_speech"``).

    Examples
    --------
    >>> import numpy as np, emovox
    >>> t = np.arange(16000) / 16000
    >>> hum = np.where(t < 0.7, np.sin(2 * np.pi * 150 * t), 0.0)
    >>> quality = emovox.assess(np.clip(hum, -0.5, 0.5), 16000)
    >>> quality["concerns"]
    ['clipped']
    """
    function = "assess"
    return _emovox.assess(_checks.mono(function, y), _checks.rate(function, "sr", sr))
