//! WAV decoding, channel down-mix, resampling and trimming for emovox.
