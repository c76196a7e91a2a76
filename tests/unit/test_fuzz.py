"""Odd inputs for the enhancer and the losses: a clear error or a finite
output, never a crash inside torch."""

import pytest
import torch

from speechbrain_srst.export import export_model
from speechbrain_srst.inference import SRSTEnhancer
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.losses import enhancement_loss, si_sdr

LENGTHS = [1, 511, 512, 513, 1600]


@pytest.fixture(scope="module")
def enhancer(tmp_path_factory):
    torch.manual_seed(0)
    folder = export_model(tmp_path_factory.mktemp("model"), UNet([8, 16]), "fuzz")
    return SRSTEnhancer.from_hparams(
        source=str(folder), savedir=str(tmp_path_factory.mktemp("savedir"))
    )


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_enhancer_gives_finite_output_of_input_length(enhancer, length, dtype):
    wavs = (0.1 * torch.randn(2, length)).to(dtype)
    enhanced = enhancer.enhance_batch(wavs)
    assert enhanced.shape == (2, length)
    assert torch.isfinite(enhanced).all()


def test_enhancer_accepts_int16_pcm_or_says_why(enhancer):
    pcm = (torch.randn(1, 1600) * 3000).to(torch.int16)
    try:
        enhanced = enhancer.enhance_batch(pcm)
    except (TypeError, ValueError) as error:
        assert "int16" in str(error) or "dtype" in str(error) or "float" in str(error)
    else:
        assert enhanced.shape == (1, 1600) and torch.isfinite(enhanced).all()


def test_enhancer_on_silence_is_finite_and_silent(enhancer):
    enhanced = enhancer.enhance_batch(torch.zeros(1, 4000))
    assert torch.isfinite(enhanced).all()
    assert enhanced.abs().max() < 1e-6


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_enhancer_rejects_non_finite_samples_clearly(enhancer, bad):
    wavs = torch.randn(1, 2000)
    wavs[0, 100] = bad
    with pytest.raises(ValueError, match="(?i)finite|nan|inf"):
        enhancer.enhance_batch(wavs)


def test_enhancer_rejects_empty_input_clearly(enhancer):
    with pytest.raises(ValueError):
        enhancer.enhance_batch(torch.zeros(1, 0))


@pytest.mark.parametrize("length", [1, 511, 512, 513])
def test_losses_finite_for_short_and_silent_signals(length):
    for reference in (torch.zeros(2, length), torch.randn(2, length)):
        estimate = torch.randn(2, length, requires_grad=True)
        loss = enhancement_loss(estimate, estimate, reference, reference)
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(estimate.grad).all()


def test_si_sdr_of_empty_signals_is_finite():
    value = si_sdr(torch.zeros(1, 0), torch.zeros(1, 0))
    assert torch.isfinite(value).all()


def test_unet_on_silent_mixture_trains_with_finite_gradients():
    model = UNet([8, 16])
    speech, noise = model(torch.zeros(2, 4000))
    loss = enhancement_loss(speech, noise, torch.zeros(2, 4000), torch.zeros(2, 4000))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(
        torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None
    )
