"""Sparse NDArrays (``mx.nd.sparse``), their storage-type rules, file format and ``mx.sym.sparse``.

Expected storage types were read from real MXNet 1.9.1; values are checked against NumPy.
"""
import os
import pickle

import numpy as np
import pytest

import mxnet as mx
from mxnet.ndarray import sparse as sp

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "sparse", "sparse.nd")

C_DENSE = np.array([[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 0, 0]], dtype=np.float32)
R_DENSE = np.array([[1, 2], [0, 0], [3, 4], [0, 0]], dtype=np.float32)


def csr():
    return sp.csr_matrix(([1., 2, 3], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 4))


def rsp():
    return sp.row_sparse_array(([[1., 2], [3, 4]], [0, 2]), shape=(4, 2))


# -- construction -------------------------------------------------------------------------------
def test_csr_components():
    c = csr()
    assert isinstance(c, sp.CSRNDArray) and isinstance(c, mx.nd.NDArray)
    assert c.stype == "csr" and c.shape == (3, 4) and c.dtype == np.float32
    np.testing.assert_array_equal(c.asnumpy(), C_DENSE)
    np.testing.assert_array_equal(c.data.asnumpy(), [1, 2, 3])
    np.testing.assert_array_equal(c.indices.asnumpy(), [0, 2, 1])
    np.testing.assert_array_equal(c.indptr.asnumpy(), [0, 2, 2, 3])
    assert c.indices.dtype == np.int64 and c.indptr.dtype == np.int64
    assert repr(c) == "\n<CSRNDArray 3x4 @cpu(0)>"


def test_rsp_components():
    r = rsp()
    assert isinstance(r, sp.RowSparseNDArray) and r.stype == "row_sparse"
    np.testing.assert_array_equal(r.asnumpy(), R_DENSE)
    np.testing.assert_array_equal(r.data.asnumpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(r.indices.asnumpy(), [0, 2])
    assert r.indices.dtype == np.int64
    assert repr(r) == "\n<RowSparseNDArray 4x2 @cpu(0)>"


def test_component_write_is_visible():
    c = csr()
    c.data[:] = mx.nd.array([5, 6, 7])
    np.testing.assert_array_equal(c.asnumpy()[0], [5, 0, 6, 0])


@pytest.mark.parametrize("make, shape, dtype", [
    (lambda: sp.csr_matrix(([1., 2, 3], [0, 2, 1], [0, 2, 2, 3])), (3, 3), np.float32),
    (lambda: sp.csr_matrix((np.array([1., 2]), np.array([0, 1], dtype=np.int32), [0, 1, 2]),
                           shape=(2, 2)), (2, 2), np.float64),
    (lambda: sp.csr_matrix(([1, 2, 3], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 4), dtype="float64"),
     (3, 4), np.float64),
    (lambda: sp.csr_matrix(np.array([[0, 1.], [2, 0]])), (2, 2), np.float64),
    (lambda: sp.csr_matrix(mx.nd.array([[0, 1.], [2, 0]])), (2, 2), np.float32),
    (lambda: sp.csr_matrix((3, 4)), (3, 4), np.float32),
    (lambda: sp.csr_matrix(csr()), (3, 4), np.float32),
    (lambda: sp.row_sparse_array(([[1., 2], [3, 4]], [0, 2])), (3, 2), np.float32),
    (lambda: sp.row_sparse_array((np.ones((1, 2), dtype=np.float64), [1]), shape=(3, 2)),
     (3, 2), np.float64),
    (lambda: sp.row_sparse_array((4, 2)), (4, 2), np.float32),
    (lambda: sp.row_sparse_array(np.eye(3)), (3, 3), np.float64),
    (lambda: sp.zeros("row_sparse", (2, 2, 2), dtype="float16"), (2, 2, 2), np.float16),
    (lambda: sp.empty("csr", (2, 3)), (2, 3), np.float32),
    (lambda: sp.array(csr()), (3, 4), np.float32),
])
def test_creation_shape_dtype(make, shape, dtype):
    a = make()
    assert a.shape == shape and a.dtype == dtype


def test_zeros_components():
    z = sp.zeros("csr", (2, 3))
    assert z.data.shape == (0,) and z.indices.shape == (0,)
    np.testing.assert_array_equal(z.indptr.asnumpy(), [0, 0, 0])
    r = sp.zeros("row_sparse", (4, 2))
    assert r.data.shape == (0, 2) and r.indices.shape == (0,)
    np.testing.assert_array_equal(r.asnumpy(), np.zeros((4, 2)))
    assert sp.zeros("default", (2, 2)).stype == "default"


def test_coo_form_sums_duplicates():
    a = sp.csr_matrix(([1., 2, 3, 4], ([0, 0, 2, 0], [0, 2, 1, 2])), shape=(3, 4))
    ref = np.zeros((3, 4), np.float32)
    ref[0, 0], ref[0, 2], ref[2, 1] = 1, 6, 3
    np.testing.assert_array_equal(a.asnumpy(), ref)
    a.check_format()


def test_creation_errors():
    with pytest.raises(ValueError):
        sp.zeros("foo", (2, 2))
    with pytest.raises(ValueError):
        sp.array(np.eye(2))
    with pytest.raises(AssertionError):
        sp.array(mx.nd.ones((2, 2)))
    with pytest.raises(ValueError):
        sp.array([[1, 0]])
    with pytest.raises(ValueError):
        sp.row_sparse_array(([1., 2], [1]), shape=(3, 2))
    with pytest.raises(ValueError):
        sp.csr_matrix(([1., 2], [0], [0, 1, 2]), shape=(2, 2))


def test_scipy_interop():
    spsp = pytest.importorskip("scipy.sparse")
    s = csr().asscipy()
    assert isinstance(s, spsp.csr_matrix)
    np.testing.assert_array_equal(s.toarray(), C_DENSE)
    np.testing.assert_array_equal(sp.array(s).asnumpy(), C_DENSE)


# -- check_format -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: sp.csr_matrix(([1., 2, 3], [0, 2, 1], [0, 2, 3, 2]), shape=(3, 4)),    # bad indptr
    lambda: sp.csr_matrix(([1., 2, 3], [0, 5, 1], [0, 2, 2, 3]), shape=(3, 4)),    # col too big
    lambda: sp.csr_matrix(([1., 2, 3], [2, 0, 1], [0, 2, 2, 3]), shape=(3, 4)),    # unsorted row
    lambda: sp.row_sparse_array(([[1., 2], [3, 4]], [2, 0]), shape=(4, 2)),        # unsorted
    lambda: sp.row_sparse_array(([[1., 2], [3, 4]], [0, 7]), shape=(4, 2)),        # out of range
])
def test_check_format_errors(make):
    with pytest.raises(mx.MXNetError):
        make().check_format()


