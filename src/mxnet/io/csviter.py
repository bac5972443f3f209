"""CSVIter: batches from CSV files (one example per line), as MXNet's CSVIter gives them."""
import os

import numpy as np

from ..base import MXNetError
from ..ops.params import Int, Bool, Str, Shape
from .native import IterParam, PREFETCH_PARAMS, BatchLoader, make_creator

__all__ = ["CSVIter"]

CSV_PARAMS = (
    IterParam("data_csv", Str, doc="The input CSV file or a directory path."),
    IterParam("data_shape", Shape, doc="The shape of one example."),
    IterParam("label_csv", Str, "NULL", "The input CSV file or a directory path. If NULL, all "
              "labels will be returned as 0."),
    IterParam("label_shape", Shape, (1,), "The shape of one label."),
    IterParam("batch_size", Int, doc="Batch size.", lower=1),
    IterParam("round_batch", Bool, True,
              "Whether to use round robin to handle overflow batch or not."),
) + PREFETCH_PARAMS

_CSV_DTYPES = {None: np.float32, "float32": np.float32, "int32": np.int32, "int64": np.int64}


def _files(uri):
    """The non-empty files named by ``uri`` (a file, or a directory: its files, sorted)."""
    if os.path.isdir(uri):
        paths = sorted(os.path.join(uri, f) for f in os.listdir(uri))
        paths = [f for f in paths if os.path.isfile(f)]
    else:
        paths = [uri] if os.path.isfile(uri) else []
    paths = [f for f in paths if os.path.getsize(f) > 0]
    if not paths:
        raise MXNetError("CSVIter: Cannot find any files that matches the URI pattern " + uri)
    return paths


def _parse_value(text, dtype):
    return int(text) if np.issubdtype(dtype, np.integer) else float(text)


def _check_lines(path, size, shape, dtype):
    """Find and report the first bad line of ``path`` (the slow path, after a fast parse failed)."""
    with open(path, "r") as f:
        lines = f.read().splitlines()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != size:
            raise MXNetError(
                "CSVIter: {} line {}: the data size in CSV does not match the size of the "
                "shape: specified shape={}, the csv row-length={}".format(
                    path, lineno, tuple(shape), len(fields)))
        try:
            [_parse_value(v, dtype) for v in fields]
        except ValueError:
            raise MXNetError("CSVIter: {} line {}: cannot parse {!r} as {}".format(
                path, lineno, line, np.dtype(dtype).name)) from None
    raise MXNetError("CSVIter: cannot parse {}".format(path))


def read_csv(uri, shape, dtype):
    """All rows of the CSV file(s) at ``uri`` as an array (rows, *shape); MXNetError naming the
    file and line on a row of the wrong length or a value that is not a number."""
    size = int(np.prod(shape))
    parts = []
    for path in _files(uri):
        try:
            arr = np.loadtxt(path, delimiter=",", dtype=dtype, ndmin=2, comments=None)
        except ValueError:
            arr = None
        if arr is None or arr.shape[1] != size:
            _check_lines(path, size, shape, dtype)
        parts.append(arr)
    data = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return data.reshape((data.shape[0],) + tuple(shape))


def _build(p):
    if p["dtype"] not in _CSV_DTYPES:
        raise MXNetError("CSVIter: {} is not supported for CSVIter (use float32, int32 or int64)"
                         .format(p["dtype"]))
    dtype = _CSV_DTYPES[p["dtype"]]
    data = read_csv(p["data_csv"], p["data_shape"], dtype)
    label_shape = tuple(p["label_shape"])
    if p["label_csv"] == "NULL":
        label = np.zeros((data.shape[0],) + label_shape, dtype=dtype)
    else:
        label = read_csv(p["label_csv"], label_shape, dtype)
        if label.shape[0] < data.shape[0]:
            raise MXNetError("CSVIter: label_csv {} has {} rows but data_csv {} has {}".format(
                p["label_csv"], label.shape[0], p["data_csv"], data.shape[0]))
        label = label[:data.shape[0]]
    # one value per example: labels come as (batch_size,), as in MXNet
    out_label_shape = () if int(np.prod(label_shape)) == 1 else label_shape
    return BatchLoader(data, label, p["batch_size"], p["round_batch"], out_label_shape, dtype,
                       "CSVIter")


CSVIter = make_creator(
    "CSVIter",
    "Returns the CSV file iterator.\n\nEach line of ``data_csv`` is one example, reshaped to "
    "``data_shape``; ``label_csv`` (optional) holds one label per line, of ``label_shape``. "
    "If ``data_csv`` is a directory, all its files are read. Values are parsed as float32, or "
    "int32 / int64 with ``dtype``.\n\nWith ``round_batch=True`` (default), the last batch is "
    "completed with examples from the beginning and the epoch after ``reset()`` continues "
    "from there; with ``round_batch=False`` the padding slots of the last batch hold stale "
    "values, and ``pad`` tells how many there are.",
    CSV_PARAMS, _build)
