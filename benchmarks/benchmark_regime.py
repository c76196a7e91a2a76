"""Measures the domain-gap regime of the built-in benchmark.

Builds the benchmark with a given data seed, trains a source model (source
pairs) and a target-trained oracle (target pairs) with a plain PyTorch loop
of the recipe's U-Net and loss (gradients clipped at 5, as SpeechBrain's
``Brain`` does in the recipe: without clipping some initialisations stall),
and prints what the paper's regime is judged by (Frenkel et al.,
Interspeech 2023, Tables 1 and 2):

* SI-SDRi of the source model and of the oracle on target speech with
  target noise, per SNR, and their ratio;
* the same per target noise family at 0 dB;
* the gap (oracle minus source) on English and on non-English test speech
  with the target noises (Table 2's structure: language makes the gap);
* STOI of each model and of the noisy input on the target test set, per SNR
  (the regime asks the source model to raise it at every SNR);
* STOI change and SI-SDRi on the target test set per kind of reader: pitch
  and speaking rate below, within or above the source readers' eSpeak NG
  settings, and gender (what of the speaker gap the source model fails on).

``--channels`` measures another U-Net width (model capacity) on the same
data; ``--models source`` trains the source model only.

Use a data seed other than the recipe's (1234) to calibrate the generators,
so that the test sets the recipe reports are never looked at while doing so:

    python benchmarks/benchmark_regime.py --root /tmp/regime --data_seed 99

Authors
 * speechbrain-srst developers 2026
"""

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from hyperpyyaml import load_hyperpyyaml
from speechbrain.dataio.batch import PaddedBatch
from torch.utils.data import DataLoader

from speechbrain_srst.benchmark.build import (
    BENCHMARK_SIZES,
    TARGET_FOLDERS,
    build_benchmark,
    target_readers,
)
from speechbrain_srst.benchmark.speech import SOURCE_PROSODY
from speechbrain_srst.data.datasets import (
    MixtureDataset,
    StoredMixtureDataset,
    load_manifest,
)
from speechbrain_srst.data.prepare import noise_family, prepare_domain_adaptation
from speechbrain_srst.evaluation import si_sdr_numpy, stoi_or_nan
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.losses import enhancement_loss

RECIPE = Path(__file__).resolve().parents[1] / "recipes/DNS/domain_adaptation"


def prepare(root, size, data_seed, sizes=None):
    """Builds the benchmark (``sizes``: fields overriding the size's) and the
    manifests; returns the manifest folder and the recipe's hparams."""
    with open(RECIPE / "hparams/supervised.yaml") as handle:
        hparams = load_hyperpyyaml(handle, {"benchmark_size": size})
    folders = build_benchmark(
        Path(root) / "benchmark", size=size, seed=data_seed, sizes=sizes
    )
    manifests = Path(root) / "manifests"
    prepare_domain_adaptation(
        str(manifests),
        **folders,
        **hparams["prepare_sizes"][size],
        test_snrs=tuple(hparams["test_snrs"]),
        seed=data_seed,
    )
    return manifests, hparams


def train(model, dataset, steps, batch_size, lr, seed, max_grad_norm=5.0):
    """Adam with a linear decay to lr / 10 for ``steps`` steps; returns losses.

    Gradients are clipped to ``max_grad_norm`` (L2 norm over all parameters)
    as SpeechBrain's ``Brain`` does in the recipe (its default, 5.0); 0 turns
    clipping off.
    """
    torch.manual_seed(seed)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        collate_fn=PaddedBatch,
        num_workers=1,
        persistent_workers=True,
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses, step = [], 0
    while step < steps:
        for batch in loader:
            for group in optimizer.param_groups:
                group["lr"] = lr * (1 - 0.9 * step / steps)
            speech, noise = model(batch.noisy.data)
            loss = enhancement_loss(speech, noise, batch.clean.data, batch.noise.data)
            optimizer.zero_grad()
            loss.backward()
            if max_grad_norm:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()
            losses.append(float(loss.detach()))
            step += 1
            if step >= steps:
                break
    model.eval()
    return losses


def relative_to_source(value, setting):
    """The group of a value: below, within or above the source readers range."""
    low = min(interval[0] for interval in SOURCE_PROSODY[setting])
    high = max(interval[1] for interval in SOURCE_PROSODY[setting])
    return "below" if value < low else "above" if value > high else "within"


def reader_groups(readers, speech_path, speaker):
    """The reader's pitch, rate and gender groups (empty if not a DNS reader)."""
    folders = [f for f in TARGET_FOLDERS if f"/{f}/" in speech_path]
    reader = readers.get((folders[0], speaker)) if folders else None
    if reader is None:
        return {}
    return {
        "pitch": relative_to_source(reader["pitch"], "pitch"),
        "rate": relative_to_source(reader["rate"], "rate"),
        "gender": reader["gender"],
    }


