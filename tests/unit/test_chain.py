"""Tests of the stage chain: overrides, prerequisites, reuse markers."""

import logging
from pathlib import Path

import pytest

from speechbrain_srst.chain import (
    StageDataError,
    StageSettingsError,
    UnknownOverrideError,
    UnknownStageError,
    chain_files,
    check_override_keys,
    check_writable,
    follow_ups,
    mark_done,
    overrides_for,
    overrides_for_planned,
    read_marker,
    read_settings,
    stage_folder,
    stage_plan,
    stage_settings,
)

STAGE = """\
seed: 1
root: {root}
output_folder: !ref <root>
stage_folder: !ref <output_folder>/{name}
requires: {requires}
"""


def write_stage(folder, name, requires, root):
    path = folder / f"{name}.yaml"
    path.write_text(STAGE.format(root=root, name=name, requires=requires))
    return path


@pytest.fixture
def stages(tmp_path):
    hparams = tmp_path / "hparams"
    hparams.mkdir()
    root = tmp_path / "results"
    write_stage(hparams, "a", "[]", root)
    write_stage(hparams, "b", "[a.yaml]", root)
    write_stage(hparams, "c", "[a.yaml, b.yaml]", root)
    return hparams, root


def names(plan):
    return [path.stem for path in plan]


def plan(hparams_file, overrides=None):
    """The plan with the recipe's prerequisites (the ``requires`` list)."""
    return stage_plan(
        hparams_file, overrides, prerequisites=lambda hparams: hparams["requires"]
    )


def test_plan_runs_prerequisites_first_and_once(stages):
    hparams, _ = stages
    assert names(plan(hparams / "c.yaml")) == ["a", "b", "c"]


def test_finished_stages_are_left_out(stages):
    hparams, root = stages
    (root / "a").mkdir(parents=True)
    mark_done(root / "a")
    assert names(plan(hparams / "c.yaml")) == ["b", "c"]
    (root / "c").mkdir(parents=True)
    mark_done(root / "c")
    assert plan(hparams / "c.yaml") == []


def test_overrides_reach_every_stage(stages, tmp_path):
    hparams, _ = stages
    other = tmp_path / "other"
    planned = plan(hparams / "c.yaml", {"root": str(other)})
    assert names(planned) == ["a", "b", "c"]
    (other / "a").mkdir(parents=True)
    mark_done(other / "a")
    assert names(plan(hparams / "c.yaml", f"root: {other}")) == ["b", "c"]


def test_unknown_override_keys_are_dropped_per_stage(stages):
    hparams, _ = stages
    assert overrides_for(hparams / "a.yaml", {"seed": 5, "beta": 0.1}) == {"seed": 5}


def test_missing_prerequisite_file_is_named(stages):
    hparams, root = stages
    write_stage(hparams, "d", "[nope.yaml]", root)
    with pytest.raises(UnknownStageError, match="d.yaml names the stage nope.yaml"):
        plan(hparams / "d.yaml")


def test_cycles_are_an_error_naming_the_cycle(tmp_path):
    root = tmp_path / "results"
    write_stage(tmp_path, "x", "[y.yaml]", root)
    write_stage(tmp_path, "y", "[x.yaml]", root)
    with pytest.raises(ValueError, match="x.yaml -> y.yaml -> x.yaml"):
        plan(tmp_path / "x.yaml")


def test_unwritable_output_folder_is_named(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="a_file"):
        check_writable(blocker / "stage")


def test_markers_record_and_read_back(tmp_path):
    assert read_marker(tmp_path) == {}
    mark_done(tmp_path, {"seconds": 12.5})
    assert read_marker(tmp_path)["seconds"] == 12.5


NAMED_STAGE = """\
seed: 1
root: {root}
stage_name: {name}
output_folder: !ref <root>
stage_folder: !ref <output_folder>/<stage_name>
requires: {requires}
"""


