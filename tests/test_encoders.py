"""Encoders: the deterministic fake for logic tests, and the two real models loaded offline (slow)."""
from __future__ import annotations

import numpy as np
import pytest

from memqa.encoders import E5Encoder, Encoder, FakeEncoder, MiniLMEncoder, load_encoder
from memqa.errors import EncoderError

PARAPHRASE = (
    "Mexico does not use the INCB import and export authorization system.",
    "México no utiliza el sistema de autorizaciones de importación y exportación de la JIFE.",
)
UNRELATED = "The weather in Paris is sunny and warm today."


def test_fake_encoder_returns_normalised_float32_rows(fake_encoder):
    v = fake_encoder.encode(["canine detection", "money laundering training", "x"])
    assert v.shape == (3, 64) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)


def test_fake_encoder_is_deterministic_across_instances_and_kinds():
    texts = ["pill presses", "early warning system"]
    a = FakeEncoder().encode(texts)
    assert np.array_equal(a, FakeEncoder().encode(texts))
    assert np.array_equal(a, FakeEncoder().encode(texts, kind="query"))
    assert np.array_equal(a[0], FakeEncoder().encode(["pill presses"])[0])


def test_fake_encoder_scores_shared_words_higher(fake_encoder):
    q, near, far = fake_encoder.encode(["canine detection", "canine detection training", "money laundering"])
    assert q @ near > q @ far


def test_fake_encoder_of_no_texts_is_an_empty_matrix(fake_encoder):
    assert fake_encoder.encode([]).shape == (0, 64)


def test_fake_encoder_counts_words_plus_two(fake_encoder):
    assert fake_encoder.count_tokens("one two three") == 5


def test_fake_encoder_settings():
    e = FakeEncoder(dim=32, id="other", max_tokens=128)
    assert (e.id, e.dim, e.max_tokens, e.name) == ("other", 32, 128, "fake-32")
    assert e.encode(["a b"]).shape == (1, 32)


def test_fake_encoder_follows_the_encoder_protocol(fake_encoder):
    assert isinstance(fake_encoder, Encoder)


def test_load_encoder_fake():
    assert isinstance(load_encoder("fake"), FakeEncoder)


def test_load_encoder_unknown_name_says_what_is_accepted():
    with pytest.raises(EncoderError, match="use 'minilm', 'e5' or the path of a local sentence-transformers"):
        load_encoder("gpt-9")


def test_load_encoder_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(EncoderError, match="not a sentence-transformers model folder"):
        load_encoder(str(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("cls, window", [(MiniLMEncoder, 256), (E5Encoder, 512)], ids=["minilm", "e5"])
def test_real_encoder_loads_offline_and_embeds(cls, window):
    e = cls()
    assert (e.dim, e.max_tokens) == (384, window)
    for kind in ("passage", "query"):
        v = e.encode([*PARAPHRASE, UNRELATED], kind=kind)
        assert v.shape == (3, 384) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
        assert v[0] @ v[1] > v[0] @ v[2]  # the Spanish paraphrase is nearer than the unrelated sentence
        assert v[0] @ v[1] > v[1] @ v[2]
    assert 0 < e.count_tokens("pill presses") < e.count_tokens("pill presses and encapsulating equipment")


@pytest.mark.slow
def test_e5_query_encoding_is_thread_safe_and_deterministic():
    """The HTTP service encodes on several threads at once without a lock; vectors must not change."""
    import threading

    from memqa.encoders import E5Encoder

    enc = E5Encoder()
    qs = [f"question {i} about precursor chemicals, PEN Online and I2ES" for i in range(60)]
    ref = [enc.encode([q], kind="query")[0] for q in qs]
    out: list = [None] * len(qs)

    def work(start: int) -> None:
        for i in range(start, len(qs), 3):
            out[i] = enc.encode([qs[i]], kind="query")[0]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(a, b) for a, b in zip(ref, out))
