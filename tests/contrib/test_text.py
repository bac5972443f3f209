"""mx.contrib.text: token counting, Vocabulary, embeddings (expected values from MXNet 1.9.1)."""
import collections
import warnings

import numpy as np
import pytest

import mxnet as mx
from mxnet.contrib import text

_TEXT = " Life is great ! \n life is good . \n"


def test_count_tokens_from_str():
    c = text.utils.count_tokens_from_str(_TEXT)
    assert c == collections.Counter({"is": 2, "Life": 1, "great": 1, "!": 1, "life": 1,
                                     "good": 1, ".": 1})
    c2 = text.utils.count_tokens_from_str("a,b;c,,A", token_delim=",", seq_delim=";",
                                          to_lower=True)
    assert c2 == collections.Counter({"a": 2, "b": 1, "c": 1})
    base = collections.Counter({"is": 5})
    assert text.utils.count_tokens_from_str(_TEXT, counter_to_update=base) is base
    assert base["is"] == 7


def test_vocabulary():
    c = text.utils.count_tokens_from_str(_TEXT)
    v = text.vocab.Vocabulary(c, most_freq_count=3, reserved_tokens=["<pad>"])
    assert v.idx_to_token == ["<unk>", "<pad>", "is", "!", "."]
    assert len(v) == 5 and v.unknown_token == "<unk>" and v.reserved_tokens == ["<pad>"]
    assert v.to_indices(["is", "zzz"]) == [2, 0] and v.to_indices("!") == 3
    assert v.to_tokens([0, 2]) == ["<unk>", "is"] and v.to_tokens(1) == "<pad>"
    with pytest.raises(ValueError, match="Token index 100"):
        v.to_tokens(100)
    v2 = text.vocab.Vocabulary(c, min_freq=2)
    assert v2.idx_to_token == ["<unk>", "is"]
    assert text.vocab.Vocabulary().idx_to_token == ["<unk>"]


@pytest.mark.parametrize("kwargs", [dict(min_freq=0), dict(reserved_tokens=["<unk>"]),
                                    dict(reserved_tokens=["a", "a"])])
def test_vocabulary_errors(kwargs):
    with pytest.raises(AssertionError):
        text.vocab.Vocabulary(collections.Counter(["a"]), **kwargs)


@pytest.fixture
def emb_file(tmp_path):
    p = tmp_path / "emb.txt"
    p.write_text("<unk> 9 9\nhello 0.1 0.2\nworld 0.3 0.4\nhello 5 5\nhdr 1\n")
    return str(p)


def test_custom_embedding(emb_file):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        e = text.embedding.CustomEmbedding(emb_file)
    assert len(w) == 2   # the duplicate and the 1-d "header" line
    assert e.idx_to_token == ["<unk>", "hello", "world"] and e.vec_len == 2
    np.testing.assert_allclose(e.idx_to_vec.asnumpy(), [[9, 9], [.1, .2], [.3, .4]], rtol=1e-6)
    np.testing.assert_allclose(e.get_vecs_by_tokens(["world", "nope"]).asnumpy(),
                               [[.3, .4], [9, 9]], rtol=1e-6)
    np.testing.assert_allclose(e.get_vecs_by_tokens("Hello", lower_case_backup=True).asnumpy(),
                               [.1, .2], rtol=1e-6)
    e.update_token_vectors("hello", mx.nd.array([7, 8]))
    np.testing.assert_allclose(e.get_vecs_by_tokens("hello").asnumpy(), [7, 8])
    with pytest.raises(ValueError, match="Token nope is unknown"):
        e.update_token_vectors("nope", mx.nd.array([7, 8]))


def test_custom_embedding_unknown_init_and_vocabulary(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("a,1,2\nb,3,4\n")
    e = text.embedding.CustomEmbedding(str(p), elem_delim=",", init_unknown_vec=mx.nd.ones)
    np.testing.assert_allclose(e.idx_to_vec.asnumpy(), [[1, 1], [1, 2], [3, 4]])
    v = text.vocab.Vocabulary(collections.Counter(["b", "b", "c"]))
    e2 = text.embedding.CustomEmbedding(str(p), elem_delim=",", vocabulary=v)
    assert e2.idx_to_token == ["<unk>", "b", "c"]
    np.testing.assert_allclose(e2.idx_to_vec.asnumpy(), [[0, 0], [3, 4], [0, 0]])
    with pytest.raises(ValueError, match="valid path"):
        text.embedding.CustomEmbedding(str(tmp_path / "missing.txt"))


def test_composite_embedding(emb_file):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = text.embedding.CustomEmbedding(emb_file)
    v = text.vocab.Vocabulary(collections.Counter(["hello", "world", "x"]))
    ce = text.embedding.CompositeEmbedding(v, [e, e])
    assert ce.idx_to_token == ["<unk>", "hello", "world", "x"] and ce.vec_len == 4
    np.testing.assert_allclose(ce.idx_to_vec.asnumpy(),
                               [[9] * 4, [.1, .2, .1, .2], [.3, .4, .3, .4], [9] * 4], rtol=1e-6)


def test_registry_and_pretrained_names(tmp_path):
    names = text.embedding.get_pretrained_file_names()
    assert set(names) >= {"glove", "fasttext"}
    assert len(names["glove"]) == 10 and len(names["fasttext"]) == 327
    assert text.embedding.get_pretrained_file_names("glove")[:2] == ["glove.42B.300d.txt",
                                                                      "glove.6B.50d.txt"]
    with pytest.raises(KeyError, match="Cannot find `embedding_name` nope"):
        text.embedding.get_pretrained_file_names("nope")
    with pytest.raises(KeyError, match="Cannot find pretrained file bad.txt"):
        text.embedding.create("glove", pretrained_file_name="bad.txt")
    with pytest.raises(AssertionError, match="nope is not registered"):
        text.embedding.create("nope")
    # offline: a clear error naming where to put the file
    with pytest.raises(mx.MXNetError, match="cannot download"):
        text.embedding.create("glove", pretrained_file_name="glove.6B.50d.txt",
                              embedding_root=str(tmp_path))
    # an already-downloaded file is used
    (tmp_path / "glove").mkdir()
    (tmp_path / "glove" / "glove.6B.50d.txt").write_text("the 1 2\n")
    g = text.embedding.create("glove", pretrained_file_name="glove.6B.50d.txt",
                              embedding_root=str(tmp_path))
    assert g.idx_to_token == ["<unk>", "the"]


def test_register_custom_class(tmp_path):
    @text.embedding.register
    class MyEmbed(text.embedding._TokenEmbedding):
        pretrained_file_names = ("x.txt",)

        def __init__(self, path, **kwargs):
            super().__init__(**kwargs)
            self._load_embedding(path, " ", mx.nd.zeros)

    p = tmp_path / "x.txt"
    p.write_text("a 1 0\nb 2 0\n")
    e = text.embedding.create("myembed", path=str(p))
    assert isinstance(e, MyEmbed)
    assert text.embedding.get_pretrained_file_names("myembed") == ["x.txt"]
    text.embedding._REGISTRY.pop("myembed")
    with pytest.raises(ValueError):
        text.embedding.register(int)
