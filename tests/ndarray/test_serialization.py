"""mx.nd.save / mx.nd.load / mx.nd.load_frombuffer against MXNet 1.9.1's binary format.

Golden files: tests/fixtures/mxnet-1.9.1/params/ (written by real MXNet 1.9.1, with JSON sidecars
holding the exact values) and the checkpoints in models/. Legacy (V0/V1) and hostile files are
built by hand with struct, following the format notes.
"""
import hashlib
import json
import os
import pickle
import struct
import time

import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError
from mxnet.context import num_gpus
from mxnet.ndarray.serialization import _save_to_bytes

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "mxnet-1.9.1")
PARAMS = os.path.join(FIXTURES, "params")
MODELS = os.path.join(FIXTURES, "models")

V1, V2, V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA
DTYPES = ["float32", "float64", "float16", "uint8", "int8", "int32", "int64", "bool",
          "int16", "uint16", "uint32", "uint64"]
FLAGS = {d: i for i, d in enumerate(DTYPES)}
SHAPES = [(0,), (3,), (2, 3, 4), (1, 1, 1, 1, 5), (0, 3), (5, 0)]


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _sample(dtype, shape, seed=0):
    """Random values with the dtype's extremes (max, subnormal, -0.0, min / min, max) first."""
    rng = np.random.RandomState(seed)
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return np.asarray(rng.rand(*shape) > 0.5)
    if dt.kind == "f":
        a = np.asarray(rng.randn(*shape) * 10).astype(dt)
        fi = np.finfo(dt)
        special = [fi.max, fi.smallest_subnormal, -0.0, fi.min]
    else:
        ii = np.iinfo(dt)
        a = np.asarray(rng.randint(0, 100, size=shape)).astype(dt)
        special = [ii.min, ii.max]
    n = min(a.size, len(special))
    a.reshape(-1)[:n] = np.array(special[:n], dtype=dt)
    return a


def _same(nd, ref):
    got = nd.asnumpy()
    assert np.dtype(nd.dtype) == ref.dtype and got.dtype == ref.dtype
    assert got.shape == ref.shape
    assert got.tobytes() == ref.tobytes()            # bit-exact: -0.0, subnormals, NaN payloads


# -- byte builders (format notes: list container, V0/V1/V2/V3 records) --------------------------
def _container(records, names=None):
    out = struct.pack("<QQQ", 0x112, 0, len(records)) + b"".join(records)
    names = names or []
    out += struct.pack("<Q", len(names))
    for n in names:
        raw = n.encode("utf-8") if isinstance(n, str) else n
        out += struct.pack("<Q", len(raw)) + raw
    return out


def _rec_v2(a, magic=V2, dev=(1, 0), flag=None, stype=0):
    a = np.asarray(a)
    flag = FLAGS[a.dtype.name] if flag is None else flag
    return (struct.pack("<Iii", magic, stype, a.ndim) + struct.pack("<%dq" % a.ndim, *a.shape)
            + struct.pack("<iii", dev[0], dev[1], flag) + a.tobytes())


def _rec_v1(a, dev=(1, 0)):
    return (struct.pack("<Ii", V1, a.ndim) + struct.pack("<%dq" % a.ndim, *a.shape)
            + struct.pack("<iii", dev[0], dev[1], FLAGS[a.dtype.name]) + a.tobytes())


def _rec_v0(a, dev=(1, 0)):
    return (struct.pack("<I", a.ndim) + struct.pack("<%dI" % a.ndim, *a.shape)
            + struct.pack("<iii", dev[0], dev[1], FLAGS[a.dtype.name]) + a.tobytes())


# -- golden files written by MXNet 1.9.1 -------------------------------------------------------
FIXTURE_FILES = ["dict_legacy", "dict_npshape", "list", "single"]


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_load_fixture(name):
    meta = json.load(open(os.path.join(PARAMS, name + ".json")))
    path = os.path.join(PARAMS, name + ".params")
    raw = _read(path)
    assert hashlib.sha256(raw).hexdigest() == meta["sha256"]
    for loaded in (mx.nd.load(path), mx.nd.load_frombuffer(raw)):
        assert type(loaded).__name__ == meta["mx_nd_load_returns"]
        items = list(loaded.items()) if isinstance(loaded, dict) else [(None, a) for a in loaded]
        assert len(items) == len(meta["arrays"])
        for (key, arr), m in zip(items, meta["arrays"]):
            assert key == m["name"]
            assert arr.context == mx.cpu(0)
            ref = np.array(m["values"], dtype=m["dtype"]).reshape(m["shape"])
            _same(arr, ref)


