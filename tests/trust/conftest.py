"""Helpers of the trust suites: time limits, German-message checks, store snapshots."""

from __future__ import annotations

import os
import re
import signal
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest

from insek_nlp.errors import InsekError
from insek_nlp.store import Store


def fuzz(examples: int):
    """Hypothesis settings of the trust suites.

    ``make test`` runs a fixed set of examples (derandomized: the suite stays
    deterministic, a failure reproduces). ``INSEK_FUZZ=explore`` draws new random
    examples, ten times as many, for a longer search before a release.
    """
    from hypothesis import HealthCheck, settings

    explore = os.environ.get("INSEK_FUZZ") == "explore"
    return settings(max_examples=examples * (10 if explore else 1), deadline=None, derandomize=not explore,
                    database=None if not explore else settings.default.database,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Hang(Exception):
    """Raised by :func:`time_limit` when a call takes too long (the test then fails)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail a call that does not return within ``seconds`` (a hang, not just slowness)."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


_GERMAN = re.compile(
    r"\b(?:ist|sind|die|der|das|den|dem|nicht|kein|keine|keinen|kann|können|wurde|wurden|Datei|Bitte|bitte|"
    r"enthält|Zeile|Spalte|fehlt|muss|Feld|oder|und|wird|für|mit|eingelesen|Abschnitte?|Seiten?|Beitrag|"
    r"Beiträge|unverändert|Version)\b|[äöüßÄÖÜ„“]"
)


def looks_german(message: str) -> bool:
    """A cheap check that a user-facing message is German (English library messages fail it)."""
    return len(_GERMAN.findall(message)) >= 2


def read_or_refuse(reader: Callable[[], Any], *, seconds: float = 20.0) -> Any:
    """Call a reader: it must return, or raise an :class:`InsekError` with a German message.

    Returns the reader's result, or the error it raised.
    """
    try:
        with time_limit(seconds):
            return reader()
    except Hang:
        raise
    except InsekError as exc:
        assert looks_german(exc.message), f"not a German message: {exc.message!r}"
        assert not exc.message.startswith("Traceback")
        return exc


def snapshot(store: Store) -> dict[str, Any]:
    """Everything stored about current documents: versions, passages, comments, reviews."""
    docs = store.documents()
    return {
        "documents": [(d.id, d.key, d.version, d.sha256, d.status, d.n_passages, d.n_comments) for d in docs],
        "current": [d.id for d in store.documents(current=True)],
        "passages": [(p.doc_id, p.ordinal, p.text, p.section, p.page) for p in store.passages(
            [d.id for d in docs if d.kind != "comments"])],
        "comments": [(c.doc_id, c.row, c.text, c.title) for c in store.comments([d.id for d in docs])],
        "reviews": [(r.id, r.target_type, r.target_id, r.decision, r.label) for r in store.reviews()],
    }


@pytest.fixture
def german() -> Callable[[str], bool]:
    return looks_german
