"""FullyConnected, Activation, the softmax family, the loss layers, Dropout and smooth_l1:
forward against NumPy, backward against finite differences (or the closed form for loss layers,
whose backward is not the derivative of their forward), shape/type inference and errors."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd

RNG = np.random.RandomState(7)


def _r(*shape, dtype=np.float32, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def _backward(name, inputs, kwargs=None, heads=None, is_train=True):
    """Outputs and input gradients of the registry rule (heads default to ones)."""
    op = get_op(name)
    attrs = op.parse(kwargs or {})
    env = OpEnv(np, is_train, mx.cpu())
    outs = list(op.forward(env, attrs, list(inputs), []))
    if heads is None:
        heads = [np.ones_like(o) for o in outs]
    grads = op.backward(env, attrs, list(inputs), outs, heads, [True] * len(inputs))
    return outs, grads


def np_softmax(x, axis=-1, t=1.0):
    z = x.astype(np.float64) / t
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


# -- FullyConnected ---------------------------------------------------------------------------

def _fc_ref(flatten, no_bias):
    def ref(x, w, b=None):
        x2 = x.reshape(x.shape[0], -1) if flatten else x
        y = x2.astype(np.float64) @ w.T.astype(np.float64)
        return y if no_bias else y + b
    return ref


FC_CASES = [  # (data shape, num_hidden, no_bias, flatten, dtype)
    ((3, 5), 4, False, True, np.float32),
    ((3, 5), 4, True, True, np.float32),
    ((2, 3, 5), 4, False, False, np.float32),
    ((2, 3, 2, 2), 4, False, True, np.float64),
    ((2, 3, 2, 2), 2, True, False, np.float64),
    ((6,), 3, False, True, np.float32),
    ((1, 7), 3, False, True, np.float32),        # batch of one: the weight gradient is an outer product
    ((1, 2, 3), 4, False, False, np.float64),
]


@pytest.mark.parametrize("shape,nh,no_bias,flatten,dtype", FC_CASES)
def test_fully_connected(shape, nh, no_bias, flatten, dtype):
    x = _r(*shape, dtype=dtype)
    in_units = int(np.prod(shape[1:])) if flatten else shape[-1]
    ins = [x, _r(nh, in_units, dtype=dtype)] + ([] if no_bias else [_r(nh, dtype=dtype)])
    kw = dict(num_hidden=nh, no_bias=no_bias, flatten=flatten)
    got = check_forward("FullyConnected", ins, kw, _fc_ref(flatten, no_bias), rtol=1e-4, atol=1e-5)
    assert got[0].dtype == dtype
    check_grad("FullyConnected", ins, kw)


@pytest.mark.parametrize("batch,in_units,nh", [(4, 6, 3), (128, 784, 128), (32, 64, 200), (512, 128, 10),
                                               (24, 784, 128), (4, 2048, 64)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fully_connected_is_numpy_gemm(batch, in_units, nh, dtype):
    """Every route of the layer's products (np.dot below ~4K output elements, matmul above, the
    transposed forward product for a few rows and a large weight) gives NumPy's own
    ``x @ w.T + b``, ``g @ w`` and ``g.T @ x`` bit for bit."""
    x, w, b = _r(batch, in_units, dtype=dtype), _r(nh, in_units, dtype=dtype), _r(nh, dtype=dtype)
    g = _r(batch, nh, dtype=dtype)
    (y,), (dx, dw, db) = _backward("FullyConnected", [x, w, b], dict(num_hidden=nh), heads=[g])
    np.testing.assert_array_equal(y, x @ w.T + b)
    np.testing.assert_array_equal(dx, g @ w)
    np.testing.assert_array_equal(dw, g.T @ x)
    np.testing.assert_array_equal(db, g.sum(axis=0))


def test_fully_connected_infer_shape_full():
    op = get_op("FullyConnected")
    a = op.parse(dict(num_hidden=5))
    ins, outs, _ = op.infer_shapes(a, [(2, 3, 4), None, None])
    assert ins == [(2, 3, 4), (5, 12), (5,)] and outs == [(2, 5)]
    a = op.parse(dict(num_hidden=5, flatten=False, no_bias=True))
    ins, outs, _ = op.infer_shapes(a, [(2, 3, 4), None])
    assert ins == [(2, 3, 4), (5, 4)] and outs == [(2, 3, 5)]
    # unknown data: weight stays as given, output unknown
    ins, outs, _ = op.infer_shapes(op.parse(dict(num_hidden=5)), [None, (5, 12), None])
    assert ins == [None, (5, 12), None] and outs == [None]
    assert op.infer_shape(op.parse(dict(num_hidden=5)), [(2, 3), (5, 3), (5,)]) == [(2, 5)]


def test_fully_connected_symbolic_mlp_shapes():
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=3, name="fc2")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    assert net.list_arguments() == ["data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias", "softmax_label"]
    args, outs, _ = net.infer_shape(data=(4, 10))
    assert args == [(4, 10), (8, 10), (8,), (3, 8), (3,), (4,)] and outs == [(4, 3)]


@pytest.mark.parametrize("weight,bias,arg", [((3, 4), (3,), "weight"), ((2, 6), (3,), "weight"),
                                             ((3, 6), (4,), "bias")])
def test_fully_connected_shape_errors(weight, bias, arg):
    with pytest.raises(mx.MXNetError, match=r"FullyConnected.*'{}'.*{}".format(arg, r"\(4, 6\)")):
        mx.nd.FullyConnected(mx.nd.ones((4, 6)), mx.nd.ones(weight), mx.nd.ones(bias), num_hidden=3)


def test_fully_connected_param_errors():
    x, w = mx.nd.ones((2, 3)), mx.nd.ones((3, 3))
    with pytest.raises(mx.MXNetError, match="num_hidden"):
        mx.nd.FullyConnected(x, w, num_hidden=0, no_bias=True)
    with pytest.raises(mx.MXNetError, match="num_hidden"):
        mx.nd.FullyConnected(x, w, no_bias=True)
    with pytest.raises(mx.MXNetError, match="3 inputs"):
        mx.nd.FullyConnected(x, w, num_hidden=3)
    with pytest.raises(mx.MXNetError, match="dtype"):
        mx.nd.FullyConnected(x, w.astype("float64"), num_hidden=3, no_bias=True)
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.FullyConnected(x.astype("int32"), w.astype("int32"), num_hidden=3, no_bias=True)


# -- Activation -------------------------------------------------------------------------------

ACT_REF = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": np_sigmoid,
    "tanh": np.tanh,
    "softrelu": lambda x: np.log1p(np.exp(x.astype(np.float64))),
    "softsign": lambda x: x / (1 + np.abs(x)),
}


@pytest.mark.parametrize("act", sorted(ACT_REF))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_activation(act, dtype):
    x = _r(3, 4, dtype=dtype)
    x[np.abs(x) < 0.05] = 0.5  # away from relu's kink
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float16 else dict(rtol=1e-5, atol=1e-6)
    got = check_forward("Activation", [x], dict(act_type=act), ACT_REF[act], **tol)
    assert got[0].dtype == dtype
    if dtype != np.float16:
        check_grad("Activation", [x], dict(act_type=act))


def test_activation_large_inputs_are_finite():
    x = np.array([-100.0, -30.0, 0.0, 30.0, 100.0], np.float32)
    for act in ("sigmoid", "softrelu"):
        y = run_nd("Activation", [x], act_type=act)[0]
        assert np.all(np.isfinite(y)), act
    np.testing.assert_allclose(run_nd("Activation", [x], act_type="softrelu")[0][-2:], [30.0, 100.0])


def test_activation_errors():
    with pytest.raises(mx.MXNetError, match="relu.*sigmoid.*softrelu.*softsign.*tanh"):
        mx.nd.Activation(mx.nd.ones((2, 2)), act_type="gelu")
    with pytest.raises(mx.MXNetError, match="act_type"):
        mx.nd.Activation(mx.nd.ones((2, 2)))
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.Activation(mx.nd.ones((2, 2), dtype="int32"), act_type="relu")


# -- softmax family ---------------------------------------------------------------------------

SOFTMAX_CASES = [  # (op, kwargs, shape)
    ("softmax", {}, (2, 3, 4)),
    ("softmax", {"axis": 1}, (2, 3, 4)),
    ("softmax", {"axis": 0, "temperature": 2.0}, (3, 4)),
    ("log_softmax", {}, (2, 5)),
    ("log_softmax", {"axis": 0, "temperature": 0.5}, (2, 3, 4)),
    ("softmin", {}, (3, 4)),
    ("softmin", {"axis": -2, "temperature": 3.0}, (2, 3, 4)),
]


def _softmax_ref(name, kw):
    def ref(x):
        ax, t = kw.get("axis", -1), kw.get("temperature") or 1.0
        if name == "softmin":
            return np_softmax(-x, ax, t)
        p = np_softmax(x, ax, t)
        return np.log(p) if name == "log_softmax" else p
    return ref


@pytest.mark.parametrize("name,kw,shape", SOFTMAX_CASES)
def test_softmax_family(name, kw, shape):
    x = _r(*shape)
    check_forward(name, [x], kw, _softmax_ref(name, kw), rtol=1e-5, atol=1e-6)
    check_grad(name, [x], kw)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("in_dt,out_dt", [("float16", None), ("float64", None), ("float16", "float32"),
                                          ("float32", "float64"), ("float64", "float16")])
def test_softmax_dtypes(name, in_dt, out_dt):
    x = _r(3, 5, dtype=in_dt)
    kw = {} if out_dt is None else {"dtype": out_dt}
    got = run_nd(name, [x], **kw)[0]
    assert got.dtype == np.dtype(out_dt or in_dt)
    tol = 3e-3 if "float16" in (in_dt, out_dt) else 1e-6
    np.testing.assert_allclose(got.astype(np.float64), _softmax_ref(name, {})(x), rtol=tol, atol=tol)
    # the gradient has the input's dtype
    _, grads = _backward(name, [x], kw)
    assert grads[0].dtype == np.dtype(in_dt)


def test_softmax_use_length():
    x = _r(3, 5)
    length = np.array([2, 5, 0], np.int32)
    got = run_nd("softmax", [x, length], use_length=True)[0]
    want = np.zeros((3, 5))
    want[0, :2] = np_softmax(x[0, :2])
    want[1] = np_softmax(x[1])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # along axis 1 of a 3-d input: length has the data shape without that axis
    x3 = _r(2, 3, 4)
    l3 = np.array([[1, 2, 3, 1], [2, 2, 3, 0]], np.int64)
    got = run_nd("softmax", [x3, l3], use_length=True, axis=1)[0]
    for i in range(2):
        for j in range(4):
            n = l3[i, j]
            ref = np.zeros(3)
            if n:
                ref[:n] = np_softmax(x3[i, :n, j])
            np.testing.assert_allclose(got[i, :, j], ref, rtol=1e-5, atol=1e-6)
    # backward: softmax's rule on the valid part, zero elsewhere; length gets zeros
    h = _r(3, 5)
    outs, grads = _backward("softmax", [x, length], {"use_length": True}, heads=[h])
    y = outs[0]
    np.testing.assert_allclose(grads[0], y * (h - (h * y).sum(-1, keepdims=True)), rtol=1e-5, atol=1e-6)
    assert not grads[0][0, 2:].any() and not grads[0][2].any()
    assert grads[1].dtype == np.int32 and not grads[1].any()


def test_softmax_use_length_shapes_and_errors():
    op = get_op("softmax")
    a = op.parse({"use_length": True, "axis": 1})
    assert op.input_names(a) == ["data", "length"]
    assert op.input_names(op.parse({})) == ["data"]
    ins, outs, _ = op.infer_shapes(a, [(2, 3, 4), None])
    assert ins[1] == (2, 4) and outs == [(2, 3, 4)]
    with pytest.raises(mx.MXNetError, match="length"):
        op.infer_shapes(a, [(2, 3, 4), (2, 3)])
    with pytest.raises(mx.MXNetError, match="integer"):
        mx.nd.softmax(mx.nd.ones((2, 3)), mx.nd.array([1, 2]), use_length=True).asnumpy()
    with pytest.raises(mx.MXNetError, match="use_length"):
        mx.nd.log_softmax(mx.nd.ones((2, 3)), use_length=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("spread", [1.0, 8.0, 200.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_rows_of_few_classes_with_any_spread(name, spread, dtype):
    # narrow rows take a global-shift path that must hold when rows lie far apart (spread 200:
    # a shared shift would underflow whole rows, so each row shifts by its own maximum)
    rng = np.random.RandomState(3)
    x = (rng.randn(64, 10) * spread).astype(dtype)
    x[5] -= 150 * (spread > 100)
    z = x.astype(np.float64) - x.max(axis=1, keepdims=True)
    want = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    if name == "softmax":
        want = np.exp(want)
    got = getattr(mx.nd, name)(mx.nd.array(x, dtype=dtype)).asnumpy()
    assert got.dtype == dtype
    assert np.isfinite(got).all()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_softmax_errors():
    with pytest.raises(mx.MXNetError, match="axis 2"):
        mx.nd.softmax(mx.nd.ones((2, 3)), axis=2)
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.softmax(mx.nd.ones((2, 3), dtype="int32"))
    with pytest.raises(mx.MXNetError, match="dtype"):
        mx.nd.softmax(mx.nd.ones((2, 3)), dtype="int32")


@pytest.mark.parametrize("mode,shape,axis", [("instance", (2, 3, 4), -1), ("instance", (5,), -1),
                                             ("channel", (2, 3, 2), 1), ("channel", (2, 4, 2, 3), 1)])
def test_softmax_activation(mode, shape, axis):
    x = _r(*shape)
    check_forward("SoftmaxActivation", [x], {"mode": mode}, lambda v: np_softmax(v, axis))
    check_grad("SoftmaxActivation", [x], {"mode": mode})


def test_softmax_activation_channel_needs_3d():
    with pytest.raises(mx.MXNetError, match="3 dimensions"):
        mx.nd.SoftmaxActivation(mx.nd.ones((2, 3)), mode="channel")


# -- SoftmaxOutput ----------------------------------------------------------------------------

def _smo_grad_ref(x, label, kw):
    """NumPy statement of MXNet's SoftmaxOutput gradient (2-D data, label per row)."""
    p = np_softmax(x)
    k = x.shape[1]
    cls = label.astype(np.int64)
    onehot = np.arange(k) == cls[:, None]
    a = kw.get("smooth_alpha", 0.0)
    g = p - (np.where(onehot, 1 - a, a / (k - 1)) if a else onehot)
    ign = cls == int(kw.get("ignore_label", -1))
    if kw.get("use_ignore"):
        g[ign] = 0
    norm = {"null": 1.0, "batch": x.shape[0], "valid": max((~ign).sum(), 1)}[kw.get("normalization", "null")]
    g = g * kw.get("grad_scale", 1.0) / norm
    if kw.get("out_grad"):
        g = g * p
    return g