@pytest.mark.parametrize("name", ["dict_legacy", "list", "single"])
def test_resave_is_byte_identical(name, tmp_path):
    path = os.path.join(PARAMS, name + ".params")
    loaded = mx.nd.load(path)
    data = loaded[0] if name == "single" else loaded
    out = str(tmp_path / "out.params")
    mx.nd.save(out, data)
    assert _read(out) == _read(path)


def test_npshape_fixture_v3_writer():
    # dict_npshape holds V3 records (0-d arrays included); the internal V3 writer (for npx.save)
    # reproduces it, while mx.nd.save writes V2 records for every array but the 0-d ones.
    path = os.path.join(PARAMS, "dict_npshape.params")
    loaded = mx.nd.load(path)
    assert loaded["float32_scalar"].shape == ()
    assert _save_to_bytes(loaded, np_shape=True) == _read(path)
    again = mx.nd.load_frombuffer(_save_to_bytes(loaded))
    for k, v in loaded.items():
        _same(again[k], v.asnumpy())


@pytest.mark.parametrize("model", ["mlp", "lenet", "smallcnn"])
def test_load_checkpoint_params(model, tmp_path):
    meta = json.load(open(os.path.join(MODELS, model + "-meta.json")))
    path = os.path.join(MODELS, meta["params_file"])
    params = mx.nd.load(path)
    assert list(params) == meta["params_keys_in_file_order"]
    out = str(tmp_path / "ck.params")
    mx.nd.save(out, params)
    assert _read(out) == _read(path)


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_roundtrip_list_dict_single(dtype, tmp_path):
    refs = [_sample(dtype, s, seed=i) for i, s in enumerate(SHAPES)]
    nds = [mx.nd.array(r, dtype=r.dtype) for r in refs]
    path = str(tmp_path / "a.params")

    mx.nd.save(path, nds)
    out = mx.nd.load(path)
    assert isinstance(out, list) and len(out) == len(refs)
    for o, r in zip(out, refs):
        _same(o, r)

    names = ["w{}_{}".format(i, "x".join(map(str, r.shape))) for i, r in enumerate(refs)]
    mx.nd.save(path, dict(zip(names, nds)))
    out = mx.nd.load(path)
    assert isinstance(out, dict) and list(out) == names
    for n, r in zip(names, refs):
        _same(out[n], r)

    mx.nd.save(path, nds[2])
    out = mx.nd.load(path)
    assert isinstance(out, list) and len(out) == 1
    _same(out[0], refs[2])
    # loaded arrays are ordinary, writable NDArrays
    out[0][:] = 0
    assert not out[0].asnumpy().any()


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
def test_roundtrip_0d_uses_v3(dtype):
    ref = _sample(dtype, (), seed=3)
    a = mx.nd.array(ref, dtype=ref.dtype)
    raw = _save_to_bytes({"s": a, "v": mx.nd.array([1.0])})
    assert struct.unpack_from("<I", raw, 24)[0] == V3
    out = mx.nd.load_frombuffer(raw)
    _same(out["s"], ref)


def test_load_frombuffer_inputs():
    ref = _sample("float32", (2, 3))
    raw = _save_to_bytes({"a": mx.nd.array(ref)})
    for buf in (raw, bytearray(raw), memoryview(raw)):
        _same(mx.nd.load_frombuffer(buf)["a"], ref)
    with pytest.raises(TypeError):
        mx.nd.load_frombuffer(12)


def test_empty_containers(tmp_path):
    path = str(tmp_path / "e.params")
    for data in ([], {}):
        mx.nd.save(path, data)
        assert _read(path) == struct.pack("<QQQQ", 0x112, 0, 0, 0)
        assert mx.nd.load(path) == []


