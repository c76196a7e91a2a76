"""The self-building synthetic benchmark (no download).

* :mod:`~speechbrain_srst.benchmark.build`: writes the corpora in the
  LibriSpeech, WHAM! and DNS-Challenge layouts and caches the build;
* :mod:`~speechbrain_srst.benchmark.speech`: eSpeak NG speakers and
  pseudo-sentences of seven languages;
* :mod:`~speechbrain_srst.benchmark.source_noise`: WHAM!-like urban scenes;
* :mod:`~speechbrain_srst.benchmark.target_noise`: DNS-like noise families;
* :mod:`~speechbrain_srst.benchmark.dsp`: signal helpers and recording
  channels.

Corpus preparation (:mod:`speechbrain_srst.data.prepare`) reads what this
package writes exactly as it reads the real corpora.
"""
