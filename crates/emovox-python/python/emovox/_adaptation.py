"""``emovox.adapt_to_speakers``: each prediction judged against its speaker's other clips."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from . import _emovox


def adapt_to_speakers(
    predictions: Sequence[Mapping[str, Any]], speakers: Sequence[str]
) -> List[Dict[str, Any]]:
    """Adapts predictions to their speakers: each clip relative to the speaker's usual.

    For every speaker with at least two predictions, each label's mean
    log-probability over the speaker's clips is subtracted from every clip's
    log-probabilities, which are renormalised; ``label`` and ``confidence``
    follow the new probabilities. A voice, language or microphone that leans
    every clip towards one label then no longer does. A speaker with one clip
    is left as it is. It assumes a speaker's clips span several emotions (a
    mixed set of calls does; a set that is angry throughout does not, and its
    anger would be removed), so it is never applied by default. (The Rust
    function ``emovox::adaptation::adapt_to_speakers`` does the work.)

    Parameters
    ----------
    predictions : sequence of dict
        as :meth:`Classifier.predict` or :meth:`Classifier.predict_batch`
        return them (:class:`emovox.Prediction`); entries with an ``error``
        key (``errors='return'``) are passed through unchanged and take no
        part
    speakers : sequence of str
        who speaks in each prediction (same length)

    Returns
    -------
    predictions : list of dict
        new dicts, in order: ``label``, ``confidence`` and ``probabilities``
        adapted, other keys (``novelty``, ``unfamiliar``) as they were (the
        keys of :class:`emovox.Prediction` for each prediction given, the
        ``error`` entries unchanged)

    Raises
    ------
    ValueError
        if the lengths differ, the predictions have different labels, or a
        probability is negative or not finite
    """
    if len(predictions) != len(speakers):
        raise ValueError(
            f"adapt_to_speakers: {len(predictions)} predictions but {len(speakers)} speakers"
        )
    scored = [i for i, p in enumerate(predictions) if "error" not in p]
    if not scored:
        return [dict(p) for p in predictions]
    labels = list(predictions[scored[0]]["probabilities"])
    rows = []
    for i in scored:
        probabilities = predictions[i]["probabilities"]
        if list(probabilities) != labels:
            raise ValueError(
                f"adapt_to_speakers: prediction {i} has labels {list(probabilities)}, "
                f"prediction {scored[0]} has {labels}"
            )
        rows.append([float(probabilities[label]) for label in labels])
    adapted = _emovox.adapt_to_speakers(rows, [str(speakers[i]) for i in scored])
    out = [dict(p) for p in predictions]
    for i, row in zip(scored, adapted):
        best = max(range(len(labels)), key=row.__getitem__)
        out[i] = {
            **predictions[i],
            "label": labels[best],
            "confidence": row[best],
            "probabilities": dict(zip(labels, row)),
        }
    return out
