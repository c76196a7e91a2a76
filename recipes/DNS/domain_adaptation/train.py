#!/usr/bin/env python3
"""Recipe for unsupervised domain adaptation of speech enhancement (SRST).

Every stage of Frenkel et al. (Interspeech 2023) is one YAML file; this
script runs the stage it is given after every missing prerequisite stage:

    python train.py hparams/srst.yaml

runs supervised -> classifier -> dann -> selection -> srst, reusing any stage
that has finished and resuming any that was interrupted. Without corpus
folders the built-in benchmark is built and used; with them:

    python train.py hparams/srst.yaml --librispeech_folder /data/LibriSpeech \\
        --wham_folder /data/wham_noise --dns_folder /data/DNS-Challenge \\
        --experiment_name dns

Stages: ``supervised`` (source model and, with target.yaml, the oracle),
``classifier``, ``dann``, ``selection``, ``self_training`` (RemixIT,
DANN+RemixIT, SRST, SRST with random source; beyond the paper, RemixIT and
SRST with an installed enhancer as the teacher: remixit_external.yaml and
srst_external.yaml, run after the chain of srst.yaml).

Authors
 * speechbrain-srst developers 2026
"""

import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

import speechbrain as sb
import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.dataio.sampler import ReproducibleRandomSampler
from speechbrain.utils.distributed import if_main_process, run_on_main
from torch.utils.data import DataLoader

from speechbrain_srst.adabn import reestimate_batch_norm
from speechbrain_srst.aggregate import (
    seeds_folder_name,
    split_seeds_argument,
    write_aggregate,
)
from speechbrain_srst.chain import (
    StageSettingsError,
    UnknownOverrideError,
    chain_files,
    check_override_keys,
    check_writable,
    follow_ups,
    is_done,
    load_stage,
    mark_done,
    overrides_for_planned,
    parse_overrides,
    read_marker,
    read_settings,
    stage_folder,
    stage_plan,
    stage_settings,
)
from speechbrain_srst.checkpoints import share_debug_checkpoints
from speechbrain_srst.data.datasets import (
    DomainPairDataset,
    MixtureDataset,
    StoredMixtureDataset,
    load_manifest,
)
from speechbrain_srst.data.experiment import data_identity, prepare_experiment_data
from speechbrain_srst.data.prepare import CorpusError
from speechbrain_srst.dnsmos import DNSMOS_METRICS, use_dnsmos, validation_dnsmos
from speechbrain_srst.evaluation import (
    METRICS,
    compute_metrics,
    compute_metrics_dnsmos,
    evaluate_methods,
    mean_si_sdr,
    write_rows_csv,
)
from speechbrain_srst.export import export_model
from speechbrain_srst.peers import PeerNotInstalledError, peers_from_setting
from speechbrain_srst.recipe_cli import (
    console_logging,
    finished_results,
    format_results,
    quiet_seed_log,
    recipe_help,
    smoke_notice,
)
from speechbrain_srst.report import figure3, training_curves, write_report
from speechbrain_srst.selection import (
    score_target_likeness,
    select_most_target_like,
    select_random,
)
from speechbrain_srst.teachers import UnknownTeacherError, check_teacher_mode

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- datasets
def manifest(hparams, name, ids=None):
    """Loads ``<data_folder>/manifests/<name>.json``."""
    return load_manifest(
        Path(hparams["data_folder"]) / "manifests" / f"{name}.json", ids
    )


def test_sets(hparams, set_name):
    """The fixed test sets ``<set_name>_snr<S>``, one per SNR: ``{snr: dataset}``."""
    sets = {}
    folder = Path(hparams["data_folder"]) / "manifests"
    for snr in hparams["test_snrs"]:
        path = folder / f"{set_name}_snr{snr}.json"
        if path.is_file():
            sets[snr] = StoredMixtureDataset(load_manifest(path))
    return sets


def read_json(path):
    """Reads a JSON file written by an earlier stage."""
    with open(path) as handle:
        return json.load(handle)


def selected_ids(hparams, name):
    """Reads a list of ids written by the selection stage."""
    return read_json(Path(hparams["selection_folder"]) / f"{name}.json")


