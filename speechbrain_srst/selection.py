"""Source-sample selection and the SRST source-share schedule.

Authors
 * speechbrain-srst developers 2026
"""

import math
import random

import torch
from torch.utils.data import DataLoader


def number_to_keep(total, fraction):
    """Returns how many of ``total`` items a ``fraction`` keeps (at least one).

    Example
    -------
    >>> number_to_keep(10, 0.3), number_to_keep(7, 0.3), number_to_keep(0, 0.3)
    (3, 2, 0)
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"The kept fraction must lie in (0, 1], got {fraction}.")
    if total == 0:
        return 0
    return max(1, min(total, round(total * fraction)))


def select_most_target_like(scores, fraction=0.3):
    """Keeps the source items the domain classifier finds most target-like.

    Arguments
    ---------
    scores : dict
        ``{item_id: P(target)}`` for every source item.
    fraction : float
        Share of the items to keep.

    Returns
    -------
    list
        The kept ids, highest score first (ties broken by id, so the result
        does not depend on the order of ``scores``).

    Example
    -------
    >>> select_most_target_like({"a": 0.1, "b": 0.9, "c": 0.5, "d": 0.7}, 0.5)
    ['b', 'd']
    """
    ranked = sorted(scores, key=lambda item: (-scores[item], str(item)))
    return ranked[: number_to_keep(len(ranked), fraction)]


def select_random(item_ids, fraction=0.3, seed=0):
    """Draws the same number of items as :func:`select_most_target_like`, at random.

    Example
    -------
    >>> picked = select_random(["a", "b", "c", "d"], 0.5, seed=3)
    >>> len(picked), set(picked) <= {"a", "b", "c", "d"}
    (2, True)
    """
    item_ids = sorted(item_ids, key=str)
    return random.Random(seed).sample(item_ids, number_to_keep(len(item_ids), fraction))


def source_share(epoch, start=0.30, step=0.03):
    """The share of source items in an SRST mini-batch at a (1-based) epoch.

    Starts at ``start`` and falls by ``step`` each epoch, stopping at 0.

    Example
    -------
    >>> [source_share(epoch) for epoch in range(1, 13)]
    [0.3, 0.27, 0.24, 0.21, 0.18, 0.15, 0.12, 0.09, 0.06, 0.03, 0.0, 0.0]
    """
    if epoch < 1:
        raise ValueError(f"Epochs count from 1, got {epoch}.")
    return max(0.0, round(start - step * (epoch - 1), 10))


def dithered_source_count(step, batch_size, share):
    """Source items in one mini-batch, so that an epoch's mean share is exact.

    ``round(batch_size * share)`` moves only when the share crosses a
    multiple of ``1 / batch_size``: with 16 items, 27 % and 24 % both give 4
    source items, so most of SRST's 3-point steps would change nothing.
    Error diffusion instead gives each step ``floor`` or ``ceil`` of
    ``batch_size * share`` so that the count over the first ``k`` steps is
    ``round(k * batch_size * share)``: every point of the schedule counts.

    Arguments
    ---------
    step : int
        0-based index of the mini-batch in the epoch.
    batch_size : int
        Items in the mini-batch.
    share : float
        Wanted share of source items, in ``[0, 1)``.

    Returns
    -------
    int
        The number of source items of this mini-batch.

    Example
    -------
    >>> [dithered_source_count(k, 16, 0.27) for k in range(8)]
    [4, 5, 4, 4, 5, 4, 4, 5]
    >>> sum(dithered_source_count(k, 16, 0.24) for k in range(100)) / 1600
    0.24
    """
    if share <= 0:
        return 0
    expected = batch_size * share
    return math.floor((step + 1) * expected + 0.5) - math.floor(step * expected + 0.5)


def split_batch_sizes(batch_size, share):
    """Splits a mini-batch into (target items, source items) for a source share.

    Example
    -------
    >>> split_batch_sizes(10, 0.3), split_batch_sizes(8, 0.0)
    ((7, 3), (8, 0))
    """
    num_source = min(batch_size - 1, round(batch_size * share)) if share > 0 else 0
    return batch_size - num_source, num_source


def _noisy_only(items):
    """Collates ``id`` and equal-length ``noisy`` waveforms of dataset items."""
    ids = [item["id"] for item in items]
    length = min(item["noisy"].shape[-1] for item in items)
    return ids, torch.stack([item["noisy"][..., :length] for item in items])


@torch.no_grad()
def score_target_likeness(model, classifier, dataset, batch_size=16, device="cpu"):
    """Scores every item with the classifier's probability of "target".

    Arguments
    ---------
    model : speechbrain_srst.lobes.unet.UNet
        Gives the bottleneck through ``encode``.
    classifier : speechbrain_srst.lobes.domain_classifier.DomainClassifier
        Turns a bottleneck into a target-domain logit.
    dataset : torch.utils.data.Dataset
        Items with ``id`` and ``noisy``.
    batch_size : int
        Items scored at once.
    device : str
        Where to run.

    Returns
    -------
    dict
        ``{item_id: P(target)}``.

    Example
    -------
    >>> from speechbrain_srst.lobes.unet import UNet
    >>> from speechbrain_srst.lobes.domain_classifier import DomainClassifier
    >>> data = [{"id": f"s{i}", "noisy": torch.randn(4000)} for i in range(3)]
    >>> scores = score_target_likeness(
    ...     UNet([8, 16]), DomainClassifier(16, 8), data, batch_size=2
    ... )
    >>> sorted(scores), all(0 < p < 1 for p in scores.values())
    (['s0', 's1', 's2'], True)
    """
    was_training = model.training, classifier.training
    model.eval()
    classifier.eval()
    scores = {}
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=_noisy_only)
    for ids, noisy in loader:
        logits = classifier(model.encode(noisy.to(device)).bottleneck)
        scores.update(zip(ids, torch.sigmoid(logits).cpu().tolist(), strict=True))
    model.train(was_training[0])
    classifier.train(was_training[1])
    return scores
