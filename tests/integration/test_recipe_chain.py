"""Tiny end-to-end runs of every stage of the recipe on the smoke benchmark.

Each row of ``tests/recipes/DNS.csv`` is run as a user would run it, in the
order of the chain, into one temporary results folder; later stages reuse
the earlier ones, as the recipe promises. As SpeechBrain's recipe-test runner
does, every row gets ``--output_folder``: the stages write below it
(``<output_folder>/<stage>/``); ``--results_root`` keeps the prepared data
in the temporary folder too.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from speechbrain_srst.benchmark.build import BENCHMARK_VERSION
from speechbrain_srst.chain import read_settings
from speechbrain_srst.data.experiment import (
    MANIFESTS_KEY,
    data_identity,
    prepare_experiment_data,
)
from speechbrain_srst.data.prepare import PREPARE_VERSION
from speechbrain_srst.dnsmos import dnsmos_available
from speechbrain_srst.peers import DISPLAY_NAMES, installed_peers
from speechbrain_srst.teachers import installed_teachers, missing_teacher_message

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "DNS" / "domain_adaptation"
ORDER = [
    "supervised",
    "classifier",
    "dann",
    "dann_control",
    "source_adabn",
    "selection",
    "srst_random",
    "remixit",
    "dann_remixit",
    "target",
    "remixit_external",
    "srst_external",
    "srst",
    "evaluate",
]
EXTERNAL = {
    "remixit_external": "remixit_deepfilternet3",
    "srst_external": "srst_deepfilternet3",
}
"""The external-teacher rows (their own commands, not in the chain of
srst.yaml) and their stage folders. They run before srst here, so that its
evaluation adds their rows; without DeepFilterNet 3's package they are left
out and their tests skipped."""
TEACHER_INSTALLED = "deepfilternet3" in installed_teachers()
needs_teacher = pytest.mark.skipif(
    not TEACHER_INSTALLED, reason=missing_teacher_message("deepfilternet3")
)
EXTERNAL_METHODS = [
    "RemixIT (teacher: DeepFilterNet 3)",
    "SRST (similar source, teacher: DeepFilterNet 3)",
]
METHODS = [
    "Noisy",
    "Source model",
    "RemixIT",
    "DANN",
    "DANN+RemixIT",
    "SRST (random source)",
    "SRST (similar source)",
    "Target model",
    "Control: source model + AdaBN",
    "Control: DANN, beta = 0, no target",
]


def run_train(
    hparams_name, flags, results_root, extra=(), returncode=0, output_folder=None
):
    command = [
        sys.executable,
        "train.py",
        f"hparams/{hparams_name}.yaml",
        *flags.split(),
        f"--results_root={results_root}",
        f"--output_folder={output_folder or rows_folder(results_root)}",
        *extra,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    # 30 min: a guard against hangs; the srst row also runs the evaluation
    # (every method, the peers and DNSMOS), over 15 min on 2 busy cores
    done = subprocess.run(
        command, cwd=RECIPE, capture_output=True, text=True, env=env, timeout=1800
    )
    assert done.returncode == returncode, done.stdout[-3000:] + done.stderr[-5000:]
    return done.stdout + done.stderr


def rows_folder(results_root):
    """The ``--output_folder`` every row gets (the run folder of the chain)."""
    return results_root / "tests" / "tmp" / "DNS_rows"


def rows_by_stage():
    with open(ROOT / "tests" / "recipes" / "DNS.csv", newline="") as handle:
        return {Path(r["Hparam_file"]).stem: r for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """Runs every recipe row once; returns the experiment folder and logs."""
    results_root = tmp_path_factory.mktemp("results")
    rows = rows_by_stage()
    assert sorted(rows) == sorted(ORDER)
    logs = {}
    for stage in ORDER:
        if stage in EXTERNAL and not TEACHER_INSTALLED:
            continue
        logs[stage] = run_train(stage, rows[stage]["test_debug_flags"], results_root)
    experiment = rows_folder(results_root)
    # Only the data goes to the experiment folder; no stage writes there.
    assert sorted(p.name for p in (results_root / "benchmark_smoke").iterdir()) == [
        "data"
    ]
    return experiment, logs, rows, results_root


def load_state(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def encoder_tensors(state):
    return {k: v for k, v in state.items() if k.startswith("encoder.")}


def test_every_row_passes_its_debug_checks(chain):
    experiment, logs, rows, _ = chain
    for stage, row in rows.items():
        if stage not in logs:  # an external-teacher row without its package
            continue
        listed = re.match(r"file_exists=\[(.*)\]", row["test_debug_checks"]).group(1)
        for name in listed.split(","):
            assert (experiment / name.strip()).is_file(), (stage, name)


def test_finished_prerequisites_are_reused_not_retrained(chain):
    _, logs, _, _ = chain
    assert "Stage supervised" in logs["supervised"]
    assert "Stage supervised" not in logs["srst"]
    assert "Stage dann" not in logs["srst_random"]
    assert "Stage srst_random" in logs["srst_random"]
    assert "nothing to do" in logs["evaluate"]


def test_rerunning_a_finished_stage_does_nothing(chain):
    experiment, _, rows, results_root = chain
    log = run_train("srst", rows["srst"]["test_debug_flags"], results_root)
    assert "nothing to do" in log
    assert "Going into epoch" not in log
    # ... but shows the command's results again, and where they are
    assert "| SRST (similar source) |" in log
    assert f"are in {(experiment / 'results' / 'results.md').resolve()}" in log


def test_other_settings_for_a_finished_stage_stop_the_run(chain):
    experiment, _, rows, results_root = chain
    flags = rows["srst"]["test_debug_flags"].replace(
        "--number_of_epochs=1", "--number_of_epochs=2"
    )
    log = run_train("srst", flags + " --then=[]", results_root, returncode=2)
    assert "number_of_epochs: 1 in the finished run, 2 now" in log
    assert str((experiment / "srst").resolve()) in log
    assert "--output_folder NEW_FOLDER" in log  # the run folder the rows name
    assert "Going into epoch" not in log and "Traceback" not in log
    # A corpus folder given for a finished benchmark run, likewise.
    log = run_train(
        "srst",
        rows["srst"]["test_debug_flags"],
        results_root,
        extra=[f"--dns_folder={results_root / 'empty'}"],
        returncode=2,
    )
    assert "dns_folder: None in the finished run" in log


def test_a_stage_trained_on_another_benchmark_version_stops_the_run(chain):
    """Every marker records the data it was trained on; after a benchmark
    upgrade a finished stage is refused, not reused on the rebuilt data."""
    experiment, _, rows, results_root = chain
    recorded = {
        json.dumps(json.loads(done.read_text())["data"], sort_keys=True)
        for done in experiment.glob("*/stage_done.json")
    }
    assert len(recorded) == 1  # every stage of the run: the same data
    data = json.loads(recorded.pop())
    assert data["benchmark_version"] == BENCHMARK_VERSION
    assert data["prepare_version"] == PREPARE_VERSION
    assert re.fullmatch("[0-9a-f]{64}", data[MANIFESTS_KEY])
    # A run whose source model was trained on the previous benchmark version
    old = results_root / "old_benchmark_run"
    shutil.copytree(experiment / "supervised", old / "supervised")
    marker_file = old / "supervised" / "stage_done.json"
    marker = json.loads(marker_file.read_text())
    marker["data"]["benchmark_version"] = BENCHMARK_VERSION - 1
    marker_file.write_text(json.dumps(marker))
    flags = rows["classifier"]["test_debug_flags"]
    log = run_train("classifier", flags, results_root, returncode=2, output_folder=old)
    assert (
        f"benchmark_version: {BENCHMARK_VERSION - 1} in the finished run, "
        f"{BENCHMARK_VERSION} now"
    ) in log
    assert str((old / "supervised").resolve()) in log
    assert "Going into epoch" not in log and "Traceback" not in log
    assert not (old / "classifier").exists()
    # ... and one whose manifests were rebuilt differently since
    marker["data"] = {**data, MANIFESTS_KEY: "0" * 64}
    marker_file.write_text(json.dumps(marker))
    log = run_train("classifier", flags, results_root, returncode=2, output_folder=old)
    assert f"{MANIFESTS_KEY}: {'0' * 64!r} in the finished run" in log


def test_a_moved_run_folder_is_still_the_same_data(chain, tmp_path):
    """Copying the results elsewhere (manifests naming the old place) and the
    manifests written anew there give the recorded data identity."""
    experiment, _, rows, results_root = chain
    data = json.loads((experiment / "supervised" / "stage_done.json").read_text())
    moved_root = tmp_path / "moved"
    shutil.copytree(results_root / "benchmark_smoke", moved_root / "benchmark_smoke")
    moved_data = moved_root / "benchmark_smoke" / "data"
    assert data_identity(moved_data) == data["data"]
    moved_run = moved_root / "run"
    shutil.copytree(experiment / "supervised", moved_run / "supervised")
    flags = rows["supervised"]["test_debug_flags"]
    log = run_train("supervised", flags, moved_root, output_folder=moved_run)
    assert "nothing to do" in log and "other data" not in log
    # the manifests written anew at the new place name it, and are the same data
    settings = read_settings(RECIPE / "hparams" / "supervised.yaml", {})
    prepare_experiment_data(
        moved_data,
        benchmark_size="smoke",
        prepare_sizes=settings["prepare_sizes"],
        test_snrs=settings["test_snrs"],
        data_seed=settings["data_seed"],
    )
    written = (moved_data / "manifests" / "source_train.json").read_text()
    assert str(moved_data.resolve()) in written
    assert str(results_root.resolve()) not in written
    assert data_identity(moved_data) == data["data"]


def test_a_mistyped_option_names_the_closest_one(chain):
    _, _, rows, results_root = chain
    flags = rows["srst"]["test_debug_flags"]
    log = run_train("srst", flags + " --numbr_of_epochs=2", results_root, returncode=2)
    assert "Unknown option --numbr_of_epochs" in log
    assert "Did you mean --number_of_epochs?" in log


def test_help_lists_the_recipe_options():
    done = subprocess.run(
        [sys.executable, "train.py", "--help"],
        cwd=RECIPE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for option in ("--benchmark_size", "--then", "--librispeech_folder",
                   "--wham_folder", "--dns_folder", "--experiment_name",
                   "--seed", "--number_of_epochs", "--device", "--debug"):  # fmt: skip
        assert option in done.stdout, option
    # the command's own options first, --then once and not as a YAML key of
    # some stages only
    own = done.stdout.split("Options of the command:")[1].split("Options of every")[0]
    assert "--seeds 1234,1235,1236" in own and "--then" in own and "any stage" in own
    assert done.stdout.count("--then") == 1


def test_a_bad_corpus_folder_leaves_no_stage_folder(tmp_path):
    empty = tmp_path / "empty_dns"
    empty.mkdir()
    command = [
        sys.executable,
        "train.py",
        "hparams/srst.yaml",
        f"--dns_folder={empty}",
        "--experiment_name=bad_corpus",
        f"--results_root={tmp_path / 'results'}",
    ]
    done = subprocess.run(
        command, cwd=RECIPE, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2
    assert "error: DNS clean folder not found" in done.stderr
    assert "empty_dns" in done.stderr and "Traceback" not in done.stderr
    experiment = tmp_path / "results" / "bad_corpus"
    assert not (experiment / "1234").exists(), sorted(experiment.rglob("*"))


def test_classifier_stage_leaves_the_encoder_unchanged(chain):
    experiment = chain[0]
    source = load_state(experiment / "supervised" / "model" / "model.ckpt")
    after = load_state(experiment / "classifier" / "model" / "model.ckpt")
    assert source.keys() == after.keys()
    for name, value in source.items():
        assert torch.equal(value, after[name]), name
    classifier = load_state(experiment / "classifier" / "model" / "classifier.ckpt")
    assert classifier, "the classifier stage exported no classifier"


def test_dann_stage_changes_the_encoder_and_the_classifier(chain):
    experiment = chain[0]
    source = encoder_tensors(
        load_state(experiment / "supervised" / "model" / "model.ckpt")
    )
    dann = encoder_tensors(load_state(experiment / "dann" / "model" / "model.ckpt"))
    changed = [
        n
        for n, v in source.items()
        if v.is_floating_point() and not torch.equal(v, dann[n])
    ]
    assert len(changed) > len(source) // 2
    before = load_state(experiment / "classifier" / "model" / "classifier.ckpt")
    after = load_state(experiment / "dann" / "model" / "classifier.ckpt")
    assert any(not torch.equal(before[n], after[n]) for n in before)


def test_dann_logs_discriminator_accuracy_per_epoch(chain):
    log = (chain[0] / "dann" / "train_log.txt").read_text()
    assert "train disc_accuracy" in log and "valid disc_accuracy" in log


def test_selection_keeps_the_most_target_like_30_percent(chain):
    folder = chain[0] / "selection"
    scores = json.loads((folder / "scores_train.json").read_text())
    similar = json.loads((folder / "similar_train.json").read_text())
    random_pool = json.loads((folder / "random_train.json").read_text())
    assert len(similar) == len(random_pool) == round(0.3 * len(scores))
    lowest_kept = min(scores[i] for i in similar)
    assert all(scores[i] <= lowest_kept for i in set(scores) - set(similar))


def test_static_teacher_never_changes_during_srst(chain):
    experiment = chain[0]
    dann = load_state(experiment / "dann" / "model" / "model.ckpt")
    checkpoints = sorted((experiment / "srst" / "save").glob("CKPT*"))
    assert checkpoints
    teacher = load_state(checkpoints[-1] / "teacher.ckpt")
    for name, value in dann.items():
        assert torch.equal(value, teacher[name]), name
    student = load_state(experiment / "srst" / "model" / "model.ckpt")
    assert any(not torch.equal(dann[n], student[n]) for n in dann)


def test_self_training_logs_pseudo_label_monitoring(chain):
    log = (chain[0] / "srst" / "train_log.txt").read_text()
    assert "valid src_si_sdr" in log and "valid tgt_si_sdr" in log
    assert "train source_share: 3.00e-01" in log
    remixit_log = (chain[0] / "remixit" / "train_log.txt").read_text()
    assert "source_loss" not in remixit_log


def test_stage_markers_record_test_results(chain):
    marker = json.loads((chain[0] / "dann" / "stage_done.json").read_text())
    assert set(marker["results"]["test"]) == {"snr-5", "snr0", "snr5"}
    # ... and the train log one number per entry, never a raw dict
    log = (chain[0] / "dann" / "train_log.txt").read_text()
    assert "test set: target_test - test snr-5 si_sdr: " in log
    assert "{'" not in log


def test_evaluation_covers_every_method_snr_and_metric(chain):
    results = chain[0] / "results"
    rows = list(csv.DictReader(open(results / "per_utterance.csv")))
    target_rows = [r for r in rows if r["set"] == "target_test"]
    # off_the_shelf_peers: auto adds the peers installed here (target_test only)
    peers = [DISPLAY_NAMES[name] for name in installed_peers()]
    students = EXTERNAL_METHODS if TEACHER_INSTALLED else []
    assert {r["method"] for r in target_rows} == set(METHODS + students + peers)
    assert {r["snr"] for r in target_rows} == {"-5", "0", "5"}
    english = {r["method"] for r in rows if r["set"] == "english_test"}
    assert english == {"Noisy", "Source model", "Target model"}
    table = (results / "results.md").read_text()
    for method in METHODS + students + peers:
        assert f"| {method} |" in table, method
    dnsmos = ("DNSMOS SIG", "DNSMOS BAK", "DNSMOS OVRL") if dnsmos_available() else ()
    for snr in (-5, 0, 5):
        for metric in ("PESQ", "STOI", "SI-SDR (dB)", "SI-SDRi (dB)", *dnsmos):
            assert f"SNR={snr} {metric}" in table
    if dnsmos:
        ovrl = [float(r["dnsmos_ovrl"]) for r in target_rows]
        assert all(0.5 <= value <= 5.0 for value in ovrl), ovrl  # calibrated 1-5
        srst_log = (chain[0] / "srst" / "train_log.txt").read_text()
        assert "valid tgt_dnsmos_ovrl" in srst_log
    assert "Table 2" in table and "Gap" in table
    assert "**Smoke size: these numbers are meaningless.**" in table


def test_noisy_row_scores_the_unprocessed_input(chain):
    rows = list(csv.DictReader(open(chain[0] / "results" / "per_utterance.csv")))
    noisy = [float(r["si_sdri"]) for r in rows if r["method"] == "Noisy"]
    assert noisy and all(abs(value) < 1e-6 for value in noisy)


def test_srst_yaml_ends_with_the_evaluation(chain):
    _, logs, _, _ = chain
    assert "Stage evaluate" in logs["srst"]
    assert "Results, per-utterance metrics and figures are in" in logs["srst"]
    assert "Smoke size: these numbers are meaningless." in logs["srst"]


def test_console_summaries_are_readable(chain):
    _, logs, _, _ = chain
    assert "Stage dann finished in" in logs["dann"]
    assert "Stage srst finished in" in logs["srst"]
    for stage, log in logs.items():
        assert "{'snr" not in log and "'si_sdr':" not in log, stage  # no raw dicts
        assert "Setting seed" not in log, stage
    assert "Stage srst (" in logs["srst"] and "seed 1234" in logs["srst"]


def test_seeds_reuse_finished_seeds_and_write_one_report(chain):
    """``--seeds``: finished seeds run nothing; the report sits beside them."""
    rows_run, _, rows, results_root = chain
    # --seeds runs each seed in <results_root>/<experiment>/<seed> (no
    # --output_folder): two finished seeds, copies of the rows' run folder.
    experiment = results_root / "benchmark_smoke" / "1234"
    shutil.copytree(rows_run, experiment)
    shutil.copytree(rows_run, experiment.parent / "1235")
    # The copies' markers record seed 1234 and the rows' paths; a real
    # seed-1235 run records its own, so drop the 1235 copy's recorded settings
    # (reused unchecked). The 1234 copy differs only in paths the command
    # does not give (a warning, reused).
    for marker in (experiment.parent / "1235").glob("*/stage_done.json"):
        record = json.loads(marker.read_text())
        record.pop("settings", None)
        marker.write_text(json.dumps(record))
    command = [
        sys.executable,
        "train.py",
        "hparams/srst.yaml",
        *rows["srst"]["test_debug_flags"].split(),
        f"--results_root={results_root}",
        "--seeds",
        "1234,1235",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    done = subprocess.run(
        command, cwd=RECIPE, capture_output=True, text=True, env=env, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    log = done.stdout + done.stderr
    assert "Going into epoch" not in log
    assert "Seed 1234 (1 of 2)" in log and "Seed 1235 (2 of 2)" in log
    assert log.count("every stage has finished already") == 2, log[-3000:]
    report = experiment.parent / "seeds_1234_1235"
    text = (report / "results.md").read_text()
    for method in METHODS:
        assert f"| {method} |" in text, (method, text[:3000])
    means = list(csv.DictReader(open(report / "means.csv")))
    per_seed = list(csv.DictReader(open(experiment / "results" / "per_utterance.csv")))
    dann = [
        float(r["si_sdri"])
        for r in per_seed
        if r["method"] == "DANN" and r["set"] == "target_test"
    ]
    pooled = next(
        r
        for r in means
        if (r["method"], r["set"], r["snr"], r["metric"])
        == ("DANN", "target_test", "all", "si_sdri")
    )
    # Two identical seeds: the mean is the single seed's mean.
    assert float(pooled["mean"]) == pytest.approx(sum(dann) / len(dann), abs=1e-9)
    assert pooled["seeds"] == "2"


@needs_teacher
def test_external_teacher_stages_reuse_the_chain_and_label_once(chain):
    experiment, logs, _, _ = chain
    # their own commands: the finished prerequisites are reused
    assert "Stage remixit_deepfilternet3" in logs["remixit_external"]
    assert "Stage supervised" not in logs["remixit_external"]
    assert "Stage srst_deepfilternet3" in logs["srst_external"]
    assert "Stage dann" not in logs["srst_external"]
    assert "Stage evaluate" not in logs["srst_external"]  # --then=[] in the row
    for stage in EXTERNAL.values():
        marker = json.loads((experiment / stage / "stage_done.json").read_text())
        teacher = marker["results"]["teacher"]
        assert (teacher["peer"], teacher["delay"], teacher["sample_rate"]) == (
            "DeepFilterNet3",
            1440,
            48000,
        )
        assert teacher["residual_lag"] == 0 and teacher["version"]
    # one teacher, one cache folder, shared by both stages
    folders = [p for p in (experiment / "pseudo_labels").iterdir() if p.is_dir()]
    assert len(folders) == 1
    identity = json.loads((folders[0] / "teacher.json").read_text())
    assert identity["teacher"]["peer"] == "DeepFilterNet3"
    assert any(p.name.startswith("target_train_") for p in folders[0].iterdir())


@needs_teacher
def test_external_teacher_students_start_from_the_papers_models(chain):
    experiment = chain[0]
    for stage, start in (
        ("remixit_deepfilternet3", "supervised"),
        ("srst_deepfilternet3", "dann"),
    ):
        student = load_state(experiment / stage / "model" / "model.ckpt")
        origin = load_state(experiment / start / "model" / "model.ckpt")
        assert student.keys() == origin.keys()
        assert any(not torch.equal(student[n], origin[n]) for n in origin), stage
        assert not (
            experiment / stage / "save" / "pretrained" / "teacher.ckpt"
        ).exists()
    log = (experiment / "srst_deepfilternet3" / "train_log.txt").read_text()
    assert "train source_share: 3.00e-01" in log and "valid teacher_tgt_si_sdr" in log
    results = json.loads((experiment / "results" / "stage_done.json").read_text())
    assert results["results"]["optional_methods"] == EXTERNAL_METHODS