def domain_pairs(hparams, split):
    """Source items paired with target items (classifier and DANN stages).

    Target references are left out of training batches; validation batches
    carry them for analysis only.
    """
    training = split == "train"
    return DomainPairDataset(
        MixtureDataset(manifest(hparams, f"source_{split}")),
        MixtureDataset(manifest(hparams, f"target_{split}"), labelled=not training),
        primary_prefix="src_",
        secondary_prefix="tgt_",
        seed=hparams["seed"],
        shuffle_secondary=training,
    )


def prepare_data(hparams):
    """Builds the benchmark or reads the corpora; writes the manifests."""
    run_on_main(
        prepare_experiment_data,
        kwargs={
            "data_folder": hparams["data_folder"],
            "librispeech_folder": hparams["librispeech_folder"],
            "wham_folder": hparams["wham_folder"],
            "dns_folder": hparams["dns_folder"],
            "benchmark_size": hparams["benchmark_size"],
            "prepare_sizes": hparams["prepare_sizes"],
            "test_snrs": hparams["test_snrs"],
            "data_seed": hparams["data_seed"],
            "allow_utterance_split": hparams["allow_utterance_split"],
        },
    )


DATA_KEYS = ("data_folder", "librispeech_folder", "wham_folder", "dns_folder")
"""The settings that say which data a stage uses (:func:`current_data`)."""


def current_data(hparams):
    """The experiment's data identity (versions, manifests' fingerprint),
    recorded in each stage's marker and checked when a stage is reused."""
    return data_identity(*(hparams[key] for key in DATA_KEYS))


def data_identity_once():
    """:func:`current_data` computed once per data location: the data does
    not change while a command is planned, and every finished stage of the
    chain is checked against it (each one would hash the manifests again)."""
    identities = {}

    def identity(hparams):
        key = tuple(str(hparams[name]) for name in DATA_KEYS)
        if key not in identities:
            identities[key] = current_data(hparams)
        return identities[key]

    return identity


# ------------------------------------------------------------------ stages
def load_pretrained(hparams, main_only=False):
    """Loads the previous stage's files through the YAML's Pretrainer.

    ``main_only`` is for stages that run on the main process alone, where
    ``run_on_main``'s barrier would wait for processes that never come.
    """
    if "pretrainer" not in hparams:
        return
    if main_only:
        hparams["pretrainer"].collect_files()
    else:
        run_on_main(hparams["pretrainer"].collect_files)
    hparams["pretrainer"].load_collected()


def make_brain(hparams, run_opts):
    """Builds the stage's Brain from the YAML."""
    brain = hparams["brain_class"](
        modules=hparams["modules"],
        opt_class=hparams.get("opt_class"),
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
    )
    share_debug_checkpoints(brain)  # --debug under torchrun: one folder for all
    return brain


def fit(brain, hparams, train_set, valid_set, train_options=None):
    """Trains with the YAML's epoch counter and data-loader options."""
    brain.train_dataset = train_set
    brain.fit(
        hparams["epoch_counter"],
        train_set,
        valid_set,
        train_loader_kwargs={
            "collate_fn": PaddedBatch,
            **(train_options or hparams["train_dataloader_opts"]),
        },
        valid_loader_kwargs={
            "collate_fn": PaddedBatch,
            **hparams["valid_dataloader_opts"],
        },
    )


def finish(brain, hparams, extra_modules=None):
    """Loads the kept checkpoint and exports the stage's model folder.

    The kept checkpoint is the best by ``checkpoint_key`` (a validation
    metric, higher is better) or, where it is null, the last one.
    """
    if hparams["checkpoint_key"]:
        brain.checkpointer.recover_if_possible(max_key=hparams["checkpoint_key"])
    else:
        brain.checkpointer.recover_if_possible()
    metrics = {**getattr(brain, "train_stats", {}), **getattr(brain, "valid_stats", {})}
    run_on_main(
        export_model,
        kwargs={
            "folder": hparams["model_folder"],
            "model": brain.modules.model,
            "stage": hparams["stage_name"],
            "extra_modules": extra_modules,
            "metrics": {k: v for k, v in metrics.items() if isinstance(v, float)},
            "description": hparams["description"],
            "training_data": hparams["training_data"],
        },
    )