def test_save_waits_for_pending_writes_and_views(tmp_path):
    x = mx.nd.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    y = x * 2 + 1
    path = str(tmp_path / "v.params")
    mx.nd.save(path, {"y": y, "T": x.T, "rows": x[1:], "uni\u00e9": x})
    out = mx.nd.load(path)
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    _same(out["y"], base * 2 + 1)
    _same(out["T"], np.ascontiguousarray(base.T))
    _same(out["rows"], base[1:])
    _same(out["uni\u00e9"], base)


def test_pathlike_and_tuple(tmp_path):
    a = mx.nd.array([1.0, 2.0])
    mx.nd.save(tmp_path / "p.params", (a, a))
    out = mx.nd.load(tmp_path / "p.params")
    assert len(out) == 2


def test_duplicate_names_last_wins():
    raw = _container([_rec_v2(np.float32([1])), _rec_v2(np.float32([2]))], ["k", "k"])
    assert mx.nd.load_frombuffer(raw)["k"].asnumpy().tolist() == [2.0]


# -- contexts --------------------------------------------------------------------------------
def test_context_is_written_and_load_goes_to_cpu0():
    a = mx.nd.array([1.0, 2.0], ctx=mx.cpu(1))
    b = mx.nd.array([3.0], ctx=mx.cpu_pinned(2))
    raw = _save_to_bytes([a, b])
    # record 0 starts at 24: magic, stype, ndim, 1 dim, then dev_type, dev_id
    assert struct.unpack_from("<ii", raw, 24 + 20) == (1, 1)
    off = 24 + 32 + 8
    assert struct.unpack_from("<ii", raw, off + 20) == (3, 2)
    out = mx.nd.load_frombuffer(raw)
    assert [o.context for o in out] == [mx.cpu(0), mx.cpu(0)]     # as MXNet 1.9.1 does


@pytest.mark.parametrize("dev", [(2, 0), (2, 7), (7, 3), (-1, -1)])
def test_gpu_or_unknown_context_record(dev):
    ref = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = mx.nd.load_frombuffer(_container([_rec_v2(ref, dev=dev)]))[0]
    gpu_ok = dev[0] == 2 and dev[1] < num_gpus()
    assert out.context == (mx.gpu(dev[1]) if gpu_ok else mx.cpu(0))
    _same(out, ref)


# -- legacy and V3 records --------------------------------------------------------------------
def test_legacy_v0_v1_records():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([-5, 2 ** 62, -2 ** 63], dtype=np.int64)
    c = np.zeros((0, 4), np.float16)
    d = np.array([[True, False]])
    raw = _container([_rec_v0(a), _rec_v1(b), _rec_v0(c), _rec_v1(d)], ["a", "b", "c", "d"])
    out = mx.nd.load_frombuffer(raw)
    for k, ref in zip("abcd", (a, b, c, d)):
        _same(out[k], ref)


def test_v3_records_in_any_mode():
    s = np.array(2.5, dtype=np.float64)
    v = np.array([1, 2, 3], dtype=np.uint8)
    out = mx.nd.load_frombuffer(_container([_rec_v2(s, magic=V3), _rec_v2(v, magic=V3)]))
    _same(out[0], s)
    _same(out[1], v)


def test_bool_bytes_are_normalised():
    raw = _container([_rec_v2(np.array([0, 1, 2, 255], np.uint8), flag=7)])
    assert mx.nd.load_frombuffer(raw)[0].asnumpy().tolist() == [False, True, True, True]


