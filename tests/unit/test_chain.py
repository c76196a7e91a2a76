"""Tests of the stage chain: overrides, prerequisites, reuse markers."""

import pytest

from speechbrain_srst.chain import (
    check_writable,
    follow_ups,
    mark_done,
    overrides_for,
    overrides_for_planned,
    read_marker,
    stage_plan,
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
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
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