def test_stage_name_override_renames_only_the_requested_stage(tmp_path):
    hparams, root = tmp_path / "hparams", tmp_path / "results"
    hparams.mkdir()
    for name, requires in (("base", "[]"), ("dann", "[base.yaml]")):
        text = NAMED_STAGE.format(root=root, name=name, requires=requires)
        (hparams / f"{name}.yaml").write_text(text)
    (root / "base").mkdir(parents=True)
    mark_done(root / "base")
    overrides = {"stage_name": "dann_b2", "seed": 7}
    # The finished base stage is reused, not retrained under the new name.
    assert names(plan(hparams / "dann.yaml", overrides)) == ["dann"]
    requested, base = hparams / "dann.yaml", hparams / "base.yaml"
    assert overrides_for_planned(requested, requested, overrides) == overrides
    assert overrides_for_planned(base, requested, overrides) == {"seed": 7}


def test_output_folder_override_moves_the_whole_chain(stages, tmp_path):
    hparams, root = stages
    run = tmp_path / "tests" / "tmp" / "row"
    requested = {"output_folder": str(run), "stage_folder": str(tmp_path / "x")}
    assert names(plan(hparams / "b.yaml", {"output_folder": str(run)})) == ["a", "b"]
    (run / "a").mkdir(parents=True)
    mark_done(run / "a")
    # Finished in the run folder given: reused there, not looked up in root.
    assert names(plan(hparams / "b.yaml", {"output_folder": str(run)})) == ["b"]
    assert not (root / "a").exists()
    prerequisite = overrides_for_planned(
        hparams / "a.yaml", hparams / "b.yaml", requested
    )
    assert prerequisite == {"output_folder": str(run)}


