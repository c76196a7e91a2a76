"""Stage Brains trained for an epoch on tiny in-memory data (no files)."""

import re

import pytest
import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.nnet.schedulers import LinearScheduler, NewBobScheduler
from speechbrain.utils.epoch_loop import EpochCounter
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_srst.brains.domain import DANNBrain, DomainClassifierBrain
from speechbrain_srst.brains.enhancement import EnhancementBrain
from speechbrain_srst.brains.self_training import SelfTrainingBrain
from speechbrain_srst.checkpoints import AtomicCheckpointer
from speechbrain_srst.data.datasets import DomainPairDataset
from speechbrain_srst.lobes.domain_classifier import DomainClassifier
from speechbrain_srst.lobes.gradient_reversal import GradientReversal
from speechbrain_srst.lobes.unet import UNet

LENGTH = 4000
LOADER = {"batch_size": 4, "collate_fn": PaddedBatch}


def items(count, seed, labelled=True):
    generator = torch.Generator().manual_seed(seed)
    data = []
    for index in range(count):
        clean = torch.randn(LENGTH, generator=generator)
        noise = 0.5 * torch.randn(LENGTH, generator=generator)
        item = {"id": f"{seed}_{index}", "noisy": clean + noise}
        if labelled:
            item.update(clean=clean, noise=noise)
        data.append(item)
    return data


def hparams_for(tmp_path, epochs=1, **extra):
    return {
        "epoch_counter": EpochCounter(epochs),
        "train_logger": FileTrainLogger(str(tmp_path / "train_log.txt")),
        "checkpoint_key": None,
        "seed": 0,
        **extra,
    }


def make(brain_class, modules, hparams, lr=1e-3):
    """Builds the Brain; its options (``brain_class.options()``) found in
    ``hparams`` are given as arguments, as a recipe YAML does."""
    options = {k: v for k, v in hparams.items() if k in brain_class.options()}
    return brain_class(
        modules=modules,
        opt_class=lambda params: torch.optim.Adam(params, lr=lr),
        hparams=hparams,
        run_opts={"device": "cpu"},
        **options,
    )


def copy_state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def fit(brain, hparams, train, valid):
    brain.train_dataset = train
    brain.fit(
        hparams["epoch_counter"],
        train,
        valid,
        train_loader_kwargs=LOADER,
        valid_loader_kwargs=LOADER,
    )


def test_enhancement_brain_logs_valid_si_sdr(tmp_path):
    hparams = hparams_for(tmp_path, epochs=2)
    brain = make(EnhancementBrain, {"model": UNet([8, 16])}, hparams)
    fit(brain, hparams, items(8, 1), items(4, 2))
    log = (tmp_path / "train_log.txt").read_text()
    assert log.count("valid si_sdr:") == 2 and log.count("valid si_sdri:") == 2


def test_lr_annealing_sets_each_epochs_rate_and_logs_it(tmp_path):
    annealing = LinearScheduler(1e-3, 1e-4, epoch_count=3)
    hparams = hparams_for(tmp_path, epochs=3, lr_annealing=annealing)
    brain = make(EnhancementBrain, {"model": UNet([8, 16])}, hparams)
    fit(brain, hparams, items(8, 1), items(4, 2))
    logged = re.findall(r"lr: ([0-9.e+-]+)", (tmp_path / "train_log.txt").read_text())
    assert [float(value) for value in logged] == pytest.approx([1e-3, 5.5e-4, 1e-4])
    assert brain.optimizer.param_groups[0]["lr"] == pytest.approx(1e-4)


def test_a_stateful_lr_annealing_is_checkpointed(tmp_path):
    """A resumed run goes on with NewBob's losses and patience, not anew."""

    def brain_and_annealing(annealing=True):
        torch.manual_seed(0)
        model = UNet([8, 16])
        newbob = NewBobScheduler(1e-3, improvement_threshold=1.0, patient=1)
        extra = {"lr_annealing": newbob} if annealing else {}
        hparams = hparams_for(tmp_path, epochs=2, **extra)
        checkpointer = AtomicCheckpointer(
            tmp_path / "save", {"model": model, "counter": hparams["epoch_counter"]}
        )
        brain = EnhancementBrain(
            modules={"model": model},
            opt_class=lambda params: torch.optim.Adam(params, lr=1e-3),
            hparams=hparams,
            run_opts={"device": "cpu"},
            checkpointer=checkpointer,
            **extra,
        )
        return brain, hparams, newbob

    brain, hparams, first = brain_and_annealing()
    fit(brain, hparams, items(8, 1), items(4, 2))
    assert len(first.metric_values) == 2
    resumed, _, second = brain_and_annealing()
    resumed.on_fit_start()
    assert "lr_annealing" in resumed.checkpointer.recoverables
    assert second.metric_values == first.metric_values
    assert second.current_patient == first.current_patient
    assert second.hyperparam_value == first.hyperparam_value
    # a checkpoint saved without it (an older run) still loads
    (tmp_path / "save").rename(tmp_path / "save_newbob")
    brain, hparams, _ = brain_and_annealing(annealing=False)
    fit(brain, hparams, items(8, 1), items(4, 2))
    brain_and_annealing()[0].on_fit_start()


def test_classifier_brain_trains_only_the_classifier(tmp_path):
    torch.manual_seed(0)
    model, classifier = UNet([8, 16]), DomainClassifier(16, 8)
    before_model, before_classifier = copy_state(model), copy_state(classifier)
    hparams = hparams_for(tmp_path)
    brain = make(
        DomainClassifierBrain, {"model": model, "classifier": classifier}, hparams
    )
    pairs = DomainPairDataset(items(8, 1), items(8, 2, False), "src_", "tgt_")
    fit(brain, hparams, pairs, pairs)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before_model[name]), name
    assert any(
        not torch.equal(v, before_classifier[k])
        for k, v in classifier.state_dict().items()
    )
    assert "accuracy" in (tmp_path / "train_log.txt").read_text()