def test_check_format_ok():
    csr().check_format()
    rsp().check_format()
    sp.zeros("csr", (2, 3)).check_format()
    sp.csr_matrix(([1., 2, 3], [2, 0, 1], [0, 2, 2, 3]), shape=(3, 4)).check_format(full_check=False)


# -- storage types of results (from MXNet 1.9.1) -------------------------------------------------
def _d(shape):
    return mx.nd.ones(shape)


STYPE_CASES = [
    ("abs(csr)", lambda: sp.abs(csr()), "csr"),
    ("abs(rsp)", lambda: sp.abs(rsp()), "row_sparse"),
    ("sqrt(csr)", lambda: sp.sqrt(csr()), "csr"),
    ("exp(csr)", lambda: sp.exp(csr()), "default"),
    ("sigmoid(rsp)", lambda: sp.sigmoid(rsp()), "default"),
    ("cos(csr)", lambda: sp.cos(csr()), "default"),
    ("sin(rsp)", lambda: sp.sin(rsp()), "row_sparse"),
    ("zeros_like(csr)", lambda: sp.zeros_like(csr()), "csr"),
    ("csr.abs()", lambda: csr().abs(), "csr"),
    ("csr.exp()", lambda: csr().exp(), "default"),
    ("elemwise_add(csr,csr)", lambda: sp.elemwise_add(csr(), csr()), "csr"),
    ("elemwise_add(csr,dns)", lambda: sp.elemwise_add(csr(), _d((3, 4))), "default"),
    ("elemwise_sub(rsp,rsp)", lambda: sp.elemwise_sub(rsp(), rsp()), "row_sparse"),
    ("elemwise_mul(csr,dns)", lambda: sp.elemwise_mul(csr(), _d((3, 4))), "csr"),
    ("elemwise_mul(dns,rsp)", lambda: sp.elemwise_mul(_d((4, 2)), rsp()), "row_sparse"),
    ("elemwise_div(csr,dns)", lambda: sp.elemwise_div(csr(), _d((3, 4))), "default"),
    ("csr+csr", lambda: csr() + csr(), "csr"),
    ("rsp+rsp", lambda: rsp() + rsp(), "row_sparse"),
    ("csr+dns", lambda: csr() + _d((3, 4)), "default"),
    ("csr*2", lambda: csr() * 2, "csr"),
    ("2*rsp", lambda: 2 * rsp(), "row_sparse"),
    ("csr+1", lambda: csr() + 1, "default"),
    ("csr+0", lambda: csr() + 0, "csr"),
    ("csr/2", lambda: csr() / 2, "csr"),
    ("csr-csr", lambda: csr() - csr(), "csr"),
    ("-csr", lambda: -csr(), "csr"),
    ("dot(csr,dns)", lambda: sp.dot(csr(), _d((4, 2))), "default"),
    ("dot(csr.T,dns)", lambda: sp.dot(csr(), _d((3, 2)), transpose_a=True), "row_sparse"),
    ("dot(dns,csr)", lambda: sp.dot(_d((2, 3)), csr()), "csr"),
    ("dot(csr,rsp)", lambda: sp.dot(csr(), sp.row_sparse_array(([[1., 1]], [1]), shape=(4, 2))),
     "default"),
    ("dot(csr,dns,fwd=csr)", lambda: sp.dot(csr(), _d((4, 2)), forward_stype="csr"), "csr"),
    ("add_n(csr*3)", lambda: sp.add_n(csr(), csr(), csr()), "default"),
    ("add_n(rsp,rsp)", lambda: sp.add_n(rsp(), rsp()), "row_sparse"),
    ("ElementWiseSum(rsp,dns)", lambda: sp.ElementWiseSum(rsp(), _d((4, 2))), "default"),
    ("retain", lambda: sp.retain(rsp(), mx.nd.array([0])), "row_sparse"),
    ("slice rows", lambda: sp.slice(csr(), begin=(1,), end=(3,)), "csr"),
    ("slice 2d", lambda: sp.slice(csr(), begin=(1, 1), end=(3, 3)), "csr"),
    ("sum", lambda: sp.sum(csr(), axis=0), "default"),
    ("mean", lambda: sp.mean(csr(), axis=1), "default"),
    ("norm", lambda: sp.norm(rsp()), "default"),
    ("where", lambda: sp.where(csr(), csr(), csr()), "default"),
    ("clip", lambda: sp.clip(csr(), a_min=0, a_max=2), "csr"),
    ("concat", lambda: sp.concat(csr(), csr()), "default"),
    ("broadcast_mul(csr,dns)", lambda: sp.broadcast_mul(csr(), _d((3, 1))), "csr"),
    ("broadcast_add(csr,dns)", lambda: sp.broadcast_add(csr(), _d((3, 1))), "default"),
    ("stop_gradient", lambda: sp.stop_gradient(csr()), "csr"),
    ("make_loss", lambda: sp.make_loss(rsp()), "row_sparse"),
    ("cast_storage", lambda: mx.nd.cast_storage(_d((3, 4)), stype="csr"), "csr"),
    ("tostype rsp", lambda: _d((3, 4)).tostype("row_sparse"), "row_sparse"),
    ("tostype default", lambda: csr().tostype("default"), "default"),
    ("csr[1:3]", lambda: csr()[1:3], "csr"),
    ("csr[1]", lambda: csr()[1], "csr"),
    ("zeros rsp + rsp", lambda: sp.zeros("row_sparse", (4, 2)) + rsp(), "row_sparse"),
    ("zeros rsp + dns", lambda: sp.zeros("row_sparse", (4, 2)) + _d((4, 2)), "default"),
    ("astype", lambda: csr().astype("int32"), "csr"),
]


