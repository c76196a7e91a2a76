"""SpeechBrain plugin for unsupervised domain adaptation of speech enhancement.

Implements Source Regularization Self Training (SRST) and its baselines
(DANN, RemixIT, DANN+RemixIT) after Frenkel, Goldberger and Chazan,
"Domain Adaptation for Speech Enhancement in a Large Domain Gap",
Interspeech 2023.
"""

__version__ = "0.1.0"

SAMPLE_RATE = 16000