def evaluate_tests(brain, hparams, domain):
    """SI-SDR of the exported model on the fixed test sets of ``domain``
    (in dB; the stage's closing log line shows them)."""
    results = {}
    for snr, dataset in test_sets(hparams, f"{domain}_test").items():
        results[f"snr{snr}"] = mean_si_sdr(brain.modules.model, dataset, brain.device)
    # FileTrainLogger.log_stats is main-process-only and broadcasts its
    # result: every process must call it, or the broadcasts fall out of step
    # and the next stage's run_on_main hangs under torchrun. One number per
    # entry (a nested dict would be written raw); the file only, as the
    # stage's closing console line shows them.
    hparams["train_logger"].log_stats(
        stats_meta={"test set": f"{domain}_test"},
        test_stats={
            f"{snr} {name}": value
            for snr, scores in results.items()
            for name, value in scores.items()
        },
        verbose=False,
    )
    return results


def run_supervised(hparams, run_opts):
    """Stage 1 (source model) and 1' (target oracle): noisy/clean pairs."""
    domain = hparams["train_domain"]
    brain = make_brain(hparams, run_opts)
    train_set = MixtureDataset(manifest(hparams, f"{domain}_train"))
    valid_set = MixtureDataset(manifest(hparams, f"{domain}_valid"))
    fit(brain, hparams, train_set, valid_set)
    finish(brain, hparams)
    return {"test": evaluate_tests(brain, hparams, domain)}


def fit_on_domain_pairs(hparams, run_opts):
    """Trains a stage on source/target pairs and exports model and classifier."""
    load_pretrained(hparams)
    brain = make_brain(hparams, run_opts)
    fit(brain, hparams, domain_pairs(hparams, "train"), domain_pairs(hparams, "valid"))
    finish(brain, hparams, {"classifier": hparams["classifier"]})
    return brain


def run_classifier(hparams, run_opts):
    """Stage 2: the domain classifier on the frozen source encoder."""
    brain = fit_on_domain_pairs(hparams, run_opts)
    return {"valid": brain.valid_stats}


def run_dann(hparams, run_opts):
    """Stage 3: domain-adversarial training through gradient reversal."""
    brain = fit_on_domain_pairs(hparams, run_opts)
    return {"test": evaluate_tests(brain, hparams, "target")}


def run_selection(hparams, run_opts):
    """Stage 4: rank the source mixtures by P(target); keep the top share."""
    load_pretrained(hparams, main_only=True)
    device = run_opts.get("device", "cpu")
    model = hparams["model"].to(device)
    classifier = hparams["classifier"].to(device)
    output = Path(hparams["stage_folder"])
    summary = {}
    for split in ("train", "valid"):
        entries = manifest(hparams, f"source_{split}")
        scores = score_target_likeness(
            model, classifier, MixtureDataset(entries), hparams["batch_size"], device
        )
        similar = select_most_target_like(scores, hparams["keep_fraction"])
        chosen_at_random = select_random(
            scores, hparams["keep_fraction"], hparams["seed"]
        )
        for name, value in (
            (f"scores_{split}", scores),
            (f"similar_{split}", similar),
            (f"random_{split}", chosen_at_random),
        ):
            (output / f"{name}.json").write_text(json.dumps(value, indent=1))
        summary[split] = {
            "scored": len(scores),
            "kept": len(similar),
            "threshold": scores[similar[-1]] if similar else None,
        }
    target_scores = score_target_likeness(
        model,
        classifier,
        MixtureDataset(manifest(hparams, "target_train"), labelled=False),
        hparams["batch_size"],
        device,
    )
    (output / "scores_target_train.json").write_text(
        json.dumps(target_scores, indent=1)
    )
    return summary


def run_adabn(hparams, run_opts):
    """Control: the source model with batch-norm statistics of the target."""
    load_pretrained(hparams, main_only=True)
    device = run_opts.get("device", "cpu")
    model = hparams["model"]
    loader = DataLoader(
        MixtureDataset(manifest(hparams, "target_train"), labelled=False),
        batch_size=hparams["batch_size"],
        num_workers=hparams["num_workers"],
        collate_fn=PaddedBatch,
    )
    seen = reestimate_batch_norm(model, (b.noisy.data for b in loader), device)
    model.cpu()
    export_model(
        folder=hparams["model_folder"],
        model=model,
        stage=hparams["stage_name"],
        metrics={"target_mixtures_seen": float(seen)},
        description=hparams["description"],
        training_data=hparams["training_data"],
    )
    results = {
        f"snr{snr}": mean_si_sdr(model, dataset, device)
        for snr, dataset in test_sets(hparams, "target_test").items()
    }
    return {"target_mixtures_seen": seen, "test": results}