SMO_CASES = [
    {},
    {"normalization": "batch", "grad_scale": 0.5},
    {"normalization": "valid"},  # label -1 is not counted even without use_ignore
    {"use_ignore": True},
    {"use_ignore": True, "normalization": "valid", "grad_scale": 3.0},
    {"use_ignore": True, "ignore_label": 2, "normalization": "batch"},
    {"smooth_alpha": 0.2},
    {"smooth_alpha": 0.1, "use_ignore": True, "normalization": "valid"},
    {"out_grad": True, "normalization": "batch"},
]


@pytest.mark.parametrize("kw", SMO_CASES, ids=[str(sorted(k.items())) for k in SMO_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("labels", [[0, 2, -1, 3, 1.7],       # -1: ignorable; 1.7 truncates to class 1
                                    [0, 2, 3, 3, 1.7]],       # every label a class (a faster path)
                         ids=["with -1", "in range"])
def test_softmax_output(kw, dtype, labels):
    x = _r(5, 4, dtype=dtype)
    label = np.array(labels, dtype)
    check_forward("SoftmaxOutput", [x, label], kw, lambda d, l: np_softmax(d))
    heads = [_r(5, 4, dtype=dtype)]  # ignored: a loss layer
    _, grads = _backward("SoftmaxOutput", [x, label], kw, heads=heads)
    np.testing.assert_allclose(grads[0], _smo_grad_ref(x, label, kw), rtol=1e-5, atol=1e-6)
    assert grads[0].dtype == dtype
    assert grads[1].shape == label.shape and not grads[1].any()


def test_softmax_output_alias_and_out_of_range_labels():
    x = _r(3, 4)
    label = np.array([7, -3, 0], np.float32)
    check_forward("Softmax", [x, label], {}, lambda d, l: np_softmax(d))
    _, grads = _backward("Softmax", [x, label], {})
    want = np_softmax(x)
    want[2, 0] -= 1
    np.testing.assert_allclose(grads[0], want, rtol=1e-5, atol=1e-6)


def test_softmax_output_zero_valid_count():
    x = _r(3, 4)
    label = -np.ones(3, np.float32)
    _, grads = _backward("SoftmaxOutput", [x, label], {"normalization": "valid", "grad_scale": 2.0})
    np.testing.assert_allclose(grads[0], 2 * np_softmax(x), rtol=1e-5, atol=1e-6)
    _, grads = _backward("SoftmaxOutput", [x, label], {"normalization": "valid", "use_ignore": True})
    assert not grads[0].any()


@pytest.mark.parametrize("norm,scale", [("null", 1 / 5), ("batch", 1 / 10), ("valid", 1 / 8)])
def test_softmax_output_multi_output(norm, scale):
    x = _r(2, 4, 5)
    label = np.array([[0, 1, -1, 3, 3], [3, -1, 2, 2, 2]], np.float32)
    p = np_softmax(x, axis=1)
    check_forward("SoftmaxOutput", [x, label], {"multi_output": True}, lambda d, l: p)
    _, grads = _backward("SoftmaxOutput", [x, label], {"multi_output": True, "normalization": norm})
    onehot = np.moveaxis(np.arange(4) == label.astype(np.int64)[..., None], -1, 1)
    np.testing.assert_allclose(grads[0], (p - onehot) * scale, rtol=1e-5, atol=1e-6)


def test_softmax_output_multi_output_ignores_smooth_alpha():
    # MXNet 1.9.1 applies label smoothing in the 2-D layouts only
    x = _r(2, 4, 3)
    label = np.array([[0, 1, 3], [2, 9, 1]], np.float32)
    kw = {"multi_output": True, "use_ignore": True, "normalization": "valid"}
    _, plain = _backward("SoftmaxOutput", [x, label], kw)
    _, smooth = _backward("SoftmaxOutput", [x, label], dict(kw, smooth_alpha=0.1))
    np.testing.assert_array_equal(plain[0], smooth[0])


def test_softmax_output_preserve_shape_and_flattened_default():
    x = _r(2, 3, 4)
    label = np.array([[0, 1, 3], [2, 2, 0]], np.float32)
    p = np_softmax(x)
    check_forward("SoftmaxOutput", [x, label], {"preserve_shape": True}, lambda d, l: p)
    _, grads = _backward("SoftmaxOutput", [x, label], {"preserve_shape": True, "normalization": "batch"})
    onehot = np.arange(4) == label.astype(np.int64)[..., None]
    np.testing.assert_allclose(grads[0], (p - onehot) / 6, rtol=1e-5, atol=1e-6)
    # without preserve_shape, MXNet takes the softmax over all but the first axis and reads the
    # first n labels as class indices of those flattened rows
    pf = np_softmax(x.reshape(2, 12)).reshape(2, 3, 4)
    check_forward("SoftmaxOutput", [x, label], {}, lambda d, l: pf)
    _, grads = _backward("SoftmaxOutput", [x, label], {})
    want = pf.reshape(2, 12).copy()
    want[0, 0] -= 1
    want[1, 1] -= 1
    np.testing.assert_allclose(grads[0], want.reshape(2, 3, 4), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw,dshape,lshape", [({}, (4, 5), (4,)), ({}, (2, 3, 4), (2, 3)),
                                              ({"preserve_shape": True}, (2, 3, 4), (2, 3)),
                                              ({"multi_output": True}, (4, 5), (4, 1)),
                                              ({"multi_output": True}, (2, 3, 4, 5), (2, 20))])
def test_softmax_output_label_inference(kw, dshape, lshape):
    op = get_op("SoftmaxOutput")
    ins, outs, _ = op.infer_shapes(op.parse(kw), [dshape, None])
    assert ins == [dshape, lshape] and outs == [dshape]


@pytest.mark.parametrize("kw,dshape,lshape", [({}, (4, 5), (5,)), ({}, (4, 5), (4, 1)),
                                              ({"multi_output": True}, (2, 3, 4), (8,)),
                                              ({}, (5,), (1,))])
def test_softmax_output_label_errors(kw, dshape, lshape):
    with pytest.raises(mx.MXNetError, match="SoftmaxOutput"):
        mx.nd.SoftmaxOutput(mx.nd.ones(dshape), mx.nd.ones(lshape), **kw)


def test_softmax_output_accepts_spatial_label_for_multi_output():
    x = _r(2, 4, 3, 2)
    label = RNG.randint(0, 4, (2, 3, 2)).astype(np.float32)
    _, g1 = _backward("SoftmaxOutput", [x, label], {"multi_output": True})
    _, g2 = _backward("SoftmaxOutput", [x, label.reshape(2, 6)], {"multi_output": True})
    np.testing.assert_allclose(g1[0], g2[0])
    assert run_nd("SoftmaxOutput", [x, label], multi_output=True)[0].shape == x.shape


# -- regression outputs -----------------------------------------------------------------------

REG = {
    "LinearRegressionOutput": (lambda x: x, lambda o, l: o - l),
    "LogisticRegressionOutput": (np_sigmoid, lambda o, l: o - l),
    "MAERegressionOutput": (lambda x: x, lambda o, l: np.sign(o - l)),
}


@pytest.mark.parametrize("name", sorted(REG))
@pytest.mark.parametrize("dshape,lshape", [((4, 3), (4, 3)), ((4, 1), (4,)), ((2, 3, 4), (2, 3, 4)),
                                           ((4, 3), (4, 3, 1)), ((5,), (5,))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_outputs(name, dshape, lshape, dtype):
    fwd, grad = REG[name]
    x, label = _r(*dshape, dtype=dtype), _r(*lshape, dtype=dtype)
    check_forward(name, [x, label], {"grad_scale": 2.0}, lambda d, l: fwd(d))
    outs, grads = _backward(name, [x, label], {"grad_scale": 2.0}, heads=[_r(*dshape, dtype=dtype)])
    num_output = int(np.prod(lshape)) // lshape[0]  # MXNet: label size per sample
    want = grad(outs[0].astype(np.float64), label.reshape(dshape)) * 2.0 / num_output
    np.testing.assert_allclose(grads[0], want, rtol=1e-5, atol=1e-6)
    assert grads[0].dtype == dtype and grads[1].shape == lshape and not grads[1].any()


def test_regression_label_inference_and_errors():
    op = get_op("LinearRegressionOutput")
    a = op.parse({})
    assert op.infer_shapes(a, [(4, 1), None])[0] == [(4, 1), (4,)]
    assert op.infer_shapes(a, [(4, 3), None])[0] == [(4, 3), (4, 3)]
    for bad in [(2, 6), (12,), (4,)]:
        with pytest.raises(mx.MXNetError, match="LinearRegressionOutput.*label"):
            mx.nd.LinearRegressionOutput(mx.nd.ones((4, 3)), mx.nd.ones(bad))
    with pytest.raises(mx.MXNetError, match="dtype"):
        mx.nd.LinearRegressionOutput(mx.nd.ones((4, 3)), mx.nd.ones((4, 3), dtype="int32"))


# -- MakeLoss, make_loss ----------------------------------------------------------------------

@pytest.mark.parametrize("kw,shape,scale", [
    ({}, (3, 4), lambda x: 1.0),
    ({"grad_scale": 2.0, "normalization": "batch"}, (3, 4), lambda x: 2.0 / 3),
    ({"normalization": "batch"}, (2, 3, 4), lambda x: 1.0 / 6),
    ({"normalization": "batch"}, (5,), lambda x: 1.0),
    ({"normalization": "valid", "valid_thresh": 0.3}, (3, 4), lambda x: 1.0 / max((x > np.float32(0.3)).sum(), 1)),
    ({"normalization": "valid", "valid_thresh": 100.0}, (3, 4), lambda x: 1.0),
])
def test_make_loss(kw, shape, scale):
    x = _r(*shape)
    check_forward("MakeLoss", [x], kw, lambda d: d)
    _, grads = _backward("MakeLoss", [x], kw, heads=[_r(*shape)])
    np.testing.assert_allclose(grads[0], np.full(shape, scale(x)), rtol=1e-6)
    assert grads[0].dtype == np.float32


def test_make_loss_lowercase_is_its_own_operator():
    x = _r(2, 3, dtype=np.float64)
    check_forward("make_loss", [x], {}, lambda d: d)
    _, grads = _backward("make_loss", [x], {}, heads=[_r(2, 3, dtype=np.float64)])
    np.testing.assert_array_equal(grads[0], np.ones((2, 3)))
    assert mx.sym.make_loss(mx.sym.var("x"), name="l").list_outputs() == ["l_loss"]
    assert mx.sym.MakeLoss(mx.sym.var("x"), name="l").list_outputs() == ["l_output"]
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.MakeLoss(mx.nd.ones((2,), dtype="int32"))


# -- Dropout ----------------------------------------------------------------------------------

def test_dropout_inference_is_identity():
    x = _r(3, 4)
    check_forward("Dropout", [x], {"p": 0.5}, lambda d: d)
    check_grad("Dropout", [x], {"p": 0.5})
    op = get_op("Dropout")
    assert op.output_names(op.parse({})) == ["output", "mask"] and op.num_visible_outputs(op.parse({})) == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_dropout_training(dtype):
    x = _r(40, 50, dtype=dtype, lo=0.5, hi=1.5)
    outs, grads = _backward("Dropout", [x], {"p": 0.25}, heads=[np.full(x.shape, 3, dtype)])
    y, mask = outs
    assert y.dtype == mask.dtype == dtype and mask.shape == x.shape
    assert set(np.unique(mask).tolist()) == {0.0, dtype(1 / 0.75)}
    assert 0.15 < (mask == 0).mean() < 0.35
    np.testing.assert_array_equal(y, x * mask)
    np.testing.assert_array_equal(grads[0], 3 * mask)


def test_dropout_axes_mode_and_p_edges():
    x = np.ones((4, 6), np.float32)
    outs, grads = _backward("Dropout", [x], {"p": 0.5, "axes": (1,)})
    assert outs[1].shape == (4, 1)
    assert all(len(set(r.tolist())) == 1 for r in outs[0])
    np.testing.assert_array_equal(grads[0], np.broadcast_to(outs[1], (4, 6)))
    op = get_op("Dropout")
    assert op.infer_shape(op.parse({"axes": (0, 2)}), [(2, 3, 4)]) == [(2, 3, 4), (1, 3, 1)]
    # mode='always' drops in inference too; p=0 is the identity in training
    outs, _ = _backward("Dropout", [x], {"p": 0.5, "mode": "always"}, is_train=False)
    assert (outs[0] == 0).any()
    outs, _ = _backward("Dropout", [x], {"p": 0.0})
    np.testing.assert_array_equal(outs[0], x)
    with np.errstate(invalid="ignore"):
        outs, _ = _backward("Dropout", [x], {"p": 1.0})
    assert np.isnan(outs[0]).all()  # as MXNet: 0 * (1 / 0)


def test_dropout_imperative_seeded():
    x = mx.nd.ones((8, 8))
    mx.random.seed(42)
    with mx.autograd.train_mode():
        a = mx.nd.Dropout(x, p=0.5).asnumpy()
    mx.random.seed(42)
    with mx.autograd.train_mode():
        b = mx.nd.Dropout(x, p=0.5).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a).tolist()) <= {0.0, 2.0}
    np.testing.assert_array_equal(mx.nd.Dropout(x, p=0.5).asnumpy(), x.asnumpy())


def test_dropout_errors():
    with pytest.raises(mx.MXNetError, match="p=.*Dropout"):
        mx.nd.Dropout(mx.nd.ones((2, 2)), p=1.5)
    with pytest.raises(mx.MXNetError, match="p=.*Dropout"):
        mx.nd.Dropout(mx.nd.ones((2, 2)), p=-0.1)
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.Dropout(mx.nd.ones((2, 2), dtype="int32"))
    with pytest.raises(mx.MXNetError, match="axis"):
        mx.nd.Dropout(mx.nd.ones((2, 2)), axes=(3,))


# -- smooth_l1 --------------------------------------------------------------------------------

@pytest.mark.parametrize("sigma", [1.0, 2.0, 0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_smooth_l1(sigma, dtype):
    x = np.array([-3, -1.2, -0.4, -0.1, 0, 0.13, 0.45, 0.9, 2.7], dtype)
    s2 = sigma * sigma
    d = x.astype(np.float64)
    want = np.where(np.abs(d) < 1 / s2, 0.5 * s2 * d ** 2, np.abs(d) - 0.5 / s2)
    check_forward("smooth_l1", [x], {"scalar": sigma}, want)
    check_grad("smooth_l1", [x[np.abs(np.abs(x) - 1 / s2) > 1e-2]], {"scalar": sigma})


def test_smooth_l1_boundary_and_default():
    # |x| == 1/sigma^2 is on the linear side (gradient sign(x)), as MXNet
    _, grads = _backward("smooth_l1", [np.array([-0.25, 0.25], np.float32)], {"scalar": 2.0})
    np.testing.assert_array_equal(grads[0], [-1, 1])
    check_forward("smooth_l1", [np.array([0.5, 2.0], np.float32)], {}, np.array([0.125, 1.5]))


# -- parameter schema -------------------------------------------------------------------------

SCHEMA = {  # name: [(param, default)] in MXNet 1.9.1's order
    "FullyConnected": [("num_hidden", "REQUIRED"), ("no_bias", False), ("flatten", True)],
    "Activation": [("act_type", "REQUIRED")],
    "softmax": [("axis", -1), ("temperature", None), ("dtype", None), ("use_length", False)],
    "SoftmaxActivation": [("mode", "instance")],
    "SoftmaxOutput": [("grad_scale", 1.0), ("ignore_label", -1.0), ("multi_output", False),
                      ("use_ignore", False), ("preserve_shape", False), ("normalization", "null"),
                      ("out_grad", False), ("smooth_alpha", 0.0)],
    "LogisticRegressionOutput": [("grad_scale", 1.0)],
    "MakeLoss": [("grad_scale", 1.0), ("valid_thresh", 0.0), ("normalization", "null")],
    "make_loss": [],
    "Dropout": [("p", 0.5), ("mode", "training"), ("axes", ()), ("cudnn_off", False)],
}


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_param_schema(name):
    op = get_op(name)
    got = [(p.name, "REQUIRED" if p.required else p.default) for p in op.params]
    assert got == SCHEMA[name]


def test_attrs_round_trip_from_strings():
    op = get_op("SoftmaxOutput")
    a = op.parse({"grad_scale": "0.5", "use_ignore": "True", "normalization": "valid", "ignore_label": "2"})
    assert a.grad_scale == 0.5 and a.use_ignore is True and a.ignore_label == 2.0
    d = get_op("Dropout").parse({"p": "0.25", "axes": "(1,)", "cudnn_off": "None"})
    assert d.p == 0.25 and d.axes == (1,) and d.cudnn_off is None
