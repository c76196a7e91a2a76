"""Datasets that feed the training stages: on-the-fly mixtures and domain pairs.

Every item is a dict of tensors and strings, so SpeechBrain's ``PaddedBatch``
collates it and ``Brain.make_dataloader`` can wrap it (with checkpointable
position for intra-epoch recovery).

Authors
 * speechbrain-srst developers 2026
"""

import json
import random
from pathlib import Path

from torch.utils.data import Dataset

from speechbrain_srst.data.audio import load_audio
from speechbrain_srst.data.mixing import render_mixture
from speechbrain_srst.data.prepare import noise_family


def load_manifest(path, ids=None):
    """Reads a JSON manifest ``{id: entry}``, optionally keeping only ``ids``.

    Arguments
    ---------
    path : str or Path
        The manifest.
    ids : list, optional
        Ids to keep, in this order; every one must be in the manifest.

    Returns
    -------
    dict
        ``{id: entry}`` in file order (or in the order of ``ids``).

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> with open(path, "w") as f:
    ...     json.dump({"a": {"x": 1}, "b": {"x": 2}}, f)
    >>> load_manifest(path, ids=["b"])
    {'b': {'x': 2}}
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Manifest {path} does not exist: run the data preparation first."
        )
    with open(path) as handle:
        entries = json.load(handle)
    if ids is None:
        return entries
    missing = [item for item in ids if item not in entries]
    if missing:
        raise KeyError(
            f"{len(missing)} ids are not in {path}, e.g. {missing[:3]}: "
            "the selection and the manifest come from different preparations."
        )
    return {item: entries[item] for item in ids}


class MixtureDataset(Dataset):
    """Mixtures rendered on the fly from a mixture-plan manifest.

    Each item holds ``id``, ``noisy``, ``language`` and, when ``labelled``,
    ``clean`` and ``noise``. Unlabelled datasets stand for the target domain
    in the unsupervised stages: their references never reach a batch.

    Arguments
    ---------
    entries : dict
        ``{id: spec}`` as :func:`load_manifest` returns (see
        :func:`speechbrain_srst.data.mixing.render_mixture` for a spec).
    labelled : bool
        Whether items carry the clean speech and the noise.
    """

    def __init__(self, entries, labelled=True):
        self.ids = list(entries)
        self.entries = entries
        self.labelled = labelled

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        item_id = self.ids[index]
        spec = self.entries[item_id]
        signals = render_mixture(spec)
        item = {
            "id": item_id,
            "noisy": signals["noisy"],
            "language": spec.get("language", ""),
        }
        if self.labelled:
            item["clean"] = signals["clean"]
            item["noise"] = signals["noise"]
        return item


class StoredMixtureDataset(Dataset):
    """Mixtures stored as files (the fixed test sets).

    Each item holds ``id``, ``noisy``, ``clean``, ``noise``, ``language``,
    ``noise_family`` (from the noise file's name, see
    :func:`speechbrain_srst.data.prepare.noise_family`) and ``snr``.

    Arguments
    ---------
    entries : dict
        ``{id: entry}`` with ``noisy_wav``, ``clean_wav`` and ``noise_wav``.
    """

    def __init__(self, entries):
        self.ids = list(entries)
        self.entries = entries

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        item_id = self.ids[index]
        entry = self.entries[item_id]
        return {
            "id": item_id,
            "noisy": load_audio(entry["noisy_wav"]),
            "clean": load_audio(entry["clean_wav"]),
            "noise": load_audio(entry["noise_wav"]),
            "language": entry.get("language", ""),
            "noise_family": noise_family(entry["noise_source"])
            if entry.get("noise_source")
            else "",
            "snr": float(entry.get("snr", 0.0)),
        }


class DomainPairDataset(Dataset):
    """Pairs each item of a primary dataset with an item of a secondary one.

    The keys of the primary item get the prefix ``primary_prefix`` and those
    of the secondary item ``secondary_prefix``, so a batch holds, e.g.,
    ``tgt_noisy`` and ``src_noisy``, ``src_clean``... The secondary index is
    drawn from a permutation that depends on the seed and the epoch
    (:meth:`set_epoch`), so every secondary item is used about equally often
    and runs are reproducible. Without a secondary dataset only the primary
    keys are produced.

    Arguments
    ---------
    primary : Dataset
        Sets the length of the dataset.
    secondary : Dataset, optional
        Cycled through in a seeded random order.
    primary_prefix : str
        Prefix of the primary keys.
    secondary_prefix : str
        Prefix of the secondary keys.
    seed : int
        Seed of the pairing.
    shuffle_secondary : bool
        ``False`` pairs item ``i`` with secondary item ``i mod len`` (for
        validation sets).

    Example
    -------
    >>> primary = [{"noisy": 1}, {"noisy": 2}, {"noisy": 3}]
    >>> secondary = [{"noisy": 10}]
    >>> pairs = DomainPairDataset(primary, secondary, "tgt_", "src_")
    >>> pairs[2]
    {'tgt_noisy': 3, 'src_noisy': 10}
    """

    def __init__(
        self,
        primary,
        secondary=None,
        primary_prefix="tgt_",
        secondary_prefix="src_",
        seed=0,
        shuffle_secondary=True,
    ):
        if len(primary) == 0:
            raise ValueError("The primary dataset of a domain pair is empty.")
        if secondary is not None and len(secondary) == 0:
            raise ValueError("The secondary dataset of a domain pair is empty.")
        self.primary = primary
        self.secondary = secondary
        self.primary_prefix = primary_prefix
        self.secondary_prefix = secondary_prefix
        self.seed = seed
        self.shuffle_secondary = shuffle_secondary
        self.set_epoch(0)

    def set_epoch(self, epoch):
        """Draws the secondary order for ``epoch``."""
        if self.secondary is None:
            self.order = []
            return
        order = list(range(len(self.secondary)))
        if self.shuffle_secondary:
            random.Random(self.seed * 100003 + epoch).shuffle(order)
        self.order = order

    def __len__(self):
        return len(self.primary)

    def __getitem__(self, index):
        item = {
            self.primary_prefix + key: value
            for key, value in self.primary[index].items()
        }
        if self.secondary is not None:
            other = self.secondary[self.order[index % len(self.order)]]
            for key, value in other.items():
                item[self.secondary_prefix + key] = value
        return item