def epoch_sampling(hparams, train_set):
    """Loader options drawing ``target_items_per_epoch`` target items an epoch.

    Each epoch then sees a fresh random subset (seeded by the seed and the
    epoch, SpeechBrain's ``ReproducibleRandomSampler``), so the source-share
    schedule runs over more, shorter epochs. ``None`` keeps whole passes.
    """
    options = dict(hparams["train_dataloader_opts"])
    per_epoch = hparams["target_items_per_epoch"]
    if per_epoch and per_epoch < len(train_set):
        options.pop("shuffle", None)
        options["sampler"] = ReproducibleRandomSampler(
            train_set, seed=hparams["seed"], num_samples=int(per_epoch)
        )
    return options


def run_self_training(hparams, run_opts):
    """Stage 5: RemixIT / DANN+RemixIT / SRST (similar or random source)."""
    load_pretrained(hparams)
    brain = make_brain(hparams, run_opts)
    # label-free validation signal, logged only (see the recipe README)
    brain.valid_dnsmos = validation_dnsmos(
        hparams["valid_dnsmos"], hparams["valid_dnsmos_items_per_batch"]
    )
    source_pool = None
    source_valid = MixtureDataset(manifest(hparams, "source_valid"))
    if hparams["use_source"]:
        pool = hparams["source_pool"]
        source_pool = MixtureDataset(
            manifest(hparams, "source_train", selected_ids(hparams, f"{pool}_train"))
        )
        source_valid = MixtureDataset(
            manifest(hparams, "source_valid", selected_ids(hparams, f"{pool}_valid"))
        )
    train_set = DomainPairDataset(
        MixtureDataset(manifest(hparams, "target_train"), labelled=False),
        source_pool,
        seed=hparams["seed"],
    )
    valid_set = DomainPairDataset(
        MixtureDataset(manifest(hparams, "target_valid")),
        source_valid,
        shuffle_secondary=False,
    )
    options = epoch_sampling(hparams, train_set)
    # Brain.fit calls set_epoch on its train_sampler: a fresh subset an epoch.
    brain.train_sampler = options.get("sampler")
    fit(brain, hparams, train_set, valid_set, options)
    finish(brain, hparams)
    return {
        "test": evaluate_tests(brain, hparams, "target"),
        "teacher": brain.cache_identity()["teacher"],
    }


def load_method_model(hparams, stage):
    """Loads a stage's exported model strictly (``weights_only`` loading)."""
    path = Path(hparams["output_folder"]) / stage / "model"
    model = hparams["make_model"]()
    state = torch.load(path / "model.ckpt", map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def stage_seconds(hparams, stages):
    """Total training time of the stages, from their completion markers."""
    total = 0.0
    for stage in stages:
        marker = Path(hparams["output_folder"]) / stage
        total += read_marker(marker).get("seconds", 0.0)
    return total


def hardware_description(device):
    """One line naming the machine the run used."""
    cores = os.cpu_count()
    if str(device).startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} ({cores} CPU cores)"
    processor = platform.processor() or platform.machine()
    threads = torch.get_num_threads()
    return f"CPU, {cores} cores ({processor}), torch threads {threads}"


def finished_optional_methods(hparams):
    """The optional rows (``optional_methods``) whose stage has finished.

    Returns
    -------
    dict
        ``{display name: stage folder name}``, in the YAML's order.
    """
    run_folder = Path(hparams["output_folder"])
    return {
        name: stage
        for name, stage in (hparams.get("optional_methods") or {}).items()
        if is_done(run_folder / stage)
    }


def stage_finished(hparams, hparams_file):
    """Whether a finished stage can be reused (the chain's ``finished``).

    A stage is finished when its folder holds the completion marker; the
    evaluation also needs to have scored every optional row whose stage has
    finished since (e.g. ``remixit_deepfilternet3`` after
    ``python train.py hparams/remixit_external.yaml``), or it runs again.
    """
    folder = stage_folder(hparams, hparams_file)
    if not is_done(folder):
        return False
    scored = read_marker(folder).get("results", {}).get("optional_methods", [])
    new = [name for name in finished_optional_methods(hparams) if name not in scored]
    if new and if_main_process():  # printed: logging may not be set up yet
        print(f"{Path(hparams_file).name}: runs again to add the rows {new}.")
    return not new