def test_dann_brain_updates_encoder_and_ramps_reversal(tmp_path):
    torch.manual_seed(0)
    model, classifier = UNet([8, 16]), DomainClassifier(16, 8)
    grl = GradientReversal(1.0, schedule="dann")
    before = copy_state(model)
    hparams = hparams_for(tmp_path, beta=0.05)
    modules = {"model": model, "classifier": classifier, "grl": grl}
    brain = make(DANNBrain, modules, hparams)
    pairs = DomainPairDataset(items(8, 1), items(8, 2, False), "src_", "tgt_")
    valid = DomainPairDataset(
        items(4, 3), items(4, 4), "src_", "tgt_", shuffle_secondary=False
    )
    fit(brain, hparams, pairs, valid)
    assert 0.0 < grl.coeff < 1.0
    encoder_keys = [k for k in before if k.startswith("encoder.") and "weight" in k]
    assert all(not torch.equal(before[k], model.state_dict()[k]) for k in encoder_keys)
    log = (tmp_path / "train_log.txt").read_text()
    assert "train disc_accuracy" in log and "valid tgt_si_sdr" in log


def self_training(tmp_path, mode, epochs=1, use_source=False, **extra):
    torch.manual_seed(0)
    student, teacher = UNet([8, 16]), UNet([8, 16])
    teacher.load_state_dict(student.state_dict())
    options = {
        "teacher": teacher,
        "teacher_mode": mode,
        "ema_momentum": 0.75,
        "teacher_update_interval": 1,
        "use_source": use_source,
        "source_share_start": 0.5,
        "source_share_step": 0.25,
    }
    hparams = hparams_for(tmp_path, epochs=epochs, **{**options, **extra})
    brain = make(SelfTrainingBrain, {"model": student}, hparams)
    source = items(8, 5) if use_source else None
    train = DomainPairDataset(items(8, 1, False), source, seed=0)
    valid = DomainPairDataset(items(4, 3), items(4, 4), shuffle_secondary=False)
    return brain, hparams, train, valid, student, teacher


def test_static_teacher_never_changes_and_stays_in_eval(tmp_path):
    brain, hparams, train, valid, student, teacher = self_training(tmp_path, "static")
    before = copy_state(teacher)
    fit(brain, hparams, train, valid)
    assert not teacher.training
    for name, value in teacher.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert any(
        not torch.equal(v, before[k]) for k, v in student.state_dict().items()
    ), "the student did not learn"


def test_ema_teacher_follows_momentum_average(tmp_path):
    brain, hparams, train, valid, student, teacher = self_training(tmp_path, "ema")
    before = copy_state(teacher)
    fit(brain, hparams, train, valid)
    learner = student.state_dict()
    for name, value in teacher.state_dict().items():
        if value.is_floating_point():
            expected = 0.75 * before[name] + 0.25 * learner[name]
            assert torch.allclose(value, expected, atol=1e-6), name


def test_sequential_teacher_becomes_the_student(tmp_path):
    brain, hparams, train, valid, student, teacher = self_training(
        tmp_path, "sequential"
    )
    fit(brain, hparams, train, valid)
    for name, value in teacher.state_dict().items():
        assert torch.equal(value, student.state_dict()[name]), name


def test_srst_source_share_follows_schedule(tmp_path):
    brain, hparams, train, valid, *_ = self_training(
        tmp_path, "static", epochs=3, use_source=True
    )
    fit(brain, hparams, train, valid)
    log = (tmp_path / "train_log.txt").read_text()
    shares = [float(value) for value in re.findall(r"source_share: ([0-9.e+-]+)", log)]
    assert shares == [0.5, 0.25, 0.0]
    assert log.count("source_loss") == 2


def test_unknown_teacher_mode_is_rejected(tmp_path):
    brain, hparams, train, valid, *_ = self_training(tmp_path, "cosine")
    with pytest.raises(ValueError, match="teacher_mode"):
        fit(brain, hparams, train, valid)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("teacher_update_interval", 0),
        ("teacher_update_interval", 1.5),
        ("ema_momentum", 1.5),
        ("source_share_start", -0.1),
        ("source_share_step", "0.03"),
    ],
)
def test_out_of_range_self_training_options_are_named(tmp_path, name, value):
    brain, hparams, train, valid, *_ = self_training(
        tmp_path, "sequential", **{name: value}
    )
    with pytest.raises(ValueError, match=f"^{name} must be .*{value!r}"):
        fit(brain, hparams, train, valid)


def test_brain_options_are_arguments_and_errors_name_them(tmp_path):
    modules = {"model": UNet([8, 16]), "classifier": DomainClassifier(16, 8)}
    with pytest.raises(TypeError, match=r"DANNBrain needs the option\(s\) \['beta'\]"):
        make(DANNBrain, modules, hparams_for(tmp_path))
    with pytest.raises(TypeError, match=r"has no option \['betta'\]"):
        DANNBrain(modules=modules, hparams=hparams_for(tmp_path), beta=0.1, betta=1)
    # A key left in the hparams only would be ignored: an error names it.
    with pytest.raises(TypeError, match=r"hold \['beta'\].*'beta: !ref <beta>'"):
        DANNBrain(modules=modules, hparams=hparams_for(tmp_path, beta=0.1))
    brain = make(DANNBrain, modules, hparams_for(tmp_path, beta=0.25))
    assert (brain.beta, brain.use_target, brain.enhancement_target) == (
        0.25,
        True,
        "speech",
    )
