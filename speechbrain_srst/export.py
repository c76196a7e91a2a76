"""Self-contained model folders that ``from_hparams(source=FOLDER)`` loads.

Authors
 * speechbrain-srst developers 2026
"""

import json
import time
from pathlib import Path

import torch

INFERENCE_YAML = """\
# Inference hyperparameters of a speechbrain-srst model ({stage} stage).
# Load with:
#   from speechbrain_srst.inference import SRSTEnhancer
#   enhancer = SRSTEnhancer.from_hparams(source="{folder_name}", savedir=...)
# This file is executed by HyperPyYAML when loaded: only load model folders
# from a source you trust.

sample_rate: 16000
chunk_seconds: 30.0
overlap_seconds: 1.0

model: !new:speechbrain_srst.lobes.unet.UNet
    channels: {channels}
    n_fft: {n_fft}
    hop_length: {hop_length}
    input_compression: {input_compression}

modules:
    model: !ref <model>

# Each loadable is read from <folder>/<key>.ckpt.
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        model: !ref <model>
"""


def model_config(model):
    """Returns the constructor arguments of a :class:`UNet`.

    Example
    -------
    >>> from speechbrain_srst.lobes.unet import UNet
    >>> model_config(UNet(channels=[8, 16]))["channels"]
    [8, 16]
    """
    return {
        "channels": [block.layers[0].out_channels for block in model.encoder],
        "n_fft": model.stft.n_fft,
        "hop_length": model.stft.hop_length,
        "input_compression": model.input_compression,
    }


def model_card(stage, description, metrics, training_data):
    """Returns the text of a model card (``README.md``)."""
    lines = [
        f"# speechbrain-srst model: {stage}",
        "",
        description,
        "",
        "## Training data",
        "",
        training_data,
        "",
        "## Metrics at the end of training",
        "",
    ]
    lines += [f"- {name}: {value:.4f}" for name, value in sorted(metrics.items())]
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "from speechbrain_srst.inference import SRSTEnhancer",
        'enhancer = SRSTEnhancer.from_hparams(source="path/to/this/folder")',
        'enhanced = enhancer.enhance_file("noisy.wav")',
        "```",
        "",
        "`hyperparams.yaml` runs code when loaded: use model folders from "
        "trusted sources only.",
    ]
    return "\n".join(lines) + "\n"


def export_model(
    folder,
    model,
    stage,
    extra_modules=None,
    metrics=None,
    description="",
    training_data="",
):
    """Writes ``model.ckpt``, extra ``<key>.ckpt``, ``hyperparams.yaml`` and a card.

    Arguments
    ---------
    folder : str or Path
        The model folder to write.
    model : speechbrain_srst.lobes.unet.UNet
        The enhancer.
    stage : str
        Name of the training stage.
    extra_modules : dict, optional
        Other modules to save (e.g. ``{"classifier": classifier}``).
    metrics : dict, optional
        Final metrics for the card and ``metrics.json``.
    description : str
        What the model is.
    training_data : str
        What it was trained on.

    Returns
    -------
    Path
        The folder.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_srst.lobes.unet import UNet
    >>> folder = export_model(tempfile.mkdtemp(), UNet([8, 16]), "supervised")
    >>> sorted(p.name for p in folder.iterdir())
    ['README.md', 'hyperparams.yaml', 'metrics.json', 'model.ckpt']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = getattr(model, "module", model)
    modules = {"model": model, **(extra_modules or {})}
    for key, module in modules.items():
        module = getattr(module, "module", module)
        temporary = folder / f"{key}.ckpt.tmp"
        torch.save(module.state_dict(), temporary)
        temporary.replace(folder / f"{key}.ckpt")
    config = model_config(model)
    (folder / "hyperparams.yaml").write_text(
        INFERENCE_YAML.format(stage=stage, folder_name=folder.name, **config)
    )
    metrics = {key: float(value) for key, value in (metrics or {}).items()}
    (folder / "metrics.json").write_text(
        json.dumps(
            {
                "stage": stage,
                "exported": time.strftime("%Y-%m-%d %H:%M:%S"),
                "metrics": metrics,
                "model": config,
            },
            indent=2,
        )
    )
    (folder / "README.md").write_text(
        model_card(stage, description, metrics, training_data)
    )
    return folder