@pytest.mark.parametrize("label, fn, stype", STYPE_CASES, ids=[c[0] for c in STYPE_CASES])
def test_result_stype(label, fn, stype):
    out = fn()
    assert out.stype == stype
    assert isinstance(out, {"csr": sp.CSRNDArray, "row_sparse": sp.RowSparseNDArray,
                            "default": mx.nd.NDArray}[stype])
    out.asnumpy()


# -- values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, ref", [
    ("abs", np.abs), ("sqrt", np.sqrt), ("square", np.square), ("negative", np.negative),
    ("sign", np.sign), ("exp", np.exp), ("log1p", np.log1p), ("tanh", np.tanh),
])
@pytest.mark.parametrize("make, dense", [(csr, C_DENSE), (rsp, R_DENSE)])
def test_unary_values(name, ref, make, dense):
    out = getattr(sp, name)(make())
    np.testing.assert_allclose(out.asnumpy(), ref(dense), rtol=1e-6)


def test_unary_keeps_structure():
    c = sp.csr_matrix(([-1., 2, -3], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 4))
    out = sp.relu(c)
    np.testing.assert_array_equal(out.indices.asnumpy(), [0, 2, 1])
    np.testing.assert_array_equal(out.data.asnumpy(), [0, 2, 0])


def test_binary_values():
    a, b = csr(), sp.csr_matrix(([5., 6], [1, 2], [0, 1, 1, 2]), shape=(3, 4))
    bd = b.asnumpy()
    np.testing.assert_array_equal((a + b).asnumpy(), C_DENSE + bd)
    np.testing.assert_array_equal((a - b).asnumpy(), C_DENSE - bd)
    np.testing.assert_array_equal((a * b).asnumpy(), C_DENSE * bd)
    np.testing.assert_array_equal((a * 3).asnumpy(), C_DENSE * 3)
    np.testing.assert_array_equal((a + 1).asnumpy(), C_DENSE + 1)
    np.testing.assert_array_equal((1 - a).asnumpy(), 1 - C_DENSE)
    d = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(sp.elemwise_mul(a, mx.nd.array(d)).asnumpy(), C_DENSE * d)
    np.testing.assert_array_equal(sp.broadcast_mul(a, mx.nd.array([[1.], [2], [3]])).asnumpy(),
                                  C_DENSE * [[1], [2], [3]])


