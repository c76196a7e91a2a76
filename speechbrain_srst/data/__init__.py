"""Corpus preparation, on-the-fly mixing and the built-in benchmark."""
