"""``mx.io.LibSVMIter``: batches of CSR rows read from LibSVM text files, as MXNet's C++ iterator.

Each line of ``data_libsvm`` is ``label idx:value idx:value ...`` with zero-based feature indices
(a ``label:weight`` first token keeps the label; ``qid:`` tokens are skipped). The batch data is a
``CSRNDArray`` of shape ``(batch_size,) + data_shape``. Without ``label_libsvm`` the labels are
the first column, dense, shape ``(batch_size,)``; with it, the label file's features form a
``CSRNDArray`` of shape ``(batch_size,) + label_shape``. ``num_parts`` / ``part_index`` split each
file by bytes at line boundaries (dmlc's line splitter). Only ``round_batch=True`` is supported, as
in MXNet: the last batch is completed from the beginning and the next epoch continues from there.
"""
import os

import numpy as np

from ..base import MXNetError
from ..ops.params import Int, Bool, Str, Shape
from .io import MXDataIter
from .native import IterParam, PREFETCH_PARAMS, BatchLoader, Batch, parse_params, make_doc

__all__ = ["LibSVMIter"]

LIBSVM_PARAMS = (
    IterParam("data_libsvm", Str, doc="The input zero-base indexed LibSVM data file or a directory path."),
    IterParam("data_shape", Shape, doc="The shape of one example."),
    IterParam("label_libsvm", Str, "NULL", "The input LibSVM label file or a directory path. If NULL, "
              "all labels will be read from ``data_libsvm``."),
    IterParam("label_shape", Shape, (1,), "The shape of one label."),
    IterParam("num_parts", Int, 1, "partition the data into multiple parts"),
    IterParam("part_index", Int, 0, "the index of the part will read"),
    IterParam("batch_size", Int, doc="Batch size.", lower=0),
    IterParam("round_batch", Bool, True, "Whether to use round robin to handle overflow batch or not."),
) + PREFETCH_PARAMS


def _files(uri):
    if os.path.isdir(uri):
        paths = sorted(os.path.join(uri, f) for f in os.listdir(uri))
        paths = [p for p in paths if os.path.isfile(p)]
    else:
        paths = [uri] if os.path.isfile(uri) else []
    if not paths:
        raise MXNetError("LibSVMIter: LocalFileSystem.GetPathInfo: {} error: No such file or directory"
                         .format(uri))
    return paths


def _record_begin(buf, pos):
    """dmlc LineSplitter::SeekRecordBegin: from ``pos``, skip past the next end-of-line run."""
    n = len(buf)
    while pos < n and buf[pos] not in b"\r\n":
        pos += 1
    while pos < n and buf[pos] in b"\r\n":
        pos += 1
    return pos


def _read_part(uri, num_parts, part_index):
    """The bytes of part ``part_index`` of ``num_parts`` of the file(s) at ``uri``."""
    buf = b"".join(open(p, "rb").read() for p in _files(uri))   # files as one byte stream
    if num_parts <= 1:
        return buf
    if not 0 <= part_index < num_parts:
        raise MXNetError("LibSVMIter: part_index {} out of range for num_parts {}".format(part_index, num_parts))
    total = len(buf)
    step = (total + num_parts - 1) // num_parts
    begin, end = min(step * part_index, total), min(step * (part_index + 1), total)
    if begin == end:
        return b""
    if end != total:
        end = _record_begin(buf, end)
    if begin != 0:
        begin = _record_begin(buf, begin)
    return buf[begin:end]


def parse_libsvm(text, num_col, what):
    """(labels float32 (n,), indptr int64, indices int64, values float32) of LibSVM ``text``;
    MXNetError on a malformed token or a feature index outside ``[0, num_col)``."""
    labels, indptr, indices, values = [], [0], [], []
    for lineno, line in enumerate(text.decode("utf-8").splitlines(), 1):
        toks = line.split()
        if not toks or toks[0].startswith("#"):
            continue
        try:
            labels.append(float(toks[0].split(":")[0]))
            feats = [t.split(":") for t in toks[1:] if not t.startswith("qid:")]
            indices.extend(int(k) for k, _ in feats)
            values.extend(float(v) for _, v in feats)
        except ValueError:
            raise MXNetError("LibSVMIter: {} line {}: cannot parse {!r} as LibSVM (label idx:value ...)"
                             .format(what, lineno, line)) from None
        indptr.append(len(indices))
    indices = np.asarray(indices, np.int64)
    bad = (indices < 0) | (indices >= num_col)
    if bad.any():
        raise MXNetError("LibSVMIter: {}: feature index {} is out of range for shape ({},) (indices are "
                         "zero-based)".format(what, int(indices[bad][0]), num_col))
    return (np.asarray(labels, np.float32), np.asarray(indptr, np.int64), indices,
            np.asarray(values, np.float32))


