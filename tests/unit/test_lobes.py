"""Tests of the U-Net, the gradient reversal layer and the domain classifier."""

import pytest
import torch

from speechbrain_srst.lobes.domain_classifier import DomainClassifier
from speechbrain_srst.lobes.gradient_reversal import (
    GradientReversal,
    dann_schedule,
    reverse_gradient,
)
from speechbrain_srst.lobes.unet import STFT, UNet
from speechbrain_srst.losses import enhancement_loss


@pytest.mark.parametrize("length", [1600, 8001, 12345, 16000, 257])
def test_unet_output_lengths_match_input(length):
    model = UNet(channels=[8, 16, 32])
    speech, noise = model(torch.randn(2, length))
    assert speech.shape == (2, length)
    assert noise.shape == (2, length)


def test_unet_encode_decode_split_equals_forward():
    torch.manual_seed(0)
    model = UNet(channels=[8, 16]).eval()
    wavs = torch.randn(2, 4000)
    encoded = model.encode(wavs)
    assert encoded.bottleneck.shape[1] == 16
    split = model.decode(encoded)
    whole = model(wavs)
    assert torch.allclose(split[0], whole[0]) and torch.allclose(split[1], whole[1])


def assert_close_to_scale(actual, expected, name, rel, atol=0.0):
    """|actual - expected| <= rel * max|expected| + atol, numbers on failure.

    The bound is relative to the tensor's largest value, not to each element:
    a gradient is a sum over thousands of products, and two kernels that add
    them in a different order differ by a few ulps of the largest terms, even
    on elements whose sum is close to zero.
    """
    scale = expected.abs().max().item()
    difference = (actual - expected).abs().max().item()
    allowed = rel * scale + atol
    assert difference <= allowed, (
        f"{name}: largest difference {difference:.3e}, allowed {rel:.1e} x "
        f"{scale:.3e} + {atol:.1e} = {allowed:.3e}"
    )


def test_channels_last_layout_gives_the_same_outputs_and_gradients():
    # float64: the two layouts run different kernels whose rounding differs
    # (in float32 one weight gradient differed by 1.6 % of its largest value
    # on AVX-512, through three training-mode batch norms); in float64 the
    # largest difference measured is 5e-14 of the scale (gradients that are
    # zero in exact arithmetic: below 2e-15), so bounds of 1e-9 and 1e-12
    # test the layout, not the CPU's SIMD width.
    torch.manual_seed(0)
    nchw = UNet(channels=[8, 16, 32], channels_last=False).double()
    nhwc = UNet(channels=[8, 16, 32], channels_last=True).double()
    nhwc.load_state_dict(nchw.state_dict())
    wavs = torch.randn(3, 8001, dtype=torch.float64)
    for model in (nchw, nhwc):  # training mode: batch statistics, backward
        speech, noise = model(wavs)
        (speech.pow(2).mean() + noise.abs().mean()).backward()
    outputs = [model.eval()(wavs) for model in (nchw, nhwc)]
    for name, a, b in zip(("speech", "noise"), *outputs, strict=True):
        assert_close_to_scale(b, a, name, rel=1e-9)
    for (name, a), b in zip(nchw.named_parameters(), nhwc.parameters(), strict=True):
        assert_close_to_scale(
            b.grad, a.grad, f"gradient of {name}", rel=1e-9, atol=1e-12
        )
    for (name, a), b in zip(nchw.named_buffers(), nhwc.buffers(), strict=True):
        assert_close_to_scale(b.double(), a.double(), name, rel=1e-9)
    # float32, the layout used in training: the same outputs to rounding.
    float_outputs = [model.float()(wavs.float()) for model in (nchw, nhwc)]
    for name, a, b in zip(("speech", "noise"), *float_outputs, strict=True):
        assert_close_to_scale(b, a, f"float32 {name}", rel=1e-4)
    encoded = nhwc.encode(torch.randn(1, 4000))
    assert encoded.skips[1].is_contiguous(memory_format=torch.channels_last)
    assert (
        not nchw.encode(torch.randn(1, 4000))
        .skips[1]
        .is_contiguous(memory_format=torch.channels_last)
    )


