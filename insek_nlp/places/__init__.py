"""Leipzig gazetteer and spatial tagging: which Ortsteile and Stadtbezirke a text talks about.

    >>> from insek_nlp.places import tag_places
    >>> tag_places("Wir Grünauer fühlen uns vergessen.").stadtbezirke
    ('West',)

The gazetteer (``models/places/leipzig-gazetteer.json``) is built from Leipzig
Open Data (CC0 1.0) by :mod:`insek_nlp.places.build_gazetteer`.
"""

from insek_nlp.places.evaluate import evaluate_places
from insek_nlp.places.gazetteer import Gazetteer, Place
from insek_nlp.places.tagger import PlaceMention, PlaceTags, tag_comment, tag_many, tag_places

__all__ = [
    "Gazetteer",
    "Place",
    "PlaceMention",
    "PlaceTags",
    "evaluate_places",
    "tag_comment",
    "tag_many",
    "tag_places",
]