def item_scores(enhanced, clean, noisy):
    """SI-SDRi (dB) and STOI of the estimate and of the input, trimmed to
    their common length; STOI is NaN where pystoi cannot score the reference
    (:func:`~speechbrain_srst.evaluation.stoi_or_nan`)."""
    length = min(len(enhanced), len(clean), len(noisy))
    enhanced, clean, noisy = (
        np.asarray(signal[:length], dtype=np.float64)
        for signal in (enhanced, clean, noisy)
    )
    return {
        "si_sdri": float(si_sdr_numpy(enhanced, clean) - si_sdr_numpy(noisy, clean)),
        "stoi": stoi_or_nan(clean, enhanced)[0],
        "stoi_noisy": stoi_or_nan(clean, noisy)[0],
    }


@torch.no_grad()
def score(model, entries, readers):
    """Per-item SI-SDRi (dB), STOI, noise family, language and reader groups."""
    dataset = StoredMixtureDataset(entries)
    rows = []
    for index in range(len(dataset)):
        item = dataset[index]
        entry = entries[dataset.ids[index]]
        enhanced = model(item["noisy"][None])[0][0]
        rows.append(
            {
                "snr": entry["snr"],
                "family": noise_family(entry["noise_source"]),
                "language": entry["language"],
                **item_scores(enhanced, item["clean"], item["noisy"]),
                **reader_groups(readers, entry["speech_source"], entry["speaker"]),
            }
        )
    return rows


def mean_of(rows, key, value):
    """Mean of ``value`` per value of ``key``."""
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row[value])
    return {name: float(np.nanmean(values)) for name, values in sorted(groups.items())}


def mean_by(rows, key):
    """Mean SI-SDRi per value of ``key``."""
    return mean_of(rows, key, "si_sdri")


def stoi_changes(rows):
    """Copies of the rows with ``stoi_change`` (model minus noisy input)."""
    return [{**row, "stoi_change": row["stoi"] - row["stoi_noisy"]} for row in rows]


def by_reader(rows):
    """STOI change and SI-SDRi per reader group: ``{group: {value: {...}}}``."""
    rows = stoi_changes(rows)
    summary = {}
    for group in ("pitch", "rate", "gender"):
        grouped = [row for row in rows if group in row]
        counts = Counter(row[group] for row in grouped)
        stoi_change = mean_of(grouped, group, "stoi_change")
        si_sdri = mean_by(grouped, group)
        summary[group] = {
            value: {
                "items": counts[value],
                "stoi_change": stoi_change[value],
                "si_sdri": si_sdri[value],
            }
            for value in sorted(counts)
        }
    return summary


def channel_list(text):
    """``"16,32,64,128"`` -> ``[16, 32, 64, 128]``, for argparse."""
    try:
        channels = [int(c) for c in text.split(",")]
    except ValueError:
        channels = []
    if not channels or min(channels) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of positive widths, "
            "e.g. 16,32,64,128"
        )
    return channels