def test_dot_values():
    w = np.arange(8, dtype=np.float32).reshape(4, 2)
    np.testing.assert_allclose(sp.dot(csr(), mx.nd.array(w)).asnumpy(), C_DENSE @ w)
    v = np.arange(6, dtype=np.float32).reshape(3, 2)
    out = sp.dot(csr(), mx.nd.array(v), transpose_a=True)
    np.testing.assert_allclose(out.asnumpy(), C_DENSE.T @ v)
    np.testing.assert_array_equal(out.indices.asnumpy(), [0, 1, 2])
    u = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(sp.dot(mx.nd.array(u), csr()).asnumpy(), u @ C_DENSE)
    np.testing.assert_allclose(mx.nd.dot(csr(), mx.nd.array(w)).asnumpy(), C_DENSE @ w)
    with pytest.raises(mx.MXNetError):
        sp.dot(csr(), mx.nd.ones((5, 2))).asnumpy()


def test_reductions_and_where():
    np.testing.assert_allclose(sp.sum(csr(), axis=0).asnumpy(), C_DENSE.sum(0))
    np.testing.assert_allclose(sp.sum(csr(), axis=0, keepdims=True).asnumpy(), C_DENSE.sum(0, keepdims=True))
    np.testing.assert_allclose(sp.mean(csr(), axis=1).asnumpy(), C_DENSE.mean(1))
    np.testing.assert_allclose(sp.norm(csr()).asnumpy(), [np.sqrt((C_DENSE ** 2).sum())], rtol=1e-6)
    out = sp.where(csr(), mx.nd.ones((3, 4)), mx.nd.zeros((3, 4)))
    np.testing.assert_array_equal(out.asnumpy(), (C_DENSE != 0).astype(np.float32))


def test_csr_row_slicing():
    c = csr()
    s = c[1:3]
    assert s.shape == (2, 4)
    np.testing.assert_array_equal(s.asnumpy(), C_DENSE[1:3])
    np.testing.assert_array_equal(s.indptr.asnumpy(), [0, 0, 1])
    np.testing.assert_array_equal(s.indices.asnumpy(), [1])
    np.testing.assert_array_equal(c[-1].asnumpy(), C_DENSE[-1:])
    np.testing.assert_array_equal(sp.slice(c, begin=(1, 1), end=(3, 3)).asnumpy(), C_DENSE[1:3, 1:3])
    assert c[:] is c
    with pytest.raises(ValueError):
        c[0:3:2]
    with pytest.raises(ValueError):
        c[1, 2]
    with pytest.raises(IndexError):
        c[3]
    with pytest.raises(ValueError):
        rsp()[1:2]