# -- sparse records (bytes written by MXNet 1.9.1), loaded densified ---------------------------
SPARSE_GOLDEN = {
    # mx.nd.sparse.row_sparse_array(([[1,2],[3,4]], [0,2]), shape=(4,2))
    "row_sparse": ("c9fa93f9010000000200000002000000000000000200000000000000020000000400000000000000"
                   "0200000000000000010000000000000000000000060000000100000002000000000000000000803f"
                   "00000040000040400000804000000000000000000200000000000000",
                   [[1, 2], [0, 0], [3, 4], [0, 0]]),
    # mx.nd.sparse.csr_matrix(([1,2,3], [0,2,1], [0,2,2,3]), shape=(3,3))
    "csr": ("c9fa93f9020000000100000003000000000000000200000003000000000000000300000000000000"
            "010000000000000000000000060000000100000004000000000000000600000001000000030000000000"
            "00000000803f00000040000040400000000000000000020000000000000002000000000000000300000000"
            "000000000000000000000002000000000000000100000000000000",
            [[1, 0, 2], [0, 0, 0], [0, 3, 0]]),
    # mx.nd.sparse.zeros('row_sparse', (3,2)) and ('csr', (3,2))
    "row_sparse_empty": ("c9fa93f901000000020000000000000000000000020000000000000002000000030000"
                         "00000000000200000000000000010000000000000000000000060000000100000000000000"
                         "00000000", [[0, 0]] * 3),
    "csr_empty": ("c9fa93f9020000000100000000000000000000000200000003000000000000000200000000000000"
                  "01000000000000000000000006000000010000000400000000000000060000000100000000000000"
                  "000000000000000000000000000000000000000000000000000000000000000000000000",
                  [[0, 0]] * 3),
}


@pytest.mark.parametrize("kind", sorted(SPARSE_GOLDEN))
def test_sparse_records_load_densified(kind):
    rec, dense = SPARSE_GOLDEN[kind]
    out = mx.nd.load_frombuffer(_container([bytes.fromhex(rec)]))[0]
    _same(out, np.array(dense, dtype=np.float32))


def _bad_sparse(kind, patch):
    rec = bytearray.fromhex(SPARSE_GOLDEN[kind][0])
    for off, val in patch:
        struct.pack_into("<q", rec, off, val)
    return _container([bytes(rec)])


# -- corrupt and hostile input ------------------------------------------------------------------
_GOOD = _container([_rec_v2(np.arange(6, dtype=np.float32).reshape(2, 3)),
                    _rec_v2(np.array([7, 8], np.int64))], ["a", "b"])
_R0 = 24                                   # offset of the first record
_R0_DIMS = _R0 + 12                        # its two int64 dims
_R0_CTX = _R0_DIMS + 16
_R0_FLAG = _R0_CTX + 8
_NAMES = len(_GOOD) - 26                # name count, then two 1-byte names


def _patch(fmt, off, *vals, base=_GOOD):
    b = bytearray(base)
    struct.pack_into(fmt, b, off, *vals)
    return bytes(b)