def check_external_teacher(hparams_file, overrides):
    """Fails before any stage runs when the stage's external teacher is missing.

    A stage with an installed enhancer as its teacher
    (``remixit_external.yaml``, ``srst_external.yaml``) would otherwise train
    its missing prerequisites first and only then stop: its package must be
    installed and its ``teacher_mode`` static.
    """
    teacher = read_settings(hparams_file, overrides).get("teacher")
    if not (isinstance(teacher, dict) and any("ExternalTeacher" in k for k in teacher)):
        return  # the paper's stages: nothing is built or written here
    hparams = load_stage(hparams_file, overrides)
    teacher = hparams.get("teacher")
    if hasattr(teacher, "check_available"):
        teacher.check_available()
        check_teacher_mode(teacher, hparams["teacher_mode"])


def run_evaluate(hparams, run_opts):
    """Scores every method on the fixed test sets; writes tables and figures."""
    start = time.time()
    device = run_opts.get("device", "cpu")
    output = Path(hparams["stage_folder"])
    methods = {
        name: None if stage is None else load_method_model(hparams, stage)
        for name, stage in hparams["methods"].items()
    }
    optional = finished_optional_methods(hparams)
    waiting = [name for name in hparams["optional_methods"] if name not in optional]
    if waiting:
        logger.info(
            "Optional rows left out (their stage has not finished in %s; "
            "remixit_external.yaml and srst_external.yaml train them): %s",
            hparams["output_folder"],
            ", ".join(waiting),
        )
    methods.update(
        {name: load_method_model(hparams, stage) for name, stage in optional.items()}
    )
    peers = peers_from_setting(hparams["off_the_shelf_peers"])
    methods.update(peers)
    dnsmos = use_dnsmos(hparams["dnsmos"])
    rows = []
    for set_name, names in hparams["test_sets"].items():
        if set_name in hparams["optional_sets"]:
            names = list(names) + list(optional)
        if set_name in hparams["off_the_shelf_sets"]:
            names = list(names) + list(peers)
        scored = dnsmos and set_name in hparams["dnsmos_sets"]
        datasets = {
            (set_name, snr): data for snr, data in test_sets(hparams, set_name).items()
        }
        if not datasets:
            logger.warning("No %s test set was prepared: it is left out.", set_name)
            continue
        rows += evaluate_methods(
            {name: methods[name] for name in names},
            datasets,
            str(output),
            num_workers=hparams["metric_workers"],
            device=device,
            csv_name=f"per_utterance_{set_name}.csv",
            metric_fn=compute_metrics_dnsmos if scored else compute_metrics,
        )
    write_rows_csv(rows, output / "per_utterance.csv")
    selection = Path(hparams["selection_folder"])
    figure3(
        read_json(selection / "scores_train.json"),
        read_json(selection / "scores_target_train.json"),
        hparams["keep_fraction"],
        output / "figure3_domain_scores.png",
    )
    run_folder = Path(hparams["output_folder"])
    stages = list(hparams["training_stages"]) + list(optional.values())
    logs = {
        stage: run_folder / stage / "train_log.txt"
        for stage in stages
        if (run_folder / stage / "train_log.txt").is_file()
    }
    training_curves(logs, output / "training_curves.png")
    training = stage_seconds(hparams, stages)
    evaluation = time.time() - start
    markdown = write_report(
        output,
        rows,
        list(hparams["methods"]) + list(optional) + list(peers),
        {
            "table1": {"metrics": METRICS + (DNSMOS_METRICS if dnsmos else ())},
            "title": f"Results: {hparams['experiment_name']}, seed {hparams['seed']}",
            "hardware": hardware_description(device),
            "wall_time": f"{training + evaluation:.0f} s in all "
            f"({training:.0f} s training, {evaluation:.0f} s evaluation)",
            "figures": {
                "Figure 3: domain scores after DANN": "figure3_domain_scores.png",
                "Training curves of every stage": "training_curves.png",
            },
            "notice": smoke_notice(hparams),
        },
    )
    print(markdown)
    print(f"Results, per-utterance metrics and figures are in {output.resolve()}")
    if smoke_notice(hparams):
        print(smoke_notice(hparams).replace("**", ""))
    return {"results": str(output / "results.md"), "optional_methods": list(optional)}


