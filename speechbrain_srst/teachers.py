"""Teachers of the self-training stages, and the cache of their pseudo-labels.

RemixIT allows any enhancement model as the teacher (Tzinis, Adi, Ithapu,
Xu, Smaragdis and Kumar, "RemixIT: Continual self-training of speech
enhancement models via bootstrapped remixing", IEEE JSTSP 2022). The teacher
of a self-training stage is either

* a stage's U-Net (``hparams.teacher`` a :class:`~speechbrain_srst.lobes.unet.UNet`),
  which outputs a speech and a noise estimate, static or updated from the
  student (``teacher_mode``); or
* an installed pretrained enhancer (:class:`ExternalTeacher`, wrapping an
  off-the-shelf peer of :mod:`speechbrain_srst.peers`: DeepFilterNet 3,
  NSNet2, RNNoise), which gives a speech estimate ``s~``; its noise
  estimate is the mixture residual ``n~ = x - s~``. It is always static: it
  is never trained or updated.

An external teacher's latency is compensated to the sample (by the peer
wrapper, at the peer's own rate) and checked when it is loaded: the lag of
its 16 kHz output behind its input, measured by cross-correlation
(:func:`speechbrain_srst.peers.measure_delay`), must be 0. Uncompensated,
DeepFilterNet 3's output lags its input by 480 samples at 16 kHz (30 ms) and
a student trained on it learns a shifted target. Sample-rate conversion
(16 <-> 48 kHz for DeepFilterNet 3 and RNNoise) is done by the peer wrapper.
The teacher is given the noisy mixtures only, never clean speech.

A fixed teacher's pseudo-labels are computed once per item and kept by
:class:`PseudoLabelCache` under the teacher's identity
(:func:`teacher_identity`: the peer, its package version, delay and sample
rate; for a U-Net the SHA-256 of its weights), in memory and optionally on
disk, so that labels made by one teacher are never used for another.

Authors
 * speechbrain-srst developers 2026
"""

import hashlib
import importlib
import json
import logging
import os
import re
from pathlib import Path

import numpy as np
import torch

from speechbrain_srst import peers

logger = logging.getLogger(__name__)

SAMPLE_RATE = peers.SAMPLE_RATE
"""Rate of the teacher's input and output (Hz)."""

EXTERNAL_TEACHERS = {
    "deepfilternet3": "DeepFilterNet3",
    "nsnet2": "NSNet2",
    "rnnoise": "RNNoise",
}
"""``external_teacher`` values of the recipe and the peers they name."""

CACHE_FORMAT = 1
"""Version of the pseudo-label files (part of the cache key)."""


class TeacherMisalignedError(ValueError):
    """An external teacher's output is not aligned with its input."""


class UnknownTeacherError(ValueError):
    """An ``external_teacher`` value that names no usable peer: an unknown
    name, a ``module:Class`` that cannot be imported or is not a peer."""


def resolve_peer_name(name):
    """The peer named by an ``external_teacher`` value (any letter case).

    Arguments
    ---------
    name : str
        ``deepfilternet3``, ``nsnet2``, ``rnnoise`` (or the peers' own names,
        e.g. ``DeepFilterNet3``), or ``package.module:Class`` for a peer class
        of one's own (a :class:`speechbrain_srst.peers.Peer` subclass built
        without arguments).

    Returns
    -------
    str
        The peer's name in :data:`speechbrain_srst.peers.PACKAGES`, or
        ``name`` itself for a ``module:Class`` value.

    Raises
    ------
    UnknownTeacherError
        An unknown name (a ``ValueError``).

    Example
    -------
    >>> resolve_peer_name("deepfilternet3"), resolve_peer_name("NSNet2")
    ('DeepFilterNet3', 'NSNet2')
    >>> try:
    ...     resolve_peer_name("wiener")
    ... except UnknownTeacherError as error:
    ...     print(str(error)[:34])
    Unknown external teacher 'wiener';
    """
    if not isinstance(name, str):
        raise UnknownTeacherError(f"external_teacher must be a string, got {name!r}.")
    if ":" in name:
        return name
    for key, peer in EXTERNAL_TEACHERS.items():
        if name.lower() in (key, peer.lower()):
            return peer
    raise UnknownTeacherError(
        f"Unknown external teacher '{name}'; choose from "
        f"{', '.join(EXTERNAL_TEACHERS)} (installed: "
        f"{', '.join(installed_teachers()) or 'none'}), or give a peer class "
        "as package.module:Class."
    )


