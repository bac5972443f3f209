"""Token embeddings: ``CustomEmbedding`` (a local text file of ``token v1 v2 ...`` lines),
``CompositeEmbedding`` (several embeddings concatenated over one vocabulary), and the
pre-trained ``GloVe`` and ``FastText`` (which load an already-downloaded file; downloading is
not available). ``register``/``create``/``get_pretrained_file_names`` manage the registry."""
import logging
import os
import warnings

from . import _constants as C
from . import vocab
from ... import ndarray as nd
from ...base import MXNetError, data_dir

__all__ = ["register", "create", "get_pretrained_file_names", "GloVe", "FastText",
           "CustomEmbedding", "CompositeEmbedding"]

_REGISTRY = {}


def register(embedding_cls):
    """Class decorator registering a token embedding (a subclass of ``_TokenEmbedding``) under
    its lower-cased class name, for ``create``."""
    if not (isinstance(embedding_cls, type) and issubclass(embedding_cls, _TokenEmbedding)):
        raise ValueError("Can only register subclass of _TokenEmbedding")
    name = embedding_cls.__name__.lower()
    if name in _REGISTRY:
        warnings.warn("New token embedding %s.%s is overriding existing token embedding %s.%s" % (
            embedding_cls.__module__, embedding_cls.__name__,
            _REGISTRY[name].__module__, _REGISTRY[name].__name__), UserWarning, stacklevel=2)
    _REGISTRY[name] = embedding_cls
    return embedding_cls


def create(embedding_name, **kwargs):
    """An instance of the registered token embedding ``embedding_name`` built with ``kwargs``."""
    if isinstance(embedding_name, _TokenEmbedding):
        return embedding_name
    name = embedding_name.lower()
    assert name in _REGISTRY, \
        "%s is not registered. Please register with token embedding.register first" % name
    return _REGISTRY[name](**kwargs)


def get_pretrained_file_names(embedding_name=None):
    """The pre-trained file names of ``embedding_name``, or a dict of them for every registered
    token embedding."""
    if embedding_name is not None:
        if embedding_name not in _REGISTRY:
            raise KeyError("Cannot find `embedding_name` %s. Use `get_pretrained_file_names("
                           "embedding_name=None).keys()` to get all the valid embedding "
                           "names." % embedding_name)
        return list(_REGISTRY[embedding_name].pretrained_file_names)
    return {name: list(cls.pretrained_file_names) for name, cls in _REGISTRY.items()}


