"""Tests of the derangement, remixing, teacher updates and source selection."""

import pytest
import torch

from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.remix import copy_weights, derangement, ema_update, remix
from speechbrain_srst.selection import (
    number_to_keep,
    select_most_target_like,
    select_random,
    source_share,
    split_batch_sizes,
)


@pytest.mark.parametrize("batch_size", [2, 3, 4, 5, 8, 16])
def test_derangement_never_keeps_an_item_in_place(batch_size):
    generator = torch.Generator().manual_seed(batch_size)
    for _ in range(200):
        perm = derangement(batch_size, generator)
        assert sorted(perm.tolist()) == list(range(batch_size))
        assert (perm != torch.arange(batch_size)).all()


def test_derangement_of_one_item_is_the_identity():
    assert derangement(1).tolist() == [0]
    assert derangement(0).tolist() == []


def test_derangement_reaches_every_derangement_of_three():
    generator = torch.Generator().manual_seed(0)
    seen = {tuple(derangement(3, generator).tolist()) for _ in range(100)}
    assert seen == {(1, 2, 0), (2, 0, 1)}


def test_remix_pairs_each_speech_with_another_items_noise():
    speech = torch.arange(4.0).unsqueeze(1).repeat(1, 10)
    noise = 10 * torch.arange(4.0).unsqueeze(1).repeat(1, 10)
    mixture, speech_target, noise_target, perm = remix(
        speech, noise, torch.Generator().manual_seed(0)
    )
    assert torch.equal(speech_target, speech)
    assert torch.equal(noise_target, noise[perm])
    assert torch.equal(mixture, speech + noise[perm])
    assert not torch.equal(noise_target, noise)


def test_ema_update_follows_the_formula():
    torch.manual_seed(0)
    teacher, student = UNet([8, 16]), UNet([8, 16])
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    ema_update(teacher, student, 0.9)
    after, learner = teacher.state_dict(), student.state_dict()
    for name, value in before.items():
        if value.is_floating_point():
            expected = 0.9 * value + 0.1 * learner[name]
            assert torch.allclose(after[name], expected, atol=1e-6), name
        else:
            assert torch.equal(after[name], learner[name]), name


def test_ema_rejects_bad_momentum():
    with pytest.raises(ValueError):
        ema_update(UNet([8]), UNet([8]), 1.5)


def test_copy_weights_makes_teacher_equal_student():
    teacher, student = UNet([8, 16]), UNet([8, 16])
    copy_weights(teacher, student)
    for (name, a), (_, b) in zip(
        teacher.state_dict().items(), student.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name


def test_selection_keeps_exactly_the_highest_scored_30_percent():
    scores = {f"s{i:03d}": (i * 37 % 100) / 100 for i in range(100)}
    kept = select_most_target_like(scores, 0.3)
    assert len(kept) == 30
    threshold = min(scores[item] for item in kept)
    dropped = set(scores) - set(kept)
    assert all(scores[item] <= threshold for item in dropped)
    assert sorted(scores.values(), reverse=True)[:30] == [scores[k] for k in kept]


def test_random_selection_has_same_size_and_depends_on_seed():
    ids = [f"s{i}" for i in range(50)]
    first, again = select_random(ids, 0.3, seed=1), select_random(ids, 0.3, seed=1)
    other = select_random(ids, 0.3, seed=2)
    assert len(first) == number_to_keep(50, 0.3) == 15
    assert first == again and first != other
    assert len(set(first)) == 15


def test_source_share_schedule_falls_three_points_and_stops_at_zero():
    shares = [source_share(epoch) for epoch in range(1, 15)]
    assert shares[:4] == [0.30, 0.27, 0.24, 0.21]
    assert shares[10:] == [0.0, 0.0, 0.0, 0.0]
    assert all(a >= b for a, b in zip(shares, shares[1:], strict=False))
    with pytest.raises(ValueError):
        source_share(0)


def test_batch_split_follows_share():
    assert split_batch_sizes(10, 0.3) == (7, 3)
    assert split_batch_sizes(10, 0.27) == (7, 3)
    assert split_batch_sizes(10, 0.0) == (10, 0)
    assert split_batch_sizes(2, 0.9) == (1, 1)