def test_row_sparse_results_keep_input_rows():
    r2 = sp.row_sparse_array(([[1., 2], [3, 4]], [1, 2]), shape=(4, 2))
    for out, rows in [(rsp() + rsp() * -1, [0, 2]), (rsp() + r2, [0, 1, 2]), (rsp() * r2, [0, 1, 2]),
                      (sp.elemwise_mul(rsp(), mx.nd.zeros((4, 2))), [0, 2]),
                      (sp.add_n(rsp(), r2), [0, 1, 2])]:
        np.testing.assert_array_equal(out.indices.asnumpy(), rows)
    np.testing.assert_array_equal((rsp() + r2).asnumpy(), R_DENSE + r2.asnumpy())
    c = sp.csr_matrix(([1., -1], [0, 0], [0, 1, 2]), shape=(2, 3))
    out = sp.dot(c, mx.nd.ones((2, 2)), transpose_a=True)
    np.testing.assert_array_equal(out.indices.asnumpy(), [0])
    np.testing.assert_array_equal(out.data.asnumpy(), [[0, 0]])


def test_retain():
    out = sp.retain(rsp(), mx.nd.array([3, 2, 0], dtype="int64"))
    np.testing.assert_array_equal(out.indices.asnumpy(), [3, 2, 0])
    np.testing.assert_array_equal(out.data.asnumpy(), [[0, 0], [3, 4], [1, 2]])
    np.testing.assert_array_equal(rsp().retain(mx.nd.array([2])).asnumpy(), R_DENSE * [[0], [0], [1], [0]])
    # MXNet 1.9.1 stores the row ids as given, unsorted and repeated (it does not sort them)
    out = sp.retain(rsp(), mx.nd.array([2, 0, 2, 3, 0], dtype="int64"))
    np.testing.assert_array_equal(out.indices.asnumpy(), [2, 0, 2, 3, 0])
    np.testing.assert_array_equal(out.data.asnumpy(), R_DENSE[[2, 0, 2, 3, 0]])
    np.testing.assert_array_equal(out.asnumpy(), R_DENSE)


def test_retain_out_of_range_ids_are_zero_rows():
    """MXNet 1.9.1 keeps every requested id, out-of-range ones included, as a stored zero row
    (oracle: retain(rsp rows [0, 3], [3, 9, 1]) -> indices [3 9 1], data [[1]*3, [0]*3, [0]*3])."""
    r = sp.row_sparse_array((np.ones((2, 3), np.float32), [0, 3]), shape=(4, 3))
    out = sp.retain(r, mx.nd.array([3, 9, 1]))
    assert out.stype == "row_sparse" and out.shape == (4, 3)
    np.testing.assert_array_equal(out.indices.asnumpy(), [3, 9, 1])
    np.testing.assert_array_equal(out.data.asnumpy(), [[1] * 3, [0] * 3, [0] * 3])
    np.testing.assert_array_equal(out.asnumpy(), [[0] * 3, [0] * 3, [0] * 3, [1] * 3])
    out = rsp().retain(mx.nd.array([-1, 2, 4]))
    np.testing.assert_array_equal(out.indices.asnumpy(), [-1, 2, 4])
    np.testing.assert_array_equal(out.data.asnumpy(), [[0, 0], [3, 4], [0, 0]])
    # densified, such ids have no row (MXNet writes out of bounds: id -1 aborts the process)
    np.testing.assert_array_equal(out.asnumpy(), R_DENSE * [[0], [0], [1], [0]])
    with pytest.raises(mx.base.MXNetError, match="kRSPIdxErr"):
        out.check_format()
    # a source storing no rows gives no rows
    out = sp.retain(sp.zeros("row_sparse", (4, 3)), mx.nd.array([3, 9]))
    assert out.indices.shape == (0,) and out.data.shape == (0, 3)


@pytest.mark.parametrize("data, idx, stypes", [
    (lambda: mx.nd.ones((4, 3)), lambda: mx.nd.array([1]), "default, default, "),
    (lambda: mx.nd.ones((4, 3)).tostype("csr"), lambda: mx.nd.array([1]), "csr, default, "),
    (lambda: rsp(), lambda: mx.nd.array([1, 2]).tostype("row_sparse"), "row_sparse, row_sparse, "),
])
def test_retain_needs_row_sparse_data(data, idx, stypes):
    """MXNet 1.9.1 has no retain for other storage types (its error, raised at the call)."""
    with pytest.raises(mx.base.MXNetError) as err:
        sp.retain(data(), idx())
    assert str(err.value) == (
        "Check failed: infer_stype_success: Operator not implemented: operator = _sparse_retain\n"
        "input storage types = [{}]\noutput storage types = [unknown, ]\nparams = {{}}\n"
        "context.dev_mask = cpu".format(stypes))