class _TokenEmbedding(vocab.Vocabulary):
    """A Vocabulary whose tokens have vectors: ``idx_to_vec`` is an NDArray of shape
    ``(len(self), vec_len)``; row 0 is the unknown token's vector."""

    pretrained_file_names = ()

    def __init__(self, **kwargs):
        super(_TokenEmbedding, self).__init__(**kwargs)

    @classmethod
    def _check_pretrained_file_names(cls, pretrained_file_name):
        name = cls.__name__.lower()
        if pretrained_file_name not in cls.pretrained_file_names:
            raise KeyError("Cannot find pretrained file %s for token embedding %s. Valid "
                           "pretrained files for embedding %s: %s" % (
                               pretrained_file_name, name, name,
                               ", ".join(cls.pretrained_file_names)))

    @classmethod
    def _get_pretrained_file(cls, embedding_root, pretrained_file_name):
        """The local path of a pre-trained file; an error saying where to put it if absent."""
        path = os.path.join(os.path.expanduser(embedding_root), cls.__name__.lower(),
                            pretrained_file_name)
        if not os.path.isfile(path):
            raise MXNetError(
                "Pre-trained token embedding file %s is not available: neomx cannot download it "
                "(no network access). Put the extracted file at %s, or load a local file with "
                "mxnet.contrib.text.embedding.CustomEmbedding." % (pretrained_file_name, path))
        return path

    def _load_embedding(self, pretrained_file_path, elem_delim, init_unknown_vec, encoding="utf8"):
        pretrained_file_path = os.path.expanduser(pretrained_file_path)
        if not os.path.isfile(pretrained_file_path):
            raise ValueError("`pretrained_file_path` must be a valid path to "
                             "the pre-trained token embedding file.")
        logging.info("Loading pre-trained token embedding vectors from %s", pretrained_file_path)
        vec_len = None
        all_elems = []
        tokens = set()
        loaded_unknown_vec = None
        with open(pretrained_file_path, "r", encoding=encoding) as f:
            for line_num, line in enumerate(f, 1):
                elems = line.rstrip().split(elem_delim)
                assert len(elems) > 1, "At line %d of the pre-trained text embedding file: the " \
                    "data format of the pre-trained token embedding file %s is unexpected." % (
                        line_num, pretrained_file_path)
                token, elems = elems[0], [float(i) for i in elems[1:]]
                if token == self.unknown_token and loaded_unknown_vec is None:
                    loaded_unknown_vec = elems
                    tokens.add(self.unknown_token)
                elif token in tokens:
                    warnings.warn("At line %d of the pre-trained token embedding file: the "
                                  "embedding vector for token %s has been loaded and a duplicate "
                                  "embedding for the  same token is seen and skipped." %
                                  (line_num, token))
                elif len(elems) == 1:
                    warnings.warn("At line %d of the pre-trained text embedding file: token %s "
                                  "with 1-dimensional vector %s is likely a header and is "
                                  "skipped." % (line_num, token, elems))
                else:
                    if vec_len is None:
                        vec_len = len(elems)
                        all_elems.extend([0] * vec_len)   # row 0: the unknown token
                    else:
                        assert len(elems) == vec_len, \
                            "At line %d of the pre-trained token embedding file: the dimension " \
                            "of token %s is %d but the dimension of previous tokens is %d. " \
                            "Dimensions of all the tokens must be the same." % (
                                line_num, token, len(elems), vec_len)
                    all_elems.extend(elems)
                    self._idx_to_token.append(token)
                    self._token_to_idx[token] = len(self._idx_to_token) - 1
                    tokens.add(token)
        self._vec_len = vec_len
        self._idx_to_vec = nd.array(all_elems).reshape((-1, self.vec_len))
        if loaded_unknown_vec is None:
            self._idx_to_vec[C.UNKNOWN_IDX] = init_unknown_vec(shape=self.vec_len)
        else:
            self._idx_to_vec[C.UNKNOWN_IDX] = nd.array(loaded_unknown_vec)

    def _index_tokens_from_vocabulary(self, vocabulary):
        self._token_to_idx = vocabulary.token_to_idx.copy()
        self._idx_to_token = vocabulary.idx_to_token[:]
        self._unknown_token = vocabulary.unknown_token
        self._reserved_tokens = vocabulary.reserved_tokens[:] \
            if vocabulary.reserved_tokens is not None else None

    def _set_idx_to_vec_by_embeddings(self, token_embeddings, vocab_len, vocab_idx_to_token):
        new_vec_len = sum(embed.vec_len for embed in token_embeddings)
        new_idx_to_vec = nd.zeros(shape=(vocab_len, new_vec_len))
        col_start = 0
        for embed in token_embeddings:
            col_end = col_start + embed.vec_len
            new_idx_to_vec[0, col_start:col_end] = embed.idx_to_vec[0]
            if vocab_len > 1:
                new_idx_to_vec[1:, col_start:col_end] = \
                    embed.get_vecs_by_tokens(vocab_idx_to_token[1:])
            col_start = col_end
        self._vec_len = new_vec_len
        self._idx_to_vec = new_idx_to_vec

    def _build_embedding_for_vocabulary(self, vocabulary):
        if vocabulary is not None:
            assert isinstance(vocabulary, vocab.Vocabulary), \
                "The argument `vocabulary` must be an instance of " \
                "mxnet.contrib.text.vocab.Vocabulary."
            self._set_idx_to_vec_by_embeddings([self], len(vocabulary), vocabulary.idx_to_token)
            self._index_tokens_from_vocabulary(vocabulary)

    @property
    def vec_len(self):
        """The length of each embedding vector."""
        return self._vec_len

    @property
    def idx_to_vec(self):
        """NDArray (len(self), vec_len): the vector of each indexed token."""
        return self._idx_to_vec

    def get_vecs_by_tokens(self, tokens, lower_case_backup=False):
        """The vector of a token (1-D) or the vectors of a list of tokens (2-D); unknown tokens
        get the unknown vector; ``lower_case_backup`` retries a missing token in lower case."""
        single = not isinstance(tokens, list)
        tokens = [tokens] if single else tokens
        if not lower_case_backup:
            indices = [self.token_to_idx.get(token, C.UNKNOWN_IDX) for token in tokens]
        else:
            indices = [self.token_to_idx[token] if token in self.token_to_idx
                       else self.token_to_idx.get(token.lower(), C.UNKNOWN_IDX)
                       for token in tokens]
        vecs = nd.Embedding(nd.array(indices), self.idx_to_vec, self.idx_to_vec.shape[0],
                            self.idx_to_vec.shape[1])
        return vecs[0] if single else vecs

    def update_token_vectors(self, tokens, new_vectors):
        """Replace the vectors of known ``tokens`` by ``new_vectors`` (1-D for one token)."""
        assert self.idx_to_vec is not None, "The property `idx_to_vec` has not been properly set."
        if not isinstance(tokens, list) or len(tokens) == 1:
            assert isinstance(new_vectors, nd.NDArray) and len(new_vectors.shape) in [1, 2], \
                "`new_vectors` must be a 1-D or 2-D NDArray if `tokens` is a singleton."
            if not isinstance(tokens, list):
                tokens = [tokens]
            if len(new_vectors.shape) == 1:
                new_vectors = nd.expand_dims(new_vectors, axis=0)
        else:
            assert isinstance(new_vectors, nd.NDArray) and len(new_vectors.shape) == 2, \
                "`new_vectors` must be a 2-D NDArray if `tokens` is a list of multiple strings."
        assert new_vectors.shape == (len(tokens), self.vec_len), \
            "The length of new_vectors must be equal to the number of tokens and the width of" \
            "new_vectors must be equal to the dimension of embeddings of the glossary."
        indices = []
        for token in tokens:
            if token not in self.token_to_idx:
                raise ValueError("Token %s is unknown. To update the embedding vector for an "
                                 "unknown token, please specify it explicitly as the "
                                 "`unknown_token` %s in `tokens`. This is to avoid unintended "
                                 "updates." % (token, self.idx_to_token[C.UNKNOWN_IDX]))
            indices.append(self.token_to_idx[token])
        self._idx_to_vec[nd.array(indices)] = new_vectors