def on_main_process(function):
    """Runs a stage on the main process only; the others wait for it (DDP).

    ``run_on_main`` marks the call as main-only, so the collective calls
    that SpeechBrain makes inside main-only functions (``main_process_only``
    broadcasts its result) are skipped instead of waiting for processes
    that never come; every process gets the stage's result.
    """

    def run(hparams, run_opts):
        return run_on_main(function, args=[hparams, run_opts])

    return run


STAGES = {
    "supervised": run_supervised,
    "classifier": run_classifier,
    "dann": run_dann,
    "adabn": on_main_process(run_adabn),
    "selection": on_main_process(run_selection),
    "self_training": run_self_training,
    "evaluate": on_main_process(run_evaluate),
}


# -------------------------------------------------------------------- chain
def run_stage(hparams_file, run_opts, overrides):
    """Runs one stage: data preparation, experiment folder, training, marker.

    The corpora are checked (and the data prepared) before the stage's
    folder or any of its objects is created, so a bad corpus folder leaves
    no stage folder behind.
    """
    settings = read_settings(hparams_file, overrides)
    if settings.get("stage") not in STAGES:
        raise ValueError(f"{hparams_file}: unknown stage '{settings.get('stage')}'.")
    start = time.time()
    prepare_data(settings)
    folder = stage_folder(settings, hparams_file)
    run_on_main(check_writable, args=[folder])
    with quiet_seed_log():  # the seed is named in the "Stage" line below
        hparams = load_stage(hparams_file, overrides)
    stage = hparams["stage"]
    sb.create_experiment_directory(
        experiment_directory=folder,
        hyperparams_to_save=str(hparams_file),
        overrides=overrides,
    )
    logger.info(
        "Stage %s (%s), seed %s", hparams["stage_name"], hparams_file, hparams["seed"]
    )
    results = STAGES[stage](hparams, run_opts)
    seconds = round(time.time() - start, 1)
    if if_main_process():
        mark_done(
            folder,
            {
                "stage": hparams["stage_name"],
                "seconds": seconds,
                "results": results,
                "settings": stage_settings(hparams_file, overrides, run_opts),
                "data": current_data(settings),
            },
        )
    logger.info(
        "Stage %s finished in %.0f s: %s",
        hparams["stage_name"],
        seconds,
        format_results(results),
    )
    return results


def prerequisites(hparams):
    """The YAML files a stage needs first (``requires``, next to its own)."""
    return hparams["requires"]


def next_stages(hparams):
    """The YAML files to run after a stage (``then``, optional)."""
    return hparams.get("then", [])


CHAIN = {"prerequisites": prerequisites, "next_stages": next_stages}
"""How the recipe's YAMLs name the stages before and after them."""


def plan_command(hparams_file, run_opts, overrides):
    """The stages a command runs, in order, each with its overrides.

    Raises
    ------
    UnknownOverrideError
        An override that no stage of the chain defines.
    StageSettingsError
        A finished stage whose settings differ from the command's.
    """
    check_override_keys(hparams_file, overrides, **CHAIN)
    check_external_teacher(hparams_file, overrides)
    plan = {}
    data = data_identity_once()
    after = follow_ups(hparams_file, overrides, next_stages=next_stages)
    for stage_file in [hparams_file, *after]:
        stage_overrides = overrides_for_planned(stage_file, hparams_file, overrides)
        for planned in stage_plan(
            stage_file,
            stage_overrides,
            prerequisites=prerequisites,
            run_opts=run_opts,
            finished=stage_finished,
            data_identity=data,
        ):
            plan.setdefault(
                planned, overrides_for_planned(planned, hparams_file, overrides)
            )
    return list(plan.items())


def show_finished(hparams_file, overrides):
    """Says that nothing is left to run and shows the command's results again."""
    after = follow_ups(hparams_file, overrides, next_stages=next_stages)
    stages = [Path(hparams_file).resolve(), *after]
    found = finished_results(
        stages, lambda path: overrides_for_planned(path, hparams_file, overrides)
    )
    print(f"{hparams_file}: every stage has finished already, nothing to do.")
    if found is not None:
        markdown, path = found
        print(markdown)
        print(f"These results (from the finished run) are in {path}")
        return
    settings = read_settings(hparams_file, overrides)
    folder = Path(stage_folder(settings, hparams_file))
    marker = read_marker(folder)
    print(
        f"{settings.get('stage_name')} ({folder.resolve()}): "
        f"{format_results(marker.get('results', {}))}"
    )