# -- conversion, copies, assignment ----------------------------------------------------------
def test_cast_storage_roundtrip():
    d = mx.nd.array(C_DENSE)
    c = d.tostype("csr")
    np.testing.assert_array_equal(c.indptr.asnumpy(), [0, 2, 2, 3])
    np.testing.assert_array_equal(c.tostype("default").asnumpy(), C_DENSE)
    r = mx.nd.sparse.cast_storage(mx.nd.array(R_DENSE), stype="row_sparse")
    np.testing.assert_array_equal(r.indices.asnumpy(), [0, 2])
    assert d.tostype("default").stype == "default"


def test_cast_storage_errors():
    with pytest.raises(ValueError):
        csr().tostype("row_sparse")
    with pytest.raises(ValueError):
        rsp().tostype("csr")
    with pytest.raises(mx.MXNetError):
        mx.nd.ones((2, 2, 2)).tostype("csr")
    with pytest.raises(mx.MXNetError):
        mx.nd.cast_storage(mx.nd.ones((2, 2)), stype="coo")


def test_copyto_astype_setitem():
    c = csr()
    d = mx.nd.zeros((3, 4))
    c.copyto(d)
    np.testing.assert_array_equal(d.asnumpy(), C_DENSE)
    z = sp.zeros("csr", (3, 4))
    mx.nd.ones((3, 4)).copyto(z)
    np.testing.assert_array_equal(z.indptr.asnumpy(), [0, 4, 8, 12])
    c2 = c.copy()
    assert c2.stype == "csr" and c2 is not c
    np.testing.assert_array_equal(c.astype("float64").asnumpy(), C_DENSE)
    assert c.astype("float64").dtype == np.float64
    c[:] = mx.nd.ones((3, 4))
    assert c.stype == "csr"
    np.testing.assert_array_equal(c.asnumpy(), np.ones((3, 4)))
    r = rsp()
    r[:] = 3
    np.testing.assert_array_equal(r.indices.asnumpy(), [0, 1, 2, 3])
    with pytest.raises(TypeError):      # (MXNet: TypeError for row_sparse, a plain Exception for csr)
        c[1] = 3
    with pytest.raises(mx.MXNetError):
        c.copyto(mx.nd.zeros((2, 2)))
    with pytest.raises(mx.base.NotSupportedForSparseNDArray):
        c.reshape((4, 3))


def test_pickle():
    c = pickle.loads(pickle.dumps(csr()))
    assert c.stype == "csr"
    np.testing.assert_array_equal(c.asnumpy(), C_DENSE)


def test_out_argument():
    out = sp.zeros("csr", (3, 4))
    sp.abs(csr(), out=out)
    np.testing.assert_array_equal(out.asnumpy(), C_DENSE)
    z = sp.zeros("csr", (2, 2))
    mx.nd.abs(mx.nd.array([[1, 0], [0, -2]]), out=z)        # the generated (dense) function
    assert z.stype == "csr"
    np.testing.assert_array_equal(z.indices.asnumpy(), [0, 1])
    np.testing.assert_array_equal(z.asnumpy(), [[1, 0], [0, 2]])
    dense = mx.nd.zeros((3, 4))
    sp.elemwise_add(csr(), csr(), out=dense)
    np.testing.assert_array_equal(dense.asnumpy(), 2 * C_DENSE)


# -- save / load ---------------------------------------------------------------------------------
def test_save_load_roundtrip(tmp_path):
    f = str(tmp_path / "a.nd")
    data = {"c": csr(), "r": rsp(), "z": sp.zeros("csr", (2, 3)), "d": mx.nd.ones((2,))}
    mx.nd.save(f, data)
    back = mx.nd.load(f)
    for k, v in data.items():
        assert back[k].stype == v.stype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k].asnumpy(), v.asnumpy())
    np.testing.assert_array_equal(back["c"].indptr.asnumpy(), [0, 2, 2, 3])