def installed_teachers():
    """The ``external_teacher`` values whose packages are installed.

    Example
    -------
    >>> set(installed_teachers()) <= set(EXTERNAL_TEACHERS)
    True
    """
    installed = peers.installed_peers()
    return [key for key, peer in EXTERNAL_TEACHERS.items() if peer in installed]


def missing_teacher_message(name):
    """The error message for an external teacher whose package is missing.

    Names the peer, the pip package and its line of the recipe's
    ``extra_requirements.txt``.

    Example
    -------
    >>> print(missing_teacher_message("rnnoise").split(";")[0])
    External teacher RNNoise (external_teacher: rnnoise) needs the pip package pyrnnoise
    """
    peer = resolve_peer_name(name)
    package, _ = peers.PACKAGES[peer]
    others = [key for key in installed_teachers() if EXTERNAL_TEACHERS[key] != peer]
    return (
        f"External teacher {peer} (external_teacher: {peer.lower()}) needs the pip "
        f"package {package}; it is not installed (missing module(s): "
        f"{', '.join(peers._missing_modules(peer)) or 'none'}). Install it with "
        f"`pip install -r {peers.REQUIREMENTS}` (its line: "
        f"`{peers.requirement_line(package)}`) or `pip install "
        "speechbrain-srst[peers]`, or choose an installed external_teacher ("
        f"{', '.join(others) or 'none is installed'})."
    )


def require_installed(peer):
    """Raises :class:`~speechbrain_srst.peers.PeerNotInstalledError` (with
    :func:`missing_teacher_message`) unless the package of ``peer`` (a name
    of :data:`speechbrain_srst.peers.PACKAGES`) is installed."""
    if peer not in peers.installed_peers():
        raise peers.PeerNotInstalledError(missing_teacher_message(peer))


def build_peer(name, num_threads=None):
    """Builds the peer an ``external_teacher`` value names.

    Arguments
    ---------
    name : str
        See :func:`resolve_peer_name`.
    num_threads : int, optional
        Threads of the ONNX runtime (NSNet2).

    Returns
    -------
    speechbrain_srst.peers.Peer

    Raises
    ------
    speechbrain_srst.peers.PeerNotInstalledError
        The peer's package is not installed (:func:`missing_teacher_message`).
    UnknownTeacherError
        An unknown name, a ``module:Class`` that cannot be imported or that
        is not a peer.
    """
    peer = resolve_peer_name(name)
    if ":" not in peer:
        require_installed(peer)
        return peers.load_peer(peer, num_threads)
    module_name, class_name = peer.split(":", 1)
    try:
        kind = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as error:
        raise UnknownTeacherError(
            f"External teacher '{peer}': cannot import {class_name} from "
            f"{module_name} ({error})."
        ) from error
    if not (isinstance(kind, type) and issubclass(kind, peers.Peer)):
        raise UnknownTeacherError(
            f"External teacher '{peer}' is not a speechbrain_srst.peers.Peer "
            "subclass (it needs name, sample_rate, frame, delay and process)."
        )
    return kind()


def alignment_lag(peer, max_lag=2400, seconds=2.0):
    """Lag (samples at 16 kHz) of a peer's aligned output behind its input.

    Runs :meth:`speechbrain_srst.peers.Peer.enhance` (delay compensation and
    resampling included) on :func:`speechbrain_srst.peers.voiced_test_signal`
    and returns the lag that maximises the cross-correlation of the output
    with the input: 0 for a compensated peer, the uncompensated delay
    otherwise (positive: late).

    Arguments
    ---------
    peer : speechbrain_srst.peers.Peer
        The peer.
    max_lag : int
        Largest lag searched, either way (samples at 16 kHz).
    seconds : float
        Length of the test signal.

    Returns
    -------
    int

    Raises
    ------
    TeacherMisalignedError
        The peer's output is silent on the test signal (no lag can be read).

    Example
    -------
    >>> class Late(peers.Peer):
    ...     name, frame, delay = "late", 1, 0  # declares no delay, lags 25
    ...     def process(self, wave):
    ...         return np.concatenate([np.zeros(25, np.float32), wave[:-25]])
    >>> alignment_lag(Late(), max_lag=100)
    25
    """
    outputs = []

    def run(signal):
        out = peer.enhance(torch.from_numpy(signal)).numpy()
        outputs.append(out)
        return out

    lag = peers.measure_delay(run, SAMPLE_RATE, max_lag=max_lag, seconds=seconds)
    if not np.any(np.abs(outputs[-1]) > 1e-6):
        raise TeacherMisalignedError(
            f"External teacher {peer.name} outputs silence on a voiced test "
            "signal: its alignment cannot be checked (check_alignment: False "
            "skips the check)."
        )
    return lag