def run_chain(hparams_file, run_opts, overrides):
    """Runs the requested stage after its missing prerequisites, then its follow-ups.

    A command whose stages have all finished shows its results again.

    Raises
    ------
    UnknownOverrideError, StageSettingsError
        See :func:`plan_command` (raised before any stage runs).
    """
    plan = plan_command(hparams_file, run_opts, overrides)
    console_logging()
    for planned, stage_overrides in plan:
        run_stage(planned, run_opts, stage_overrides)
    if not plan and if_main_process():
        show_finished(hparams_file, overrides)


def evaluation_folder(hparams_file, overrides):
    """The results folder of the chain's evaluation stage (``None`` if it has none)."""
    after = follow_ups(hparams_file, overrides, next_stages=next_stages)
    for stage_file in [hparams_file, *after]:
        stage_overrides = overrides_for_planned(stage_file, hparams_file, overrides)
        hparams = read_settings(stage_file, stage_overrides)  # builds nothing
        if hparams["stage"] == "evaluate":
            folder = stage_folder(hparams, stage_file)
            return Path(folder), Path(hparams["experiment_folder"])
    return None


def run_seeds(hparams_file, run_opts, overrides, seeds):
    """Runs the chain once per seed, then aggregates the seeds' results.

    Each seed runs in its own folder (``<experiment>/<seed>/``); finished
    stages and seeds are reused; the benchmark data (``data_seed``) is built
    once and shared. The report goes to ``<experiment>/seeds_<a>_<b>_.../``.
    """
    overrides = parse_overrides(overrides)
    if "output_folder" in overrides:
        sys.exit(
            "--seeds with --output_folder: every seed would write into the one "
            "run folder and reuse the first seed's stages. Leave --output_folder "
            "out (each seed then runs in <results_root>/<experiment_name>/<seed>)."
        )
    folders = {}
    for seed in seeds:
        if if_main_process():  # printed: logging is set up by the first stage
            print(f"Seed {seed} ({len(folders) + 1} of {len(seeds)})", flush=True)
        seed_overrides = {**overrides, "seed": seed}
        run_chain(hparams_file, run_opts, seed_overrides)
        folders[seed] = evaluation_folder(hparams_file, seed_overrides)
    if not if_main_process():
        return
    if any(folder is None for folder in folders.values()):
        print(f"{hparams_file}: the chain has no evaluation: no report over seeds.")
        return
    experiment = folders[seeds[0]][1]
    output = experiment / seeds_folder_name(seeds)
    result = write_aggregate(
        {seed: folder for seed, (folder, _) in folders.items()},
        output,
        title=f"Results over seeds {', '.join(map(str, seeds))}: {experiment.name}",
    )
    print(result["markdown"])
    print(f"Results over the seeds are in {output.resolve()}")


COMMAND_OPTIONS = (
    (
        "--seeds 1234,1235,1236",
        "run the whole chain once per seed, then one report over the seeds",
    ),
    (
        '--then "[evaluate.yaml]"',
        "stages to run after the named one, on any stage ('[]': none)",
    ),
)
"""Options of ``train.py`` itself, listed first by ``--help``."""


def main(argv):
    """Runs the chain, or with ``--seeds A,B,C`` once per seed and aggregates."""
    if "-h" in argv or "--help" in argv:
        yamls = [a for a in argv if a.endswith(".yaml") and Path(a).is_file()]
        if yamls:  # the options of that command's stages
            files = chain_files(yamls[0], **CHAIN)
        else:
            files = sorted((Path(__file__).parent / "hparams").glob("*.yaml"))
        print(recipe_help(files, COMMAND_OPTIONS), end="\n\n")
        print("SpeechBrain's options:")
    seeds, argv = split_seeds_argument(argv)
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    sb.utils.distributed.ddp_init_group(run_opts)
    try:
        if seeds is None:
            run_chain(hparams_file, run_opts, overrides)
        else:
            run_seeds(hparams_file, run_opts, overrides, seeds)
    except (
        UnknownOverrideError,
        StageSettingsError,
        CorpusError,
        UnknownTeacherError,
        PeerNotInstalledError,
    ) as error:
        # settings are checked before any stage runs, corpora before any
        # stage folder is written
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    finally:
        # Left to the interpreter's exit, the gloo threads of a DDP run are
        # torn down in no set order; a rank then aborts ("terminate called
        # without an active exception") after its work is done.
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