def test_yaml_without_stage_folder_names_the_fix(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("seed: 1\noutput_folder: results/1/old\nrequires: []\n")
    with pytest.raises(KeyError, match="old.yaml has no 'stage_folder'.*<stage_name>"):
        plan(path)


def test_follow_ups_are_paths_next_to_the_stage(stages):
    hparams, _ = stages
    after = follow_ups(hparams / "a.yaml", next_stages=lambda h: ["b.yaml", "c.yaml"])
    assert after == [(hparams / "b.yaml").resolve(), (hparams / "c.yaml").resolve()]


# ------------------------------------------------ the recipe's own YAMLs
RECIPE_HPARAMS = (
    Path(__file__).resolve().parents[2] / "recipes/DNS/domain_adaptation/hparams"
)
REQUIRES = {"prerequisites": lambda hparams: hparams["requires"]}
THEN = {"next_stages": lambda hparams: hparams.get("then", [])}
CHAIN = {**REQUIRES, **THEN}


def test_planning_the_recipe_writes_nothing_and_sets_no_seed(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    overrides = {"results_root": str(tmp_path / "results")}
    plan = stage_plan(RECIPE_HPARAMS / "srst.yaml", overrides, **REQUIRES)
    assert [p.stem for p in plan] == [
        "supervised",
        "classifier",
        "dann",
        "selection",
        "srst",
    ]
    assert follow_ups(RECIPE_HPARAMS / "srst.yaml", overrides, **THEN) == [
        RECIPE_HPARAMS / "evaluate.yaml"
    ]
    assert not (tmp_path / "results").exists()  # no checkpointer built
    assert "Setting seed" not in caplog.text


def test_a_mistyped_option_names_the_closest_known_one():
    with pytest.raises(UnknownOverrideError) as error:
        check_override_keys(
            RECIPE_HPARAMS / "srst.yaml", {"numbr_of_epochs": 2}, **CHAIN
        )
    assert "Unknown option --numbr_of_epochs" in str(error.value)
    assert "Did you mean --number_of_epochs?" in str(error.value)
    # Known keys come from the chain's YAMLs: a DANN option reaches srst's
    # chain, but supervised.yaml alone does not use it.
    check_override_keys(RECIPE_HPARAMS / "srst.yaml", {"beta": 0.1, "seed": 3}, **CHAIN)
    with pytest.raises(UnknownOverrideError, match="--beta: no stage"):
        check_override_keys(RECIPE_HPARAMS / "supervised.yaml", {"beta": 0.1}, **CHAIN)


def test_chain_files_follow_requirements_and_follow_ups():
    files = {p.name for p in chain_files(RECIPE_HPARAMS / "srst.yaml", **CHAIN)}
    # every stage but the external-teacher ones (outside the default chain)
    external = {p.name for p in RECIPE_HPARAMS.glob("*_external.yaml")}
    assert external == {"remixit_external.yaml", "srst_external.yaml"}
    assert files == {p.name for p in RECIPE_HPARAMS.glob("*.yaml")} - external
    chain = chain_files(RECIPE_HPARAMS / "srst_external.yaml", **CHAIN)
    assert chain[0].name == "srst_external.yaml" and "dann.yaml" in {
        p.name for p in chain
    }
    classifier = chain_files(RECIPE_HPARAMS / "classifier.yaml", **CHAIN)
    assert [p.name for p in classifier] == [
        "classifier.yaml",
        "supervised.yaml",
    ]


def finish_stage(hparams, overrides, run_opts=None, data=None):
    """Writes the marker a run of ``hparams`` with ``overrides`` would write."""
    folder = Path(stage_folder(read_settings(hparams, overrides)))
    folder.mkdir(parents=True)
    record = {"settings": stage_settings(hparams, overrides, run_opts)}
    if data is not None:
        record["data"] = data
    mark_done(folder, record)
    return folder


def test_a_stage_trained_on_other_data_is_never_reused(tmp_path, caplog):
    """A benchmark upgrade (or rebuilt manifests) under a finished run stops
    the command before anything runs, naming what changed and the way out."""
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    base = {"results_root": str(tmp_path), "benchmark_size": "smoke"}
    then = {"prepare_version": 3, "benchmark_version": 5, "manifests": "a" * 64}
    folder = finish_stage(supervised, base, data=then)
    classifier = RECIPE_HPARAMS / "classifier.yaml"

    def plan_with(now):
        return stage_plan(classifier, base, data_identity=lambda s: now, **REQUIRES)

    assert [p.stem for p in plan_with(dict(then))] == ["classifier"]
    # a fingerprint of another version (another key) is not compared
    newer = {"prepare_version": 3, "benchmark_version": 5, "manifests_v2": "c" * 64}
    assert [p.stem for p in plan_with(newer)] == ["classifier"]
    # manifests not prepared yet (None): the versions alone are compared
    assert [p.stem for p in plan_with({**then, "manifests": None})] == ["classifier"]
    with pytest.raises(StageDataError) as error:
        plan_with({**then, "benchmark_version": 6})
    message = str(error.value)
    assert "benchmark_version: 5 in the finished run, 6 now" in message
    assert str(folder.resolve()) in message and "--experiment_name" in message
    with pytest.raises(StageDataError, match="manifests: 'aaaa"):
        plan_with({**then, "manifests": "b" * 64})
    # an explicit setting that matches does not hide a data change
    with pytest.raises(StageDataError):
        stage_plan(
            supervised,
            {**base, "seed": read_settings(supervised)["seed"]},
            data_identity=lambda s: {**then, "prepare_version": 4},
            **REQUIRES,
        )
    # a marker from before data was recorded: reused, with a warning
    (folder / "stage_done.json").unlink()
    mark_done(folder, {"settings": stage_settings(supervised, base)})
    with caplog.at_level(logging.WARNING):
        assert [p.stem for p in plan_with(dict(then))] == ["classifier"]
    assert "finished before its data was recorded" in caplog.text


def test_finished_stage_with_other_given_settings_is_an_error(tmp_path):
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    base = {"results_root": str(tmp_path), "benchmark_size": "smoke"}
    folder = finish_stage(supervised, base, {"debug": False})
    # Same settings (another spelling of nothing): reused.
    assert (
        stage_plan(supervised, dict(base), run_opts={"debug": False}, **REQUIRES) == []
    )
    changed = {**base, "number_of_epochs": 1, "dns_folder": "/data/empty"}
    with pytest.raises(StageSettingsError) as error:
        stage_plan(RECIPE_HPARAMS / "classifier.yaml", changed, run_opts={}, **REQUIRES)
    message = str(error.value)
    default = read_settings(supervised)["number_of_epochs"]
    assert f"number_of_epochs: {default} in the finished run, 1 now" in message
    assert "dns_folder: None in the finished run, '/data/empty' now" in message
    assert str(folder.resolve()) in message
    assert "--experiment_name" in message
    # num_workers and the follow-ups do not change what a stage computes.
    same = {**base, "num_workers": 0}
    assert stage_plan(supervised, same, run_opts={"debug": False}, **REQUIRES) == []


def test_debug_runs_are_never_reused_as_real_ones(tmp_path):
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    base = {"results_root": str(tmp_path), "benchmark_size": "smoke"}
    finish_stage(supervised, base, {"debug": True})
    with pytest.raises(StageSettingsError, match="--debug: True in the finished"):
        stage_plan(supervised, base, run_opts={"debug": False}, **REQUIRES)


def test_defaults_that_differ_are_a_warning_not_an_error(tmp_path, caplog):
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    base = {"results_root": str(tmp_path), "benchmark_size": "smoke"}
    finish_stage(supervised, {**base, "number_of_epochs": 1})
    plan = stage_plan(RECIPE_HPARAMS / "classifier.yaml", base, **REQUIRES)
    assert [p.stem for p in plan] == ["classifier"]
    default = read_settings(supervised)["number_of_epochs"]
    assert f"number_of_epochs: 1 then, {default} now" in caplog.text


def test_markers_without_settings_are_reused(tmp_path):
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    overrides = {"results_root": str(tmp_path), "number_of_epochs": 1}
    folder = Path(stage_folder(read_settings(supervised, overrides)))
    folder.mkdir(parents=True)
    mark_done(folder, {"stage": "supervised"})
    assert stage_plan(supervised, overrides, **REQUIRES) == []


def test_a_run_folder_given_on_the_command_line_is_the_way_out(tmp_path):
    """With --output_folder (SpeechBrain's recipe tests) the stage is found in
    ``<output_folder>/<stage>`` and the error suggests another run folder:
    another --experiment_name would not move it."""
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    run = tmp_path / "tests" / "tmp" / "row"
    base = {"output_folder": str(run), "benchmark_size": "smoke"}
    folder = finish_stage(supervised, base)
    assert folder == run / "supervised"
    assert stage_plan(supervised, base, **REQUIRES) == []
    with pytest.raises(StageSettingsError) as error:
        stage_plan(supervised, {**base, "number_of_epochs": 1}, **REQUIRES)
    assert str(folder.resolve()) in str(error.value)
    assert "--output_folder NEW_FOLDER" in str(error.value)
    assert "--experiment_name" not in str(error.value)


def test_then_given_on_the_command_line_takes_effect_on_any_stage():
    """--then works on a stage whose YAML names no next stage (it was once
    accepted there and ignored), and a typo in it names the closest stage."""
    classifier = RECIPE_HPARAMS / "classifier.yaml"
    then = {"next_stages": lambda hparams: hparams.get("then", [])}
    assert follow_ups(classifier, {}, **then) == []
    given = follow_ups(classifier, {"then": ["evaluate.yaml"]}, **then)
    assert given == [RECIPE_HPARAMS.resolve() / "evaluate.yaml"]
    assert follow_ups(RECIPE_HPARAMS / "srst.yaml", {"then": []}, **then) == []
    with pytest.raises(UnknownStageError, match="Did you mean evaluate.yaml?"):
        follow_ups(classifier, {"then": ["evaluat.yaml"]}, **then)


def test_a_finished_stage_with_a_stale_prerequisite_is_not_reused(tmp_path):
    """Everything finished: the prerequisites of the finished stage are
    checked too, so an old source model under a new classifier stops it."""
    supervised = RECIPE_HPARAMS / "supervised.yaml"
    classifier = RECIPE_HPARAMS / "classifier.yaml"
    base = {"results_root": str(tmp_path), "benchmark_size": "smoke"}
    now = {"prepare_version": 3, "benchmark_version": 6, "manifests": "a" * 64}
    old = finish_stage(supervised, base, data={**now, "benchmark_version": 5})
    finish_stage(classifier, base, data=now)
    with pytest.raises(StageDataError) as error:
        stage_plan(classifier, base, data_identity=lambda s: now, **REQUIRES)
    assert str(old.resolve()) in str(error.value)
    # both on the current data: nothing to run, nothing refused
    (old / "stage_done.json").unlink()
    mark_done(old, {"settings": stage_settings(supervised, base), "data": now})
    assert stage_plan(classifier, base, data_identity=lambda s: now, **REQUIRES) == []
    # a deleted prerequisite of a finished stage is not trained again
    (old / "stage_done.json").unlink()
    assert stage_plan(classifier, base, data_identity=lambda s: now, **REQUIRES) == []
