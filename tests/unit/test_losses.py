"""Tests of SI-SDR and the enhancement loss."""

import math

import pytest
import torch

from speechbrain_srst.losses import enhancement_loss, si_sdr


def hand_si_sdr(estimate, reference):
    estimate = estimate - estimate.mean()
    reference = reference - reference.mean()
    alpha = (estimate @ reference) / (reference @ reference)
    target = alpha * reference
    return 10 * math.log10(
        (target @ target) / ((target - estimate) @ (target - estimate))
    )


def test_si_sdr_equals_hand_computation():
    torch.manual_seed(1)
    reference = torch.randn(1000, dtype=torch.float64)
    estimate = reference + 0.3 * torch.randn(1000, dtype=torch.float64)
    value = si_sdr(estimate.unsqueeze(0), reference.unsqueeze(0)).item()
    assert value == pytest.approx(hand_si_sdr(estimate, reference), abs=1e-6)


def test_si_sdr_is_scale_and_offset_invariant():
    torch.manual_seed(2)
    reference = torch.randn(1, 800)
    estimate = reference + 0.5 * torch.randn(1, 800)
    base = si_sdr(estimate, reference)
    assert torch.allclose(si_sdr(7.5 * estimate, reference), base, atol=1e-4)
    assert torch.allclose(si_sdr(estimate + 3.0, reference), base, atol=1e-4)


def test_si_sdr_trims_to_common_length():
    reference = torch.randn(1, 800)
    longer = torch.cat([reference, torch.randn(1, 100)], dim=1)
    assert si_sdr(longer, reference).item() > 60


def test_si_sdr_masks_padding_with_lengths():
    torch.manual_seed(3)
    reference = torch.randn(2, 1000)
    estimate = reference + 0.2 * torch.randn(2, 1000)
    padded_estimate = estimate.clone()
    padded_estimate[1, 500:] = 100.0
    padded_reference = reference.clone()
    padded_reference[1, 500:] = 0.0
    lengths = torch.tensor([1.0, 0.5])
    masked = si_sdr(padded_estimate, padded_reference, lengths)
    expected = si_sdr(estimate[1:, :500], reference[1:, :500])
    assert masked[1].item() == pytest.approx(expected.item(), abs=1e-3)


@pytest.mark.parametrize("estimate", [torch.zeros(2, 400), torch.randn(2, 400)])
def test_silent_reference_is_finite_with_finite_gradient(estimate):
    estimate = estimate.clone().requires_grad_(True)
    loss = enhancement_loss(
        estimate, estimate, torch.zeros(2, 400), torch.zeros(2, 400)
    )
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(estimate.grad).all()


def test_enhancement_loss_sums_speech_and_noise_terms():
    torch.manual_seed(4)
    s, n = torch.randn(3, 500), torch.randn(3, 500)
    s_hat, n_hat = s + 0.1 * torch.randn(3, 500), n + 0.4 * torch.randn(3, 500)
    expected = (-si_sdr(s_hat, s) - si_sdr(n_hat, n)).mean()
    assert torch.allclose(enhancement_loss(s_hat, n_hat, s, n), expected)
    per_item = enhancement_loss(s_hat, n_hat, s, n, reduction="none")
    assert per_item.shape == (3,)
    with pytest.raises(ValueError):
        enhancement_loss(s_hat, n_hat, s, n, reduction="sum")