def test_unet_parameter_groups_cover_the_model():
    model = UNet(channels=[8, 16])
    grouped = {id(p) for p in model.encoder_parameters() + model.decoder_parameters()}
    assert grouped == {id(p) for p in model.parameters()}
    assert not {id(p) for p in model.encoder_parameters()} & {
        id(p) for p in model.decoder_parameters()
    }


def test_unet_rejects_wrong_rank():
    with pytest.raises(ValueError, match="batch, time"):
        UNet(channels=[8])(torch.randn(4000))


def test_stft_round_trip_reconstructs_input():
    stft = STFT()
    wavs = torch.randn(3, 12345)
    back = stft.inverse(stft(wavs), length=12345)
    assert torch.allclose(back, wavs, atol=1e-4)


def test_unet_can_overfit_one_batch():
    torch.manual_seed(0)
    model = UNet(channels=[8, 16, 32])
    clean = torch.randn(4, 4000) * torch.linspace(0, 1, 4000)
    noise = 0.5 * torch.randn(4, 4000)
    noisy = clean + noise
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        speech, noise_estimate = model(noisy)
        loss = enhancement_loss(speech, noise_estimate, clean, noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 10.0, losses[::10]


def test_gradient_reversal_negates_and_scales_autograd_gradient():
    torch.manual_seed(0)
    x = torch.randn(5, requires_grad=True)
    weights = torch.randn(5)
    (x * weights).pow(2).sum().backward()
    plain = x.grad.clone()
    x.grad = None
    (reverse_gradient(x, 0.3) * weights).pow(2).sum().backward()
    assert torch.allclose(x.grad, -0.3 * plain)


def test_gradient_reversal_is_identity_forward():
    x = torch.randn(3, 4)
    assert torch.equal(GradientReversal(2.0)(x), x)


def test_gradient_reversal_schedule_ramps_up():
    grl = GradientReversal(coeff=1.0, schedule="dann")
    values = []
    for progress in (0.0, 0.1, 0.5, 1.0):
        grl.set_progress(progress)
        values.append(grl.coeff)
    assert values[0] == 0.0
    assert values == sorted(values)
    assert values[-1] == pytest.approx(dann_schedule(1.0))


def test_gradient_reversal_rejects_bad_settings():
    with pytest.raises(ValueError):
        GradientReversal(schedule="cosine")
    with pytest.raises(ValueError):
        GradientReversal(coeff=-1.0)


def test_domain_classifier_reads_bottleneck_of_any_length():
    model = UNet(channels=[8, 16])
    classifier = DomainClassifier(in_channels=16, hidden_channels=8)
    for length in (1600, 16000):
        logits = classifier(model.encode(torch.randn(3, length)).bottleneck)
        assert logits.shape == (3,)


def test_classifier_through_reversal_pushes_encoder_the_other_way():
    torch.manual_seed(0)
    model = UNet(channels=[8, 16])
    classifier = DomainClassifier(16, 8)
    wavs = torch.randn(2, 4000)
    labels = torch.tensor([0.0, 1.0])

    def encoder_grad(reverse):
        model.zero_grad()
        bottleneck = model.encode(wavs).bottleneck
        if reverse:
            bottleneck = reverse_gradient(bottleneck, 1.0)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            classifier(bottleneck), labels
        )
        loss.backward()
        return model.encoder[0].layers[0].weight.grad.clone()

    assert torch.allclose(encoder_grad(True), -encoder_grad(False), atol=1e-6)


def test_unet_runs_under_bf16_autocast_with_float32_outputs():
    model = UNet([4, 8]).eval()
    wavs = torch.randn(2, 3000)
    with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        speech, noise = model(wavs)
    assert speech.dtype == noise.dtype == torch.float32
    assert speech.shape == noise.shape == wavs.shape
    assert torch.isfinite(speech).all() and torch.isfinite(noise).all()