@register
class GloVe(_TokenEmbedding):
    """The GloVe embedding (Pennington et al., 2014), from an already-downloaded file under
    ``embedding_root/glove/`` (downloading is not available in neomx)."""

    pretrained_file_names = C.GLOVE_FILE_NAMES

    def __init__(self, pretrained_file_name="glove.840B.300d.txt",
                 embedding_root=os.path.join(data_dir(), "embeddings"),
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        GloVe._check_pretrained_file_names(pretrained_file_name)
        super(GloVe, self).__init__(**kwargs)
        path = GloVe._get_pretrained_file(embedding_root, pretrained_file_name)
        self._load_embedding(path, " ", init_unknown_vec)
        if vocabulary is not None:
            self._build_embedding_for_vocabulary(vocabulary)


@register
class FastText(_TokenEmbedding):
    """The fastText embedding (Bojanowski et al., 2017), from an already-downloaded file under
    ``embedding_root/fasttext/`` (downloading is not available in neomx)."""

    pretrained_file_names = C.FAST_TEXT_FILE_NAMES

    def __init__(self, pretrained_file_name="wiki.simple.vec",
                 embedding_root=os.path.join(data_dir(), "embeddings"),
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        FastText._check_pretrained_file_names(pretrained_file_name)
        super(FastText, self).__init__(**kwargs)
        path = FastText._get_pretrained_file(embedding_root, pretrained_file_name)
        self._load_embedding(path, " ", init_unknown_vec)
        if vocabulary is not None:
            self._build_embedding_for_vocabulary(vocabulary)


class CustomEmbedding(_TokenEmbedding):
    """A token embedding from a local file with one ``token<elem_delim>v1<elem_delim>v2...``
    line per token; restricted to ``vocabulary`` when given."""

    def __init__(self, pretrained_file_path, elem_delim=" ", encoding="utf8",
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        super(CustomEmbedding, self).__init__(**kwargs)
        self._load_embedding(pretrained_file_path, elem_delim, init_unknown_vec, encoding)
        if vocabulary is not None:
            self._build_embedding_for_vocabulary(vocabulary)


class CompositeEmbedding(_TokenEmbedding):
    """The tokens of ``vocabulary`` with the vectors of ``token_embeddings`` concatenated."""

    def __init__(self, vocabulary, token_embeddings):
        assert isinstance(vocabulary, vocab.Vocabulary), \
            "The argument `vocabulary` must be an instance of " \
            "mxnet.contrib.text.indexer.Vocabulary."
        if not isinstance(token_embeddings, list):
            token_embeddings = [token_embeddings]
        for embed in token_embeddings:
            assert isinstance(embed, _TokenEmbedding), \
                "The argument `token_embeddings` must be an instance or a list of instances " \
                "of `mxnet.contrib.text.embedding.TextEmbedding` whose embedding vectors will be" \
                "loaded or concatenated-then-loaded to map to the indexed tokens."
        self._index_tokens_from_vocabulary(vocabulary)
        self._set_idx_to_vec_by_embeddings(token_embeddings, len(self), self.idx_to_token)