def test_load_mxnet_file(tmp_path):
    got = mx.nd.load(FIXTURE)
    assert list(got) == ["csr", "rsp", "csr_f64", "rsp_i32", "csr_zeros", "rsp_zeros", "dense"]
    np.testing.assert_array_equal(got["csr"].asnumpy(), C_DENSE)
    np.testing.assert_array_equal(got["rsp"].asnumpy(), R_DENSE)
    c64 = got["csr_f64"]
    assert c64.dtype == np.float64 and c64.shape == (3, 5)
    np.testing.assert_array_equal(c64.data.asnumpy(), [1.5, -2])
    ri = got["rsp_i32"]
    assert ri.dtype == np.int32 and ri.shape == (5, 2, 3)
    np.testing.assert_array_equal(ri.indices.asnumpy(), [1, 3])
    np.testing.assert_array_equal(ri.data.asnumpy(), np.arange(12).reshape(2, 2, 3))
    assert got["csr_zeros"].stype == "csr" and got["csr_zeros"].data.shape == (0,)
    assert got["rsp_zeros"].stype == "row_sparse" and got["rsp_zeros"].data.shape == (0, 2)
    assert got["dense"].stype == "default"
    # writing them back gives MXNet's bytes
    f = str(tmp_path / "b.nd")
    mx.nd.save(f, got)
    with open(f, "rb") as a, open(FIXTURE, "rb") as b:
        assert a.read() == b.read()


def test_load_corrupt_sparse_record(tmp_path):
    raw = bytearray(open(FIXTURE, "rb").read())
    # the first record's csr indices: [0, 2, 1] -> make one 99 (out of range)
    pos = raw.find(np.array([0, 2, 1], dtype="<i8").tobytes())
    raw[pos + 8:pos + 16] = np.array([99], dtype="<i8").tobytes()
    with pytest.raises(mx.MXNetError):
        mx.nd.load_frombuffer(bytes(raw))


# -- optimizer updates with row_sparse gradients ---------------------------------------------
def test_sgd_lazy_update():
    w = mx.nd.ones((4, 2))
    sp.sgd_update(w, rsp(), lr=0.1, wd=0.1, out=w)
    exp = np.ones((4, 2), np.float32)
    exp[[0, 2]] = 1 - 0.1 * (R_DENSE[[0, 2]] + 0.1)
    np.testing.assert_allclose(w.asnumpy(), exp, rtol=1e-6)
    w = mx.nd.ones((4, 2))
    sp.sgd_update(w, rsp(), lr=0.1, wd=0.1, lazy_update=False, out=w)
    np.testing.assert_allclose(w.asnumpy(), 1 - 0.1 * (R_DENSE + 0.1), rtol=1e-6)


def test_sgd_mom_lazy_update():
    w, m = mx.nd.ones((4, 2)), mx.nd.ones((4, 2))
    sp.sgd_mom_update(w, rsp(), m, lr=0.1, wd=0.1, momentum=0.9, out=w)
    mexp = np.ones((4, 2), np.float32)
    mexp[[0, 2]] = 0.9 - 0.1 * (R_DENSE[[0, 2]] + 0.1)
    np.testing.assert_allclose(m.asnumpy(), mexp, rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), np.where(mexp == 1, 1, 1 + mexp), rtol=1e-6)


def test_adagrad_update():
    # values from MXNet 1.9.1: history += g^2; w -= lr * g / sqrt(history + eps)
    w, h = mx.nd.ones((4, 2)), mx.nd.ones((4, 2))
    sp.adagrad_update(w, rsp(), h, lr=0.1, epsilon=0.5, out=w)
    np.testing.assert_allclose(w.asnumpy(), [[0.93675447, 0.9147197], [1, 1], [0.907418, 0.9043817], [1, 1]],
                               rtol=1e-6)
    np.testing.assert_allclose(h.asnumpy(), [[2, 5], [1, 1], [10, 17], [1, 1]])
    with pytest.raises(mx.MXNetError):     # MXNet: no dense gradient, no weight decay
        sp.adagrad_update(w, mx.nd.ones((4, 2)), h, lr=0.1)
    with pytest.raises(mx.MXNetError):
        sp.adagrad_update(w, rsp(), h, lr=0.1, wd=0.1)


# -- registry / symbol ---------------------------------------------------------------------
def test_sparse_op_names_registered():
    from mxnet.ops import sparse_ops, registry
    assert sparse_ops.MISSING == []
    for name in ("_sparse_abs", "_sparse_dot", "_sparse_retain", "_sparse_cast_storage",
                 "_sparse_adagrad_update", "_sparse_stop_gradient", "cast_storage"):
        assert registry.find_op(name) is not None
    assert registry.get_op("_sparse_abs") is registry.get_op("abs")


def test_symbol_sparse_names():
    x = mx.sym.Variable("x", stype="csr")
    assert x.attr("__storage_type__") == "2"
    for fn, name, op in [(mx.sym.sparse.abs, "abs0", "abs"),
                         (mx.sym.sparse.stop_gradient, "stop_gradient0", "BlockGrad")]:
        with mx.name.NameManager():
            s = fn(x)
        assert s.name == name
        import json
        assert json.loads(s.tojson())["nodes"][-1]["op"] == op


