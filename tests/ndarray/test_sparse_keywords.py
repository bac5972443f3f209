"""mx.nd.sparse functions take MXNet's named inputs and parameters (keyword or positional) and show
them in their signatures. Expected values from MXNet 1.9.1 runs."""
import inspect

import numpy as np

import mxnet as mx


def test_signatures_list_the_operator_parameters():
    assert str(inspect.signature(mx.nd.sparse.abs)) == "(data=None, out=None, name=None, **kwargs)"
    assert list(inspect.signature(mx.nd.sparse.dot).parameters) == [
        "lhs", "rhs", "transpose_a", "transpose_b", "forward_stype", "out", "name", "kwargs"]
    assert list(inspect.signature(mx.nd.sparse.sgd_update).parameters)[:4] == ["weight", "grad", "lr", "wd"]


def test_keyword_and_positional_calls():
    a = mx.nd.array([[0, 2], [3, 0]]).tostype("csr")
    d = mx.nd.array([[1, 2], [3, 4]])
    r = mx.nd.sparse.dot(lhs=a, rhs=d, transpose_a=True)
    assert r.stype == "row_sparse"
    np.testing.assert_array_equal(r.asnumpy(), [[9, 12], [2, 4]])
    rsp = mx.nd.array([[0, -2], [0, 0], [5, 1]]).tostype("row_sparse")
    for c in (mx.nd.sparse.clip(data=rsp, a_min=-1, a_max=1), mx.nd.sparse.clip(rsp, -1, 1)):
        assert c.stype == "row_sparse"
        np.testing.assert_array_equal(c.asnumpy(), [[0, -1], [0, 0], [1, 1]])
    e = mx.nd.sparse.elemwise_add(lhs=rsp, rhs=rsp)
    assert e.stype == "row_sparse"
    np.testing.assert_array_equal(e.asnumpy(), [[0, -4], [0, 0], [10, 2]])
    s = mx.nd.sparse.sum(data=a, axis=0)
    assert s.stype == "default"
    np.testing.assert_array_equal(s.asnumpy(), [3, 2])
    w = mx.nd.ones((3, 2))
    mx.nd.sparse.sgd_update(weight=w, grad=rsp, lr=0.5, out=w)
    np.testing.assert_array_equal(w.asnumpy(), [[1, 2], [1, 1], [-1.5, 0.5]])