CORRUPT = {
    "empty": (b"", "truncated"),
    "short_header": (_GOOD[:12], "truncated"),
    "wrong_magic": (_patch("<Q", 0, 0x113), "header magic"),
    "pickle": (pickle.dumps({"a": np.zeros(3)}), "header magic"),
    "text": (b"this is not a params file at all", "header magic"),
    "count_2_60": (_patch("<Q", 16, 2 ** 60), "claims"),
    "count_max": (_patch("<Q", 16, 2 ** 64 - 1), "claims"),
    "count_too_big_by_one": (_patch("<Q", 16, 3), ""),
    "count_too_small": (_patch("<Q", 16, 1), ""),
    "record_magic": (_patch("<I", _R0, 0xDEADBEEF), "bad record magic"),
    "ndim_huge": (_patch("<i", _R0 + 8, 2 ** 31 - 1), "ndim"),
    "ndim_negative": (_patch("<i", _R0 + 8, -5), "ndim"),
    "ndim_unknown": (_patch("<i", _R0 + 8, -1), "unknown"),
    "ndim_zero_v2": (_patch("<i", _R0 + 8, 0), "ndim 0"),
    "dim_negative": (_patch("<q", _R0_DIMS, -3), "negative"),
    "dim_unknown_v3": (_patch("<I", _R0, V3, base=_patch("<q", _R0_DIMS, -1)), "negative"),
    "dims_overflow": (_patch("<qq", _R0_DIMS, 2 ** 62, 2 ** 62), "too large"),
    "dims_overflow_zero": (_container([struct.pack("<Iiiqqq", V2, 0, 3, 0, 2 ** 62, 2 ** 62)
                                       + struct.pack("<iii", 1, 0, 0)]), "too large"),
    "dims_huge_truncated": (_patch("<qq", _R0_DIMS, 2 ** 30, 2 ** 30), "truncated"),
    "type_flag_13": (_patch("<i", _R0_FLAG, 13), "type flag 13"),
    "type_flag_bf16": (_patch("<i", _R0_FLAG, 12), "bfloat16"),
    "type_flag_neg": (_patch("<i", _R0_FLAG, -1), "type flag -1"),
    "stype_unknown": (_patch("<i", _R0 + 4, 3), "storage type 3"),
    "stype_undefined": (_patch("<i", _R0 + 4, -1), "storage type -1"),
    "v3_sparse": (_patch("<Ii", _R0, V3, 1), "V3"),
    "name_count_mismatch": (_patch("<Q", _NAMES, 1), "name count"),
    "name_count_huge": (_patch("<Q", _NAMES, 2 ** 60), "name count"),
    "name_len_huge": (_patch("<Q", _NAMES + 8, 2 ** 63), "truncated"),
    "name_not_utf8": (_container([_rec_v2(np.float32([1]))], [b"\xff\xfe"]), "UTF-8"),
    "no_name_table": (_GOOD[:_NAMES], "truncated"),
    "trailing_garbage": (_GOOD + b"\x00", "trailing"),
    "v0_ndim_zero": (_container([struct.pack("<Iiii", 0, 1, 0, 0) + bytes(8)]), "ndim 0"),
    "v0_dims_huge": (_container([struct.pack("<III", 2, 2 ** 32 - 1, 2 ** 32 - 1)
                                 + struct.pack("<iii", 1, 0, 1)]), "too large"),
    "v1_ndim_huge": (_container([struct.pack("<Ii", V1, 10 ** 9) + bytes(16)]), "ndim"),
    "rsp_index_out_of_range": (_bad_sparse("row_sparse", [(100, 4)]), "out of range"),
    "rsp_index_negative": (_bad_sparse("row_sparse", [(92, -1)]), "out of range"),
    "csr_indptr_decreasing": (_bad_sparse("csr", [(104, 5)]), "indptr"),
    "csr_col_out_of_range": (_bad_sparse("csr", [(136, 3)]), "out of range"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_buffer_raises(case):
    buf, words = CORRUPT[case]
    t0 = time.perf_counter()
    with pytest.raises(MXNetError) as info:
        mx.nd.load_frombuffer(buf)
    assert time.perf_counter() - t0 < 1.0
    msg = str(info.value)
    assert "buffer" in msg and words in msg, msg


def test_every_truncation_raises():
    for cut in range(len(_GOOD)):
        with pytest.raises(MXNetError, match="truncated|claims"):
            mx.nd.load_frombuffer(_GOOD[:cut])


def test_corrupt_file_message_names_file(tmp_path):
    path = tmp_path / "broken.params"
    path.write_bytes(_GOOD[:-3])
    with pytest.raises(MXNetError, match="broken.params.*truncated"):
        mx.nd.load(str(path))
    with pytest.raises(MXNetError, match="missing.params"):
        mx.nd.load(str(tmp_path / "missing.params"))
    with pytest.raises(TypeError):
        mx.nd.load(5)


# -- save argument checks (MXNet's error types) ------------------------------------------------
_A = mx.nd.array([1.0, 2.0])


@pytest.mark.parametrize("data, exc", [
    ({1: _A}, TypeError),
    ({"a": np.zeros(2)}, TypeError),
    ([_A, np.zeros(2)], TypeError),
    ([_A, 3], TypeError),
    (5, ValueError),
    (np.zeros(3), ValueError),
    ("abc", ValueError),
    (None, ValueError),
])
def test_save_bad_data(data, exc, tmp_path):
    path = tmp_path / "bad.params"
    with pytest.raises(exc):
        mx.nd.save(str(path), data)
    assert not path.exists()


def test_save_bad_fname():
    with pytest.raises(TypeError):
        mx.nd.save(5, _A)


def test_save_unwritable_path(tmp_path):
    with pytest.raises(MXNetError, match="cannot write"):
        mx.nd.save(str(tmp_path / "no_such_dir" / "x.params"), _A)