WARM_UPS = ("replay", "none")
"""How an external teacher's state is settled before it labels a mixture
(:class:`ExternalTeacher`'s ``warm_up``)."""


class ExternalTeacher(torch.nn.Module):
    """An installed pretrained enhancer as the teacher of a self-training stage.

    Its speech estimate ``s~`` is the peer's output, time-aligned with the
    mixture to the sample (the peer wrapper compensates the delay at the
    peer's native rate and resamples 16 <-> 48 kHz where the peer needs it);
    its noise estimate is the mixture residual ``n~ = x - s~``, so
    ``s~ + n~ = x`` holds by construction. It has no trainable state: the
    self-training Brain accepts it only with ``teacher_mode: static``
    (:func:`check_teacher_mode`). The peer is loaded on first use
    (:meth:`load`), so a recipe YAML naming it loads without its package.

    Arguments
    ---------
    peer : str or speechbrain_srst.peers.Peer
        An ``external_teacher`` name (``deepfilternet3``, ``nsnet2``,
        ``rnnoise``, or ``package.module:Class``; see
        :func:`resolve_peer_name`) or a peer object.
    check_alignment : bool
        Measure, when loading, that the aligned output lags its input by 0
        samples at 16 kHz (:func:`alignment_lag`; about one call of the peer
        on 2 s of audio).
    max_lag : int
        Largest lag the check searches (samples at 16 kHz; 2400 = 150 ms).
    num_threads : int, optional
        Threads of the ONNX runtime (NSNet2).
    warm_up : str
        ``"replay"`` (default): each mixture is given to the peer twice in a
        row and the output of the second pass is kept, so the peer's
        recurrent state and noise statistics have settled on that same
        mixture when its label is produced (a stateful enhancer starting
        from rest degrades its first few hundred ms, which on the recipe's
        1 s training segments is most of the item; measured on the built-in
        benchmark's 1 s crops: DeepFilterNet 3 +1.5 to +2.8 dB SI-SDR,
        NSNet2 +1.0 to +1.9 dB, close to the same crops enhanced inside
        their 3 s utterances). It doubles the teacher's cost, paid once per
        item (labels are cached). ``"none"``: one pass.

    Raises
    ------
    ValueError
        An unknown peer name or ``warm_up`` value (at construction).

    Example
    -------
    >>> class Late(peers.Peer):  # halves its input, 37 samples late
    ...     name, frame, delay = "late37", 4, 37
    ...     def process(self, wave):
    ...         return 0.5 * np.concatenate([np.zeros(37, np.float32), wave[:-37]])
    >>> teacher = ExternalTeacher(Late())
    >>> noisy = torch.randn(2, 1600)
    >>> speech, noise = teacher(noisy)
    >>> speech.shape, torch.allclose(speech, 0.5 * noisy)
    (torch.Size([2, 1600]), True)
    >>> torch.allclose(speech + noise, noisy)
    True
    >>> teacher.identity()["delay"], teacher.identity()["residual_lag"]
    (37, 0)
    >>> teacher.identity()["warm_up"]
    'replay'
    """

    is_static = True
    """External teachers are never updated from the student."""

    def __init__(
        self,
        peer="deepfilternet3",
        check_alignment=True,
        max_lag=2400,
        num_threads=None,
        warm_up="replay",
    ):
        super().__init__()
        if warm_up not in WARM_UPS:
            raise ValueError(f"warm_up must be one of {WARM_UPS}, got {warm_up!r}.")
        self.warm_up = warm_up
        if isinstance(peer, peers.Peer):
            self.spec, self.peer = peer.name, peer
        else:
            self.spec, self.peer = resolve_peer_name(peer), None
        self.check_alignment = bool(check_alignment)
        self.max_lag = int(max_lag)
        self.num_threads = num_threads
        self.residual_lag = None

    @property
    def name(self):
        """The peer's name (e.g. ``DeepFilterNet3``)."""
        return self.peer.name if self.peer is not None else self.spec

    def check_available(self):
        """Raises :class:`~speechbrain_srst.peers.PeerNotInstalledError` now
        (without loading the model) when the peer's package is missing."""
        if self.peer is None and ":" not in self.spec:
            require_installed(self.spec)

    def load(self):
        """Loads the peer (once) and checks its alignment.

        Returns
        -------
        speechbrain_srst.peers.Peer

        Raises
        ------
        speechbrain_srst.peers.PeerNotInstalledError
            Its package is not installed.
        TeacherMisalignedError
            With ``check_alignment``: the aligned output still lags (or
            leads) its input; the message gives the lag and the fix.
        """
        if self.peer is None:
            self.peer = build_peer(self.spec, self.num_threads)
        if self.check_alignment and self.residual_lag is None:
            lag = alignment_lag(self.peer, self.max_lag)
            if lag != 0:
                peer = self.peer
                native = round(lag * peer.sample_rate / SAMPLE_RATE)
                raise TeacherMisalignedError(
                    f"External teacher {peer.name}: its output lags its input by "
                    f"{lag} samples at 16 kHz ({lag / 16:.1f} ms) after the "
                    f"wrapper's delay compensation (delay = {peer.delay} samples "
                    f"at {peer.sample_rate} Hz). A student trained on shifted "
                    "pseudo-labels learns a shifted target (DeepFilterNet 3 "
                    "uncompensated lags 480 samples at 16 kHz). Set the peer's "
                    f"delay to {peer.delay + native}."
                )
            self.residual_lag = lag
            logger.info(
                "External teacher %s: aligned to the sample (delay %d at %d Hz "
                "compensated, residual lag 0).",
                self.peer.name,
                self.peer.delay,
                self.peer.sample_rate,
            )
        return self.peer

    def identity(self):
        """What decides the pseudo-labels: the peer's identity and the check.

        Returns
        -------
        dict
            ``kind: external`` and
            :meth:`speechbrain_srst.peers.Peer.identity` (peer, package,
            version, sample rate, delay, ...), ``residual_lag`` (measured,
            ``None`` when unchecked).
        """
        peer = self.load()
        return {
            "kind": "external",
            **peer.identity(),
            "residual_lag": self.residual_lag,
            "warm_up": self.warm_up,
        }

    def forward(self, noisy):
        """Speech and residual noise estimates of ``noisy``.

        Arguments
        ---------
        noisy : torch.Tensor
            Mixtures ``[batch, time]`` at 16 kHz (float, any device).

        Returns
        -------
        speech, noise : torch.Tensor
            ``[batch, time]``, dtype and device of ``noisy``; ``noise = noisy
            - speech``.

        Raises
        ------
        ValueError
            ``noisy`` is not ``[batch, time]``.
        """
        if noisy.dim() != 2:
            raise ValueError(
                f"ExternalTeacher takes [batch, time] mixtures, got shape "
                f"{tuple(noisy.shape)}."
            )
        peer = self.load()
        with torch.no_grad():
            speech = torch.stack([self.enhance(peer, row) for row in noisy.detach()])
            speech = speech.to(device=noisy.device, dtype=noisy.dtype)
        return speech, noisy.detach() - speech

    def enhance(self, peer, wave):
        """The peer's aligned output for one mixture ``wave`` [time], after
        the ``warm_up`` pass (the second of two passes with ``replay``)."""
        if self.warm_up == "none":
            return peer.enhance(wave)
        length = wave.shape[-1]
        return peer.enhance(torch.cat([wave, wave]))[length:]

    def extra_repr(self):
        return f"peer={self.name}, warm_up={self.warm_up}"


