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


def previous_si_sdr(estimate, reference, eps=1e-8):
    """The formula before issue 16 (eps in numerator and denominator)."""
    estimate = estimate - estimate.mean(-1, keepdim=True)
    reference = reference - reference.mean(-1, keepdim=True)
    energy = (reference**2).sum(-1, keepdim=True)
    target = (estimate * reference).sum(-1, keepdim=True) / (energy + eps) * reference
    distortion = target - estimate
    ratio = ((target**2).sum(-1) + eps) / ((distortion**2).sum(-1) + eps)
    return 10 * torch.log10(ratio)


def test_non_degenerate_values_and_gradients_are_unchanged():
    torch.manual_seed(5)
    speech, noise = 0.05 * torch.randn(4, 16000), 0.05 * torch.randn(4, 16000)
    scales = torch.tensor([[3.0], [1.0], [0.3], [0.03]])  # about -10 to 30 dB
    estimates = [
        (speech + scales * noise).requires_grad_(True),
        (speech + scales * noise).requires_grad_(True),
    ]
    new = si_sdr(estimates[0], speech)
    old = previous_si_sdr(estimates[1], speech)
    assert torch.allclose(new, old, rtol=0, atol=1e-5), (new, old)
    new.sum().backward()
    old.sum().backward()
    gap = (estimates[0].grad - estimates[1].grad).abs().max()
    assert gap <= 1e-6 * estimates[1].grad.abs().max(), gap


def test_silent_estimate_gets_the_floor_not_zero_db():
    """Issue 16: an all-zero estimate scored 0 dB, +5 dB over a -5 dB input."""
    torch.manual_seed(6)
    clean = 0.1 * torch.randn(2, 16000)
    noise = clean.norm(dim=-1, keepdim=True) / torch.randn(2, 16000).norm(
        dim=-1, keepdim=True
    )
    noisy = clean + 10 ** (5 / 20) * noise * torch.randn(2, 16000)
    silent = torch.zeros(2, 16000, requires_grad=True)
    value = si_sdr(silent, clean)
    assert torch.allclose(value, torch.full((2,), -80.0)), value
    improvement = value - si_sdr(noisy, clean)
    assert (improvement < -70).all(), improvement
    enhancement_loss(silent, silent, clean, noisy - clean).backward()
    assert torch.isfinite(silent.grad).all()
    # a silent reference also gets the floor
    silent_ref = si_sdr(clean, torch.zeros(2, 16000))
    assert torch.allclose(silent_ref, torch.full((2,), -80.0)), silent_ref


def test_perfect_estimate_is_finite_with_finite_gradient():
    reference = 0.1 * torch.randn(1, 8000)
    estimate = reference.clone().requires_grad_(True)
    value = si_sdr(estimate, reference)
    value.sum().backward()
    assert value.item() > 80 and math.isfinite(value.item()), value
    assert torch.isfinite(estimate.grad).all()