def test_symbol_graph_runs_dense():
    x = mx.sym.Variable("x", stype="csr")
    y = mx.sym.sparse.sum(mx.sym.sparse.square(mx.sym.sparse.dot(x, mx.sym.Variable("w"))))
    ex = y.simple_bind(mx.cpu(), x=(3, 4), w=(4, 2))
    ex.arg_dict["x"][:] = C_DENSE
    ex.arg_dict["w"][:] = 1
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((1,)))
    t = C_DENSE @ np.ones((4, 2), np.float32)
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), [(t ** 2).sum()])
    np.testing.assert_allclose(ex.grad_dict["w"].asnumpy(), C_DENSE.T @ (2 * t))


def test_symbol_retain_forward_backward():
    r = mx.sym.sparse.retain(mx.sym.Variable("d"), mx.sym.Variable("i"))
    ex = r.simple_bind(mx.cpu(), d=(4, 2), i=(2,))
    ex.arg_dict["d"][:] = R_DENSE + 1
    ex.arg_dict["i"][:] = mx.nd.array([0, 2])
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((4, 2)))
    mask = np.array([[1], [0], [1], [0]], np.float32)
    np.testing.assert_array_equal(ex.outputs[0].asnumpy(), (R_DENSE + 1) * mask)
    np.testing.assert_array_equal(ex.grad_dict["d"].asnumpy(), np.ones((4, 2)) * mask)


# -- the imperative hook (imperative.invoke -> sparse.dispatch for sparse inputs) ------------------
def test_hook_generated_functions():
    assert mx.nd.abs(csr()).stype == "csr"
    assert mx.nd.exp(csr()).stype == "default"
    assert mx.nd.elemwise_add(rsp(), rsp()).stype == "row_sparse"
    w = mx.nd.ones((4, 2))
    mx.nd.sgd_update(w, rsp(), lr=0.1, wd=0.1, out=w)
    np.testing.assert_allclose(w.asnumpy()[1], [1, 1])


def test_optimizer_lazy_update():
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.1, momentum=0.0, lazy_update=True)
    upd = mx.optimizer.get_updater(opt)
    w = mx.nd.ones((4, 2))
    upd(0, rsp(), w)
    np.testing.assert_allclose(w.asnumpy()[[1, 3]], np.ones((2, 2)))
    assert (w.asnumpy()[[0, 2]] < 1).all()


def test_autograd_through_sparse_results():
    w = mx.nd.ones((3, 2))
    w.attach_grad()
    with mx.autograd.record():
        y = sp.dot(csr(), w, transpose_a=True)          # row_sparse
        z = sp.sum(sp.square(y * 2))
    z.backward()
    t = C_DENSE.T @ np.ones((3, 2), np.float32)
    assert y.stype == "row_sparse"
    np.testing.assert_allclose(z.asnumpy(), [((2 * t) ** 2).sum()])
    np.testing.assert_allclose(w.grad.asnumpy(), C_DENSE @ (8 * t))
    x = mx.nd.array(C_DENSE)
    x.attach_grad()
    with mx.autograd.record():
        u = sp.sum(sp.abs(x.tostype("csr")) * 3)
    u.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), 3 * (C_DENSE != 0))


def test_sparse_setitem_as_mxnet():
    """``x[:] = value`` as MXNet 1.9.1 (checked with it): a number fills a row_sparse array and
    stores every row (0 included); csr refuses numbers; lists and sub-slices are refused; NumPy
    arrays are stored compressed."""
    r = rsp()
    r[:] = 0
    np.testing.assert_array_equal(r.indices.asnumpy(), np.arange(r.shape[0]))
    np.testing.assert_array_equal(r.asnumpy(), np.zeros(r.shape))
    r[:] = np.eye(*r.shape)
    np.testing.assert_array_equal(r.indices.asnumpy(), np.arange(min(r.shape)))
    with pytest.raises(ValueError, match="Assigning numeric types to CSRNDArray"):
        csr()[:] = 1.5
    for x in (rsp(), csr()):
        with pytest.raises(TypeError, match="not supported"):
            x[:] = [[1.0] * x.shape[1]] * x.shape[0]
        with pytest.raises(ValueError, match="Assignment with slice"):
            x[1:2] = 0
    c = csr()
    c[:] = np.zeros(c.shape)
    assert c.indices.shape == (0,)