def _gather_rows(indptr, indices, values, rows):
    """CSR (indptr, indices, values) of ``rows`` of a CSR matrix, in that order."""
    starts, stops = indptr[rows], indptr[rows + 1]
    lens = stops - starts
    new_ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    pos = np.repeat(starts - new_ptr[:-1], lens) + np.arange(new_ptr[-1])
    return new_ptr, indices[pos], values[pos]


class _LibSVMLoader(BatchLoader):
    """BatchLoader's batching over row numbers; ``value()`` gathers the rows into CSR arrays."""

    def __init__(self, data, label, batch_size, data_shape, label_shape):
        super().__init__(np.zeros((data[0].size, 0), np.float32), np.zeros((data[0].size, 0), np.float32),
                         batch_size, True, (0,), np.float32, "LibSVMIter")
        self.csr = data                # (labels, indptr, indices, values)
        self.label_csr = label         # None: dense labels from the data file
        self.data_shape = (batch_size,) + tuple(data_shape)
        if label is None:
            self.label_shape = (batch_size,) if int(np.prod(label_shape)) == 1 else (batch_size,) + tuple(label_shape)
        else:
            self.label_shape = (batch_size,) + tuple(label_shape)

    def _copy(self, top, start, count):
        self._index_buf[top:top + count] = np.arange(start, start + count, dtype=np.uint64)

    def describe(self):
        return ((self.data_shape, np.float32), (self.label_shape, np.float32))

    def value(self):
        from ..ndarray import sparse, array
        rows = self._index_buf.astype(np.int64)
        _, indptr, indices, values = self.csr
        p, i, v = _gather_rows(indptr, indices, values, rows)
        data = sparse.csr_matrix((v, i, p), shape=self.data_shape, dtype=np.float32)
        if self.label_csr is None:
            lab = self.csr[0][rows]
            label = array(np.broadcast_to(lab.reshape((-1,) + (1,) * (len(self.label_shape) - 1)),
                                          self.label_shape).copy(), dtype=np.float32)
        else:
            p, i, v = _gather_rows(*self.label_csr[1:], rows)
            label = sparse.csr_matrix((v, i, p), shape=self.label_shape, dtype=np.float32)
        return Batch(data, label, self._pad, self._index_buf)


class _LibSVMDataIter(MXDataIter):
    """MXDataIter whose handle hands out ready NDArrays (CSR data)."""

    def _current(self):
        if self._cur is None:
            value = self.handle.value()
            self._cur = (value.data, value.label)
        return self._cur


def _build(p):
    if p["dtype"] not in (None, "float32"):
        raise MXNetError("LibSVMIter: dtype {} is not supported (LibSVMIter gives float32)".format(p["dtype"]))
    if not p["round_batch"]:
        raise MXNetError("LibSVMIter: sparse batch loader doesn't support round_batch == false yet")
    if len(p["data_shape"]) != 1:
        raise MXNetError("LibSVMIter: data_shape must be 1-D (num_features,), got {}".format(tuple(p["data_shape"])))
    if p["batch_size"] < 1:
        raise MXNetError("LibSVMIter: batch_size must be positive, got {}".format(p["batch_size"]))
    data = parse_libsvm(_read_part(p["data_libsvm"], p["num_parts"], p["part_index"]), p["data_shape"][0],
                        p["data_libsvm"])
    n = data[0].size
    label = None
    if p["label_libsvm"] != "NULL":
        if len(p["label_shape"]) != 1:
            raise MXNetError("LibSVMIter: label_shape must be 1-D with label_libsvm, got {}"
                             .format(tuple(p["label_shape"])))
        label = parse_libsvm(_read_part(p["label_libsvm"], p["num_parts"], p["part_index"]),
                             p["label_shape"][0], p["label_libsvm"])
        if label[0].size < n:
            raise MXNetError("LibSVMIter: label_libsvm {} has {} rows but data_libsvm {} has {}".format(
                p["label_libsvm"], label[0].size, p["data_libsvm"], n))
    return _LibSVMLoader(data, label, p["batch_size"], p["data_shape"], p["label_shape"])


def LibSVMIter(*args, **kwargs):  # noqa: N802 - MXNet's name
    if args:
        raise TypeError("LibSVMIter can only accept keyword arguments")
    return _LibSVMDataIter(_build(parse_params("LibSVMIter", LIBSVM_PARAMS, kwargs)), **kwargs)


LibSVMIter.__module__ = "mxnet.io"
LibSVMIter.__doc__ = make_doc(
    "Returns the LibSVM iterator which returns data with `csr` storage type.\n\n" + __doc__.split("\n\n", 1)[1],
    LIBSVM_PARAMS)
