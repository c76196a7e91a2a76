"""Corpus preparation, audio I/O, on-the-fly mixing and datasets."""
