"""gluon.contrib.data: IntervalSampler (orders from MXNet 1.9.1) and WikiText on a tiny file."""
import os

import numpy as np
import pytest

from mxnet.base import MXNetError
from mxnet.gluon.contrib.data import IntervalSampler, text

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "wikitext")


@pytest.mark.parametrize("args,expected,length", [
    ((10, 3), [0, 3, 6, 9, 1, 4, 7, 2, 5, 8], 10),
    ((10, 3, False), [0, 3, 6, 9], 10),  # len() is still `length` in MXNet 1.9.1
    ((13, 4), [0, 4, 8, 12, 1, 5, 9, 2, 6, 10, 3, 7, 11], 13),
    ((13, 3), [0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8, 11], 13),
    ((7, 7), [0, 1, 2, 3, 4, 5, 6], 7),
])
def test_interval_sampler_order(args, expected, length):
    s = IntervalSampler(*args)
    assert list(s) == expected
    assert len(s) == length


def test_interval_sampler_rejects_large_interval():
    with pytest.raises(AssertionError):
        IntervalSampler(3, 4)


def test_wikitext2_local_file():
    d = text.WikiText2(root=FIXTURES, segment="train", seq_len=4)
    # token ids and vocabulary as MXNet 1.9.1 builds them from this file
    assert d.vocabulary.idx_to_token == ['<unk>', '<eos>', '.', '=', 'sat', 'the', 'Title', 'a',
                                         'cat', 'dog', 'mat', 'on']
    ids = [3, 6, 3, 1, 5, 8, 4, 11, 5, 10, 2, 1, 7, 9, 4, 2, 1]
    assert len(d) == 4
    for i in range(4):
        data, label = d[i]
        assert data.dtype == np.int32
        assert data.asnumpy().tolist() == ids[4 * i:4 * i + 4]
        assert label.asnumpy().tolist() == ids[4 * i + 1:4 * i + 5]
    assert d.frequencies["sat"] == 2
    d2 = text.WikiText2(root=FIXTURES, seq_len=5, vocab=d.vocabulary)
    assert len(d2) == 3 and d2.vocabulary is d.vocabulary


def test_wikitext_missing_files_error(tmp_path):
    with pytest.raises(MXNetError, match="wiki.valid.tokens"):
        text.WikiText103(root=str(tmp_path), segment="validation")
    with pytest.raises(MXNetError, match="wikitext-2-v1.zip"):
        text.WikiText2(root=str(tmp_path))