def state_hash(module):
    """SHA-256 of a module's state (parameters and buffers), as hex.

    Example
    -------
    >>> a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    >>> b.load_state_dict(a.state_dict())
    <All keys matched successfully>
    >>> state_hash(a) == state_hash(b)
    True
    >>> with torch.no_grad():
    ...     _ = b.bias.add_(1.0)
    >>> state_hash(a) == state_hash(b)
    False
    """
    digest = hashlib.sha256()
    for name, value in sorted(module.state_dict().items()):
        value = value.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}|{value.dtype}|{tuple(value.shape)}|".encode())
        digest.update(value.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def teacher_identity(teacher):
    """The identity under which a teacher's pseudo-labels are cached.

    Arguments
    ---------
    teacher : torch.nn.Module
        An :class:`ExternalTeacher` (its :meth:`ExternalTeacher.identity`) or
        a model (its class and :func:`state_hash`: the hash of the checkpoint
        it was loaded from, and of every later update).

    Returns
    -------
    dict

    Example
    -------
    >>> identity = teacher_identity(torch.nn.Linear(2, 2))
    >>> identity["kind"], identity["class"], len(identity["sha256"])
    ('model', 'torch.nn.modules.linear.Linear', 64)
    """
    if hasattr(teacher, "identity"):
        return teacher.identity()
    module = getattr(teacher, "module", teacher)
    kind = type(module)
    return {
        "kind": "model",
        "class": f"{kind.__module__}.{kind.__qualname__}",
        "sha256": state_hash(module),
    }


def check_teacher_mode(teacher, mode):
    """Refuses a teacher update mode that the teacher cannot follow.

    Arguments
    ---------
    teacher : torch.nn.Module
        The teacher.
    mode : str
        ``static``, ``ema`` or ``sequential``.

    Raises
    ------
    ValueError
        An external teacher (``is_static``) with a mode other than ``static``.

    Example
    -------
    >>> check_teacher_mode(torch.nn.Identity(), "ema")
    >>> check_teacher_mode(ExternalTeacher("nsnet2"), "ema")
    Traceback (most recent call last):
    ...
    ValueError: teacher_mode 'ema' updates the teacher from the student, ...
    """
    if getattr(teacher, "is_static", False) and mode != "static":
        raise ValueError(
            f"teacher_mode '{mode}' updates the teacher from the student, but the "
            f"external teacher {getattr(teacher, 'name', teacher)} is a fixed "
            "pretrained enhancer with no weights to update: use teacher_mode: "
            "static."
        )


def identity_key(identity):
    """A short stable key (16 hex digits) of an identity dict.

    Example
    -------
    >>> identity_key({"a": 1}) == identity_key({"a": 1})
    True
    >>> identity_key({"a": 1}) == identity_key({"a": 2})
    False
    """
    text = json.dumps({"format": CACHE_FORMAT, **identity}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(wave):
    """SHA-1 of a signal's float32 samples (which mixture a label belongs to).

    Example
    -------
    >>> fingerprint(torch.zeros(3)) == fingerprint(torch.zeros(3, dtype=torch.float64))
    True
    """
    samples = wave.detach().float().cpu().contiguous().numpy()
    return hashlib.sha1(samples.tobytes()).hexdigest()


def item_file_name(item_id):
    """A file name for an item id (readable part and a hash of the whole id).

    Example
    -------
    >>> item_file_name("valid/fr 01")[:12]
    'valid_fr_01-'
    """
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", str(item_id))[:80]
    digest = hashlib.sha1(str(item_id).encode()).hexdigest()[:10]
    return f"{readable}-{digest}.pt"


class PseudoLabelCache:
    """A fixed teacher's pseudo-labels per item, under the teacher's identity.

    A static teacher in eval mode gives the same ``s~, n~`` for an item in
    every epoch (the target mixtures are fixed plans), so they are computed
    once per item instead of once per step. :meth:`bind` sets the teacher's
    identity (:func:`teacher_identity`); a different identity empties the
    memory and reads and writes another folder, so labels of one teacher
    never serve another. :meth:`clear` empties the memory (the teacher
    changed). Items are kept in memory up to ``max_megabytes`` of float32
    audio (the rest are recomputed, or read from disk). Each item keeps the
    :func:`fingerprint` of its mixture: a label is only returned for the
    same mixture.

    With ``folder``, the labels are also written to
    ``<folder>/<identity key>/`` (one ``.pt`` file per item, written
    atomically, and ``teacher.json``, the identity), so a resumed or a later
    stage with the same teacher reads them instead of recomputing them.

    Arguments
    ---------
    max_megabytes : float
        Memory bound (0 keeps nothing in memory).
    folder : str or Path, optional
        Disk cache root (``None``: memory only). Used once an identity is
        bound.
    identity : dict, optional
        The teacher's identity (see :meth:`bind`).

    Example
    -------
    >>> cache = PseudoLabelCache(1.0)
    >>> cache.put(["a"], torch.ones(1, 4), torch.zeros(1, 4))
    >>> speech, noise = cache.get(["a"])
    >>> speech.tolist(), cache.get(["b"])
    ([[1.0, 1.0, 1.0, 1.0]], None)
    >>> cache.bind({"peer": "other"})  # another teacher: nothing is kept
    >>> cache.get(["a"]) is None
    True
    """

    def __init__(self, max_megabytes=2048.0, folder=None, identity=None):
        self.max_bytes = float(max_megabytes) * 2**20
        self.items = {}
        self.bytes = 0
        self.root = Path(folder) if folder else None
        self.identity = None
        self.folder = None
        if identity is not None:
            self.bind(identity)

    def bind(self, identity):
        """Serves the teacher ``identity`` (a dict); forgets any other's labels.

        Arguments
        ---------
        identity : dict
            JSON-serialisable description of the teacher.
        """
        if identity == self.identity:
            return
        self.clear()
        self.identity = identity
        self.folder = None
        if self.root is not None:
            self.folder = self.root / identity_key(identity)
            self.folder.mkdir(parents=True, exist_ok=True)
            record = self.folder / "teacher.json"
            if not record.is_file():
                temporary = record.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(
                    json.dumps(identity, indent=2, sort_keys=True, default=str)
                )
                temporary.replace(record)
            logger.info("Pseudo-label cache of this teacher: %s", self.folder)

    def lookup(self, ids, noisy=None):
        """Each item's ``(speech, noise)`` or ``None``, in the order of ``ids``.

        Arguments
        ---------
        ids : list of str
            Item ids.
        noisy : torch.Tensor, optional
            The items' mixtures ``[batch, time]``: a label whose mixture
            differs is not returned.

        Returns
        -------
        list
            ``(speech, noise)`` tensors ``[time]`` on the CPU, or ``None``.
        """
        found = []
        for index, item_id in enumerate(ids):
            mark = fingerprint(noisy[index]) if noisy is not None else None
            entry = self.items.get(item_id)
            if entry is None:
                entry = self._read(item_id)
            if entry is None or (mark is not None and entry[2] not in (None, mark)):
                found.append(None)
                continue
            found.append(entry[:2])
        return found

    def get(self, ids, noisy=None):
        """Stacked ``(speech, noise)`` of ``ids``, or None if one is missing."""
        if not ids:
            return None
        found = self.lookup(ids, noisy)
        if any(entry is None for entry in found):
            return None
        speech, noise = zip(*found, strict=True)
        return torch.stack(speech), torch.stack(noise)

    def put(self, ids, speech, noise, noisy=None):
        """Stores the rows of ``speech`` and ``noise`` ``[batch, time]``.

        ``noisy`` (the mixtures) records each label's :func:`fingerprint`.
        """
        for index, (item_id, s, n) in enumerate(zip(ids, speech, noise, strict=True)):
            mark = fingerprint(noisy[index]) if noisy is not None else None
            # copies: a row of the batch would keep (and save) the whole batch
            entry = (
                s.detach().float().cpu().clone(),
                n.detach().float().cpu().clone(),
                mark,
            )
            if self.folder is not None:
                self._write(item_id, entry)
            self._remember(item_id, entry)

    def clear(self):
        """Forgets every item held in memory (the teacher changed)."""
        self.items.clear()
        self.bytes = 0

    def _remember(self, item_id, entry):
        size = (entry[0].numel() + entry[1].numel()) * 4
        if item_id in self.items or self.bytes + size > self.max_bytes:
            return
        self.items[item_id] = entry
        self.bytes += size

    def _read(self, item_id):
        if self.folder is None:
            return None
        path = self.folder / item_file_name(item_id)
        if not path.is_file():
            return None
        try:
            stored = torch.load(path, map_location="cpu", weights_only=True)
            entry = (stored["speech"], stored["noise"], stored["input"])
        except Exception as error:  # a damaged file is recomputed
            logger.warning(
                "Pseudo-label file %s unreadable (%s): recomputed.", path, error
            )
            return None
        self._remember(item_id, entry)
        return entry

    def _write(self, item_id, entry):
        path = self.folder / item_file_name(item_id)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        torch.save(
            {
                "id": str(item_id),
                "speech": entry[0],
                "noise": entry[1],
                "input": entry[2],
            },
            temporary,
        )
        temporary.replace(path)
