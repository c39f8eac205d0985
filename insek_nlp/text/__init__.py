"""The German language layer: one spaCy pipeline for the whole toolkit."""

from insek_nlp.text.pipeline import german_pipeline, split_sentences

__all__ = ["german_pipeline", "split_sentences"]