def edge_means(losses):
    """Mean loss of the first and the last 50 steps (a tenth of a short run)."""
    window = max(1, min(50, len(losses) // 10))
    return float(np.mean(losses[:window])), float(np.mean(losses[-window:]))


def main(argv=None):
    """Builds, trains both models, prints and returns the regime numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="folder for data and results")
    parser.add_argument(
        "--size",
        default="default",
        choices=sorted(BENCHMARK_SIZES),
        help="benchmark size",
    )
    parser.add_argument("--data_seed", type=int, default=99, help="benchmark seed")
    parser.add_argument("--steps", type=int, default=900, help="steps per model")
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument(
        "--max_grad_norm",
        type=float,
        default=5.0,
        help="gradient clipping, as the recipe's Brain (0: off)",
    )
    parser.add_argument(
        "--channels",
        default="16,32,64,128",
        type=channel_list,
        help="U-Net widths, comma-separated",
    )
    parser.add_argument(
        "--models",
        default="source,oracle",
        choices=["source,oracle", "source", "oracle"],
        metavar="{source,oracle | source | oracle}",
        help="which models to train",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.time()
    if args.size == "smoke":
        print(
            "Smoke size: the numbers below are meaningless (a few training "
            "mixtures and test utterances); it only checks that the script runs."
        )
    manifests, hparams = prepare(args.root, args.size, args.data_seed)
    readers = target_readers(args.size, args.data_seed)
    print(f"data ready in {time.time() - start:.0f} s")
    channels = args.channels
    widths = ",".join(str(c) for c in channels)
    results = {}
    domains = {"source": "source", "oracle": "target"}
    for name in args.models.split(","):
        domain = domains[name]
        model = UNet(channels=channels, input_compression=0.3)
        entries = load_manifest(manifests / f"{domain}_train.json")
        tick = time.time()
        losses = train(
            model,
            MixtureDataset(entries),
            args.steps,
            args.batch_size,
            args.lr,
            seed=1,
            max_grad_norm=args.max_grad_norm,
        )
        seconds = time.time() - tick
        parameters = sum(p.numel() for p in model.parameters())
        print(
            f"{name}: U-Net {widths} ({parameters:,} parameters), "
            f"{args.steps} steps in {seconds:.0f} s, "
            "loss {:.2f} -> {:.2f} (first and last steps)".format(*edge_means(losses))
        )
        rows = {}
        for test in ("target_test", "english_test", "source_test"):
            rows[test] = []
            for snr in hparams["test_snrs"]:
                path = manifests / f"{test}_snr{snr}.json"
                if path.is_file():
                    rows[test] += score(model, load_manifest(path), readers)
        at_0db = [r for r in rows["target_test"] if r["snr"] == 0]
        results[name] = {
            "target_by_snr": mean_by(rows["target_test"], "snr"),
            "target_by_family_0db": mean_by(at_0db, "family"),
            "target_stoi_change_by_family_0db": mean_of(
                stoi_changes(at_0db), "family", "stoi_change"
            ),
            "target_by_language": mean_by(rows["target_test"], "language"),
            "english": float(np.mean([r["si_sdri"] for r in rows["english_test"]])),
            "non_english": float(np.mean([r["si_sdri"] for r in rows["target_test"]])),
            "source_by_snr": mean_by(rows["source_test"], "snr"),
            "target_stoi_by_snr": mean_of(rows["target_test"], "snr", "stoi"),
            "noisy_stoi_by_snr": mean_of(rows["target_test"], "snr", "stoi_noisy"),
            "stoi_undefined_items": sum(
                bool(np.isnan(row["stoi"]) or np.isnan(row["stoi_noisy"]))
                for row in rows["target_test"]
            ),
            "by_reader": by_reader(rows["target_test"]),
            "parameters": parameters,
            "train_seconds": seconds,
            "train_loss_per_50_steps": [
                float(np.mean(losses[i : i + 50])) for i in range(0, len(losses), 50)
            ],
        }
    settings = {k: v for k, v in vars(args).items() if k != "root"}
    out = Path(args.root) / (
        f"regime_{args.size}_seed{args.data_seed}_{widths.replace(',', '-')}"
        f"_{args.models.replace(',', '+')}_steps{args.steps}"
        f"_clip{args.max_grad_norm:g}.json"
    )
    out.write_text(json.dumps({"settings": settings, **results}, indent=2))
    for name, result in results.items():
        undefined = result["stoi_undefined_items"]
        left_out = f"; {undefined} items left out, STOI undefined" if undefined else ""
        print(f"\n{name}: STOI on the target test set (model / noisy input{left_out})")
        for snr, value in result["target_stoi_by_snr"].items():
            noisy = result["noisy_stoi_by_snr"][snr]
            print(f"  {snr:+.0f} dB: {value:.3f} / {noisy:.3f} ({value - noisy:+.3f})")
        gains = ", ".join(
            f"{float(snr):+.0f} dB {value:.2f}"
            for snr, value in result["target_by_snr"].items()
        )
        print(f"{name}: SI-SDRi on the target test set: {gains}")
        print(f"{name}: per reader group (vs the source readers' settings)")
        for group, values in result["by_reader"].items():
            for value, numbers in values.items():
                print(
                    f"  {group:6s} {value:7s} {numbers['items']:4d} items: "
                    f"STOI {numbers['stoi_change']:+.3f}, "
                    f"SI-SDRi {numbers['si_sdri']:6.2f} dB"
                )
    if len(results) < 2:
        print(f"total {time.time() - start:.0f} s; results in {out}")
        return results
    src, ora = results["source"], results["oracle"]
    print("\nSI-SDRi on the target test set (dB)")
    for snr in src["target_by_snr"]:
        s, o = src["target_by_snr"][snr], ora["target_by_snr"][snr]
        ratio = f"{s / o:5.2f}" if o > 0 else "  n/a (oracle <= 0)"
        print(f"  {snr:+.0f} dB: source {s:6.2f}  oracle {o:6.2f}  ratio {ratio}")
    print("Per family at 0 dB: SI-SDRi source / oracle, STOI change source / oracle")
    for family, value in src["target_by_family_0db"].items():
        print(
            f"  {family:16s} {value:6.2f} / {ora['target_by_family_0db'][family]:6.2f}"
            f"   {src['target_stoi_change_by_family_0db'][family]:+.3f} / "
            f"{ora['target_stoi_change_by_family_0db'][family]:+.3f}"
        )
    print("Per language (all SNRs): source / oracle")
    for language, value in src["target_by_language"].items():
        oracle = ora["target_by_language"][language]
        print(f"  {language:10s} {value:6.2f} / {oracle:6.2f}")
    gap_en = ora["english"] - src["english"]
    gap_other = ora["non_english"] - src["non_english"]
    print(
        f"Table 2 gap (oracle - source, all SNRs): English {gap_en:.2f} dB, "
        f"non-English {gap_other:.2f} dB, ratio "
        + (
            f"{gap_en / gap_other:.2f}"
            if gap_other > 0
            else "n/a (non-English gap <= 0)"
        )
    )
    on_source = ", ".join(
        f"{float(snr):+.0f} dB {value:.2f}"
        for snr, value in src["source_by_snr"].items()
    )
    print(f"Source test set, source model, SI-SDRi: {on_source}")
    print(f"total {time.time() - start:.0f} s; results in {out}")
    return results


if __name__ == "__main__":
    main()
