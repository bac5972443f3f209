"""Text datasets for language modeling: WikiText-2 and WikiText-103.

MXNet downloads the archives; here the token files are read from ``root`` (see
:py:class:`WikiText2`), and a missing file raises MXNetError saying which file to put where.
"""
import os

import numpy as np

from .... import ndarray as nd
from ....base import MXNetError, data_dir
from ....contrib import text
from ...data import dataset

__all__ = ["WikiText2", "WikiText103"]

_EOS = "<eos>"
_SEGMENT_FILES = {"train": "wiki.train.tokens", "validation": "wiki.valid.tokens",
                  "test": "wiki.test.tokens"}


class _LanguageModelDataset(dataset._DownloadedDataset):  # pylint: disable=protected-access
    def __init__(self, root, namespace, vocab):
        self._vocab = vocab
        self._counter = None
        self._namespace = namespace
        super().__init__(root, None)

    @property
    def vocabulary(self):
        """The :py:class:`mxnet.contrib.text.vocab.Vocabulary` used for indexing."""
        return self._vocab

    @property
    def frequencies(self):
        """Token counter (collections.Counter) of the segment's text."""
        return self._counter

    def _build_vocab(self, content):
        if not self._counter:
            self._counter = text.utils.count_tokens_from_str(content)
        if not self._vocab:
            self._vocab = text.vocab.Vocabulary(counter=self.frequencies,
                                                reserved_tokens=[_EOS])


class _WikiText(_LanguageModelDataset):
    _archive = None  # set by subclasses

    def _read_batch(self, filename):
        with open(filename, "r", encoding="utf8") as f:
            content = f.read()
        self._build_vocab(content)
        tokens = []
        for line in content.splitlines():
            words = line.strip().split()
            if words:
                tokens.extend(words)
                tokens.append(_EOS)
        ids = self.vocabulary.to_indices(tokens)
        return np.array(ids[:-1], dtype=np.int32), np.array(ids[1:], dtype=np.int32)

    def _get_data(self):
        if self._segment not in _SEGMENT_FILES:
            raise ValueError("segment must be one of {}, got {!r}".format(
                sorted(_SEGMENT_FILES), self._segment))
        fname = _SEGMENT_FILES[self._segment]
        path = os.path.join(self._root, fname)
        if not os.path.exists(path):
            raise MXNetError(
                "{cls}: file {f} not found in {root} (downloading is not available). Put the "
                "{seg} segment's token file there as {f} (or pass root= the folder that holds "
                "it); the files are in {zip} from {url}.".format(
                    cls=type(self).__name__, f=fname, root=self._root, seg=self._segment,
                    zip=self._archive,
                    url="https://s3.amazonaws.com/research.metamind.io/wikitext/" + self._archive))
        data, label = self._read_batch(path)
        n = len(data) // self._seq_len * self._seq_len
        self._data = nd.array(data[:n], dtype=data.dtype).reshape((-1, self._seq_len))
        self._label = nd.array(label[:n], dtype=label.dtype).reshape((-1, self._seq_len))

    def __getitem__(self, idx):
        return self._data[idx], self._label[idx]

    def __len__(self):
        return len(self._label)


class WikiText2(_WikiText):
    """WikiText-2 word-level language-modeling dataset (Salesforce research; CC BY-SA).

    Each sample is a pair ``(data, label)`` of int32 vectors of length ``seq_len``; ``label`` is
    ``data`` shifted by one token. An ``'<eos>'`` token ends each line.

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/wikitext-2
        Folder holding ``wiki.train.tokens``, ``wiki.valid.tokens``, ``wiki.test.tokens``.
    segment : str, default 'train'
        'train', 'validation' or 'test'.
    vocab : :class:`~mxnet.contrib.text.vocab.Vocabulary`, default None
        Vocabulary for indexing; by default one is built from the segment's tokens.
    seq_len : int, default 35
        Length of each sample, regardless of sentence boundaries.
    """
    _archive = "wikitext-2-v1.zip"

    def __init__(self, root=os.path.join(data_dir(), "datasets", "wikitext-2"),
                 segment="train", vocab=None, seq_len=35):
        self._segment = segment
        self._seq_len = seq_len
        super().__init__(root, "wikitext-2", vocab)


class WikiText103(_WikiText):
    """WikiText-103 word-level language-modeling dataset (Salesforce research; CC BY-SA).

    Same format and parameters as :py:class:`WikiText2`; ``root`` defaults to
    ``$MXNET_HOME/datasets/wikitext-103``.
    """
    _archive = "wikitext-103-v1.zip"

    def __init__(self, root=os.path.join(data_dir(), "datasets", "wikitext-103"),
                 segment="train", vocab=None, seq_len=35):
        self._segment = segment
        self._seq_len = seq_len
        super().__init__(root, "wikitext-103", vocab)
