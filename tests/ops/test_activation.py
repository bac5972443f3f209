"""LeakyReLU (all six act_types), hard_sigmoid, Embedding, softmax_cross_entropy and the sequence
operators (SequenceMask, SequenceLast, SequenceReverse): forward against NumPy references,
backward against finite differences, training vs inference, shape/type inference, errors, and
one mx.sym + simple_bind round per family."""
import math

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, fixture_cases, run_nd

RNG = np.random.RandomState(5)
SELU_ALPHA, SELU_LAMBDA = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf)


def _r(*shape, dtype=np.float32, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def _away_from_zero(*shape, dtype=np.float32):
    """Values with |x| >= 0.1, so finite differences never straddle a kink at 0."""
    x = _r(*shape, dtype=np.float64)
    return (np.sign(x) * (np.abs(x) + 0.1)).astype(dtype)


def _registry_grads(name, inputs, kwargs, heads, is_train=False):
    op = get_op(name)
    attrs = op.parse(kwargs)
    env = OpEnv(np, is_train, mx.cpu())
    outs = op.forward(env, attrs, list(inputs), [])
    return outs, op.backward(env, attrs, list(inputs), outs, heads, [True] * len(inputs))


# -- LeakyReLU --------------------------------------------------------------------------------

LRELU_REF = {
    "leaky": lambda x, kw: np.where(x > 0, x, kw.get("slope", 0.25) * x),
    "elu": lambda x, kw: np.where(x > 0, x, kw.get("slope", 0.25) * np.expm1(np.minimum(x, 0))),
    "selu": lambda x, kw: SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "gelu": lambda x, kw: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
    "rrelu": lambda x, kw: np.where(x > 0, x, (kw.get("lower_bound", 0.125) + kw.get("upper_bound", 0.334)) / 2 * x),
}

LRELU_CASES = [  # (act_type, kwargs, dtype)
    ("leaky", dict(), np.float32), ("leaky", dict(slope=0.1), np.float64), ("leaky", dict(slope=-0.5), np.float32),
    ("elu", dict(), np.float32), ("elu", dict(slope=0.7), np.float64),
    ("selu", dict(), np.float32), ("selu", dict(), np.float64),
    ("gelu", dict(), np.float32), ("gelu", dict(), np.float64),
    ("rrelu", dict(), np.float32), ("rrelu", dict(lower_bound=0.2, upper_bound=0.4), np.float64),
    ("leaky", dict(slope=0.3), np.float16), ("gelu", dict(), np.float16),
]


@pytest.mark.parametrize("act,kwargs,dtype", LRELU_CASES)
def test_leaky_relu_family(act, kwargs, dtype):
    x = _away_from_zero(2, 3, 4, dtype=dtype)
    kw = dict(kwargs, act_type=act)
    ref = lambda a: LRELU_REF[act](a.astype(np.float64), kwargs)  # noqa: E731
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float16 else dict(rtol=1e-5, atol=1e-6)
    got = run_nd("LeakyReLU", [x], **kw)
    assert len(got) == (2 if act == "rrelu" else 1) and got[0].dtype == dtype
    np.testing.assert_allclose(got[0].astype(np.float64), ref(x), **tol)
    if dtype != np.float16:
        check_grad("LeakyReLU", [x], kw)


@pytest.mark.parametrize("act,slope,want", [("leaky", 0.25, 0.25), ("elu", 0.25, 0.25),
                                            ("selu", 0.25, SELU_LAMBDA * SELU_ALPHA), ("gelu", 0.25, 0.5)])
def test_leaky_relu_grad_at_zero_matches_mxnet(act, slope, want):
    # MXNet 1.9.1 takes the x <= 0 branch at 0
    (_,), (g,) = _registry_grads("LeakyReLU", [np.zeros(1, np.float32)], dict(act_type=act, slope=slope),
                                 [np.ones(1, np.float32)])
    np.testing.assert_allclose(g, [want], rtol=1e-6)


@pytest.mark.parametrize("gshape", [(3,), (1,)])
def test_prelu(gshape):
    x = _away_from_zero(2, 3, 4)
    gamma = _r(*gshape, lo=0.05, hi=0.5)
    bs = (1, -1, 1) if gshape == (3,) else (1, 1, 1)
    check_forward("LeakyReLU", [x, gamma], dict(act_type="prelu"),
                  lambda a, g: np.where(a > 0, a, a * g.reshape(bs)))
    check_grad("LeakyReLU", [x, gamma], dict(act_type="prelu"))


def test_rrelu_training_and_inference():
    x = _away_from_zero(4, 50)
    mx.random.seed(3)
    with mx.autograd.train_mode():
        out, mask = mx.nd.LeakyReLU(mx.nd.array(x), act_type="rrelu", lower_bound=0.1, upper_bound=0.3)
    out, mask = out.asnumpy(), mask.asnumpy()
    assert mask.min() >= 0.1 and mask.max() < 0.3 and mask.std() > 0.03   # one random slope per element
    np.testing.assert_allclose(out, np.where(x > 0, x, x * mask), rtol=1e-6)
    mx.random.seed(3)
    with mx.autograd.train_mode():
        again = mx.nd.LeakyReLU(mx.nd.array(x), act_type="rrelu", lower_bound=0.1, upper_bound=0.3)[1].asnumpy()
    np.testing.assert_array_equal(again, mask)
    # inference: the fixed slope (lower + upper) / 2, also written into the mask
    out, mask = mx.nd.LeakyReLU(mx.nd.array(x), act_type="rrelu", lower_bound=0.1, upper_bound=0.3)
    np.testing.assert_allclose(mask.asnumpy(), 0.2)
    np.testing.assert_allclose(out.asnumpy(), np.where(x > 0, x, 0.2 * x), rtol=1e-6)
    # backward uses the mask that the training forward drew
    head = _r(4, 50)
    (y, m), (g,) = _registry_grads("LeakyReLU", [x], dict(act_type="rrelu"), [head, np.zeros_like(head)],
                                   is_train=True)
    np.testing.assert_allclose(g, head * np.where(x > 0, 1, m), rtol=1e-6)


def test_lrelu_selu_fixture_true_derivative():
    """MXNet 1.9.1's selu backward is not the derivative of its forward for x <= 0 (it returns
    head * lambda * (out + alpha)); our rule is the derivative, head * (out + lambda * alpha).
    The forward matches MXNet's golden output; the stored gradient differs from ours exactly by that
    formula, and check_grad confirms ours against finite differences. test_fixtures.py's case
    lrelu_selu compares against MXNet's wrong value (see the module docstring of ops/activation.py)."""
    cases, npz = fixture_cases()
    case = next(c for c in cases if c["id"] == "lrelu_selu")
    x = npz["lrelu_selu/in/data"]
    head = npz["lrelu_selu/head_grad/0"]
    (y,), (g,) = _registry_grads("LeakyReLU", [x], case["kwargs"], [head], is_train=True)
    np.testing.assert_allclose(run_nd("LeakyReLU", [x], **case["kwargs"])[0], npz["lrelu_selu/out/0"],
                               rtol=1e-5, atol=1e-6)
    mxnet_rule = np.where(x > 0, head * SELU_LAMBDA, head * SELU_LAMBDA * (y + SELU_ALPHA))
    np.testing.assert_allclose(mxnet_rule, npz["lrelu_selu/grad/data"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g, np.where(x > 0, head * SELU_LAMBDA, head * (y + SELU_LAMBDA * SELU_ALPHA)),
                               rtol=1e-5, atol=1e-6)
    check_grad("LeakyReLU", [x], case["kwargs"])


def test_lrelu_rrelu_inference_fixture():
    """MXNet stores only output 0 of this case (its mask output is left uninitialised)."""
    _, npz = fixture_cases()
    out = run_nd("LeakyReLU", [npz["lrelu_rrelu_inference/in/data"]], act_type="rrelu")
    np.testing.assert_allclose(out[0], npz["lrelu_rrelu_inference/out/0"], rtol=1e-5, atol=1e-6)


def test_leaky_relu_errors_and_inference():
    op = get_op("LeakyReLU")
    assert op.input_names(op.parse(dict(act_type="prelu"))) == ["data", "gamma"]
    assert op.output_names(op.parse(dict(act_type="rrelu"))) == ["output", "mask"]
    ins, outs, _ = op.infer_shapes(op.parse(dict(act_type="prelu")), [(2, 5, 3), None])
    assert ins == [(2, 5, 3), (5,)] and outs == [(2, 5, 3)]
    with pytest.raises(mx.MXNetError, match=r"LeakyReLU.*gamma \(2,\).*\(4, 3\)"):
        mx.nd.LeakyReLU(mx.nd.ones((4, 3)), mx.nd.ones((2,)), act_type="prelu")
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.LeakyReLU(mx.nd.ones((4, 3), dtype="int32"))
    with pytest.raises(mx.MXNetError, match="act_type"):
        mx.nd.LeakyReLU(mx.nd.ones((4, 3)), act_type="swish")
    with pytest.raises(mx.MXNetError, match="1 inputs"):
        mx.nd.LeakyReLU(mx.nd.ones((4, 3)), mx.nd.ones((3,)))


def test_leaky_relu_symbol():
    x = _away_from_zero(2, 3, 2)
    s = mx.sym.LeakyReLU(mx.sym.var("data"), act_type="prelu", name="p")
    assert s.list_arguments() == ["data", "p_gamma"]
    assert s.attr_dict()["p_gamma"]["__init__"] == '["Constant", {"value": 0.25}]'
    assert mx.sym.LeakyReLU(act_type="rrelu", name="r").list_outputs() == ["r_output", "r_mask"]
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    assert ex.arg_dict["p_gamma"].shape == (3,)
    ex.arg_dict["p_gamma"][:] = 0.25
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, np.where(x > 0, x, 0.25 * x), rtol=1e-6)
    ex.backward(mx.nd.ones(x.shape))
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), np.where(x > 0, 1, 0.25))
    np.testing.assert_allclose(ex.grad_dict["p_gamma"].asnumpy(), np.where(x > 0, 0, x).sum(axis=(0, 2)), rtol=1e-5)


# -- hard_sigmoid -----------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,dtype", [(dict(), np.float32), (dict(alpha=0.5, beta=0.2), np.float64),
                                          (dict(), np.float16)])
def test_hard_sigmoid(kwargs, dtype):
    a, b = kwargs.get("alpha", 0.2), kwargs.get("beta", 0.5)
    x = np.linspace(-4.03, 4.01, 30).astype(dtype)   # no kink at a finite-difference step
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float16 else dict(rtol=1e-6, atol=1e-7)
    got = check_forward("hard_sigmoid", [x], kwargs, lambda v: np.clip(a * v.astype(np.float64) + b, 0, 1), **tol)
    assert got[0].dtype == dtype
    if dtype != np.float16:
        grads = check_grad("hard_sigmoid", [x], kwargs)
        assert set(np.round(np.unique(grads[0] / np.where(grads[0] == 0, 1, grads[0])), 6)) <= {0.0, 1.0}


def test_hard_sigmoid_boundaries_errors_and_symbol():
    (y,), (g,) = _registry_grads("hard_sigmoid", [np.array([-2.5, 0.0, 2.5], np.float32)], {},
                                 [np.ones(3, np.float32)])
    np.testing.assert_allclose(y, [0, 0.5, 1])
    np.testing.assert_allclose(g, [0, 0.2, 0])   # MXNet: zero at the clip points
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.hard_sigmoid(mx.nd.ones((2,), dtype="int32"))
    x = _r(3, 4)
    ex = mx.sym.hard_sigmoid(mx.sym.var("data")).simple_bind(mx.cpu(), data=x.shape)
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, np.clip(0.2 * x + 0.5, 0, 1), rtol=1e-6)
    ex.backward(mx.nd.ones(x.shape))
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), np.full(x.shape, 0.2), rtol=1e-6)


# -- Embedding --------------------------------------------------------------------------------


@pytest.mark.parametrize("idx_dtype,w_dtype,extra", [(np.float32, np.float32, {}), (np.int32, np.float32, {}),
                                                     (np.float32, np.float64, dict(dtype="float64")),
                                                     (np.int64, np.float16, dict(dtype="float16")),
                                                     (np.float32, np.float32, dict(sparse_grad=True))])
def test_embedding(idx_dtype, w_dtype, extra):
    w = _r(6, 3, dtype=w_dtype)
    idx = np.array([[0, 5, 2], [2, 2, 1]], dtype=idx_dtype)
    kw = dict(extra, input_dim=6, output_dim=3)
    got = check_forward("Embedding", [idx, w], kw, lambda i, ww: ww[i.astype(np.int64)], rtol=0, atol=0)
    assert got[0].dtype == w_dtype and got[0].shape == (2, 3, 3)
    if w_dtype != np.float16:
        check_grad("Embedding", [idx, w], kw, wrt=[1])


def test_embedding_clips_and_truncates_indices_like_mxnet():
    w = _r(5, 3)
    idx = np.array([[0, 4.7, -1], [5, 7, 2.2]], np.float32)
    out = run_nd("Embedding", [idx, w], input_dim=5, output_dim=3)[0]
    np.testing.assert_array_equal(out, w[[[0, 4, 0], [4, 4, 2]]])
    head = np.ones((2, 3, 3), np.float32)
    _, (gd, gw) = _registry_grads("Embedding", [idx, w], dict(input_dim=5, output_dim=3), [head])
    np.testing.assert_array_equal(gw[:, 0], [2, 0, 1, 0, 3])   # repeated rows accumulate
    np.testing.assert_array_equal(gd, np.zeros_like(idx))


def test_embedding_inference_errors_and_symbol():
    op = get_op("Embedding")
    a = op.parse(dict(input_dim=7, output_dim=2))
    ins, outs, _ = op.infer_shapes(a, [(3, 4), None])
    assert ins == [(3, 4), (7, 2)] and outs == [(3, 4, 2)]
    assert op.infer_types(a, [np.dtype(np.int32), None]) == [np.float32]
    assert op.infer_types(a, [np.dtype(np.int32), np.dtype(np.float64)]) == [np.float64]
    with pytest.raises(mx.MXNetError, match=r"Embedding.*'weight'.*\(5, 3\).*\(4, 3\)"):
        mx.nd.Embedding(mx.nd.ones((2,)), mx.nd.ones((5, 3)), input_dim=4, output_dim=3)
    with pytest.raises(mx.MXNetError, match="input_dim"):
        mx.nd.Embedding(mx.nd.ones((2,)), mx.nd.ones((5, 3)), output_dim=3)
    with pytest.raises(mx.MXNetError, match="bfloat16"):
        mx.nd.Embedding(mx.nd.ones((2,)), mx.nd.ones((5, 3)), input_dim=5, output_dim=3, dtype="bfloat16")
    s = mx.sym.Embedding(mx.sym.var("data"), input_dim=5, output_dim=3, name="emb")
    assert s.list_arguments() == ["data", "emb_weight"]
    ex = s.simple_bind(mx.cpu(), data=(2, 2))
    w = _r(5, 3)
    ex.arg_dict["emb_weight"][:] = w
    idx = np.array([[1, 3], [3, 0]], np.float32)
    out = ex.forward(is_train=True, data=mx.nd.array(idx))[0].asnumpy()
    np.testing.assert_array_equal(out, w[idx.astype(int)])
    ex.backward(mx.nd.ones((2, 2, 3)))
    np.testing.assert_array_equal(ex.grad_dict["emb_weight"].asnumpy()[:, 0], [1, 1, 0, 2, 0])


# -- softmax_cross_entropy --------------------------------------------------------------------


def sce_ref(x, label):
    z = x.astype(np.float64)
    logp = z - z.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    return -logp[np.arange(len(label)), label.astype(np.int64)].sum().reshape(1)


@pytest.mark.parametrize("shape,dtype", [((4, 5), np.float32), ((3, 2), np.float64), ((1, 7), np.float32)])
def test_softmax_cross_entropy(shape, dtype):
    x = _r(*shape, dtype=dtype)
    label = RNG.randint(0, shape[1], shape[0]).astype(dtype)
    got = check_forward("softmax_cross_entropy", [x, label], {}, sce_ref, rtol=1e-5, atol=1e-5)
    assert got[0].shape == (1,) and got[0].dtype == dtype
    grads = check_grad("softmax_cross_entropy", [x, label], {}, wrt=[0])
    assert grads[1] is None or not np.any(grads[1])


def test_softmax_cross_entropy_errors_and_symbol():
    with pytest.raises(mx.MXNetError, match=r"softmax_cross_entropy.*2-D.*\(2, 3, 4\)"):
        mx.nd.softmax_cross_entropy(mx.nd.ones((2, 3, 4)), mx.nd.ones((2,)))
    with pytest.raises(mx.MXNetError, match=r"softmax_cross_entropy.*'label'.*\(3,\)"):
        mx.nd.softmax_cross_entropy(mx.nd.ones((2, 3)), mx.nd.ones((3,)))
    with pytest.raises(mx.MXNetError, match=r"softmax_cross_entropy.*1-D"):
        mx.nd.softmax_cross_entropy(mx.nd.ones((2, 3)), mx.nd.ones((2, 1)))
    s = mx.sym.softmax_cross_entropy(mx.sym.var("data"), mx.sym.var("label"))
    assert s.infer_shape(data=(4, 3))[:2] == ([(4, 3), (4,)], [(1,)])
    x, label = _r(4, 3), np.array([0, 2, 1, 1], np.float32)
    ex = s.simple_bind(mx.cpu(), data=x.shape, grad_req={"data": "write", "label": "null"})
    out = ex.forward(is_train=True, data=mx.nd.array(x), label=mx.nd.array(label))[0].asnumpy()
    np.testing.assert_allclose(out, sce_ref(x, label), rtol=1e-5)
    ex.backward(mx.nd.array([2.0]))
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), 2 * (p - np.eye(3)[label.astype(int)]),
                               rtol=1e-5, atol=1e-6)


# =============================================================================================
# Sequence operators
# =============================================================================================


def _time_major(x, axis):
    return x if axis == 0 else np.swapaxes(x, 0, 1)


def seq_mask_ref(axis, value):
    def ref(x, length=None):
        y = _time_major(x.astype(np.float64), axis).copy()
        if length is not None:
            for b, n in enumerate(length.astype(np.int64)):
                y[max(n, 0):, b] = value
        return _time_major(y, axis)
    return ref


def seq_last_ref(axis):
    def ref(x, length=None):
        xt = _time_major(x, axis)
        if length is None:
            return xt[-1]
        return np.stack([xt[int(n) - 1, b] for b, n in enumerate(length)])
    return ref


def seq_reverse_ref(x, length=None):
    y = x.copy()
    for b in range(x.shape[1]):
        n = x.shape[0] if length is None else int(length[b])
        y[:n, b] = x[:n, b][::-1]
    return y


SEQ_CASES = [  # (op, kwargs, data shape, lengths or None, dtype)
    ("SequenceMask", dict(), (4, 3, 2), None, np.float32),
    ("SequenceMask", dict(value=-1.0), (4, 3, 2), [1, 4, 2.7], np.float32),
    ("SequenceMask", dict(axis=1, value=3.0), (3, 4, 2), [2, 0, 4], np.float64),
    ("SequenceMask", dict(), (5, 2), [3, 5], np.float32),
    ("SequenceLast", dict(), (4, 3, 2), None, np.float32),
    ("SequenceLast", dict(), (4, 3, 2), [1, 4, 2], np.float32),
    ("SequenceLast", dict(axis=1), (3, 4, 2), [2, 1, 4], np.float64),
    ("SequenceLast", dict(), (5, 2), [3, 5], np.float32),
    ("SequenceReverse", dict(), (4, 3, 2), None, np.float32),
    ("SequenceReverse", dict(), (4, 3, 2), [1, 4, 2.5], np.float32),
    ("SequenceReverse", dict(), (5, 2, 2, 1), [3, 0], np.float64),
]


def _seq_ref(name, kwargs):
    if name == "SequenceMask":
        return seq_mask_ref(kwargs.get("axis", 0), kwargs.get("value", 0.0))
    if name == "SequenceLast":
        return seq_last_ref(kwargs.get("axis", 0))
    return seq_reverse_ref


@pytest.mark.parametrize("name,kwargs,shape,lengths,dtype", SEQ_CASES)
def test_sequence_ops(name, kwargs, shape, lengths, dtype):
    x = _r(*shape, dtype=dtype)
    ins = [x]
    kw = dict(kwargs)
    if lengths is not None:
        ins.append(np.array(lengths, dtype=dtype))
        kw["use_sequence_length"] = True
    got = check_forward(name, ins, kw, _seq_ref(name, kwargs), rtol=0, atol=0)
    assert got[0].dtype == dtype
    grads = check_grad(name, ins, kw, wrt=[0])
    if lengths is not None:
        assert grads[1] is None or not np.any(grads[1])


def test_sequence_mask_integer_data():
    x = np.arange(12, dtype=np.int32).reshape(3, 2, 2)
    out = run_nd("SequenceMask", [x, np.array([1, 2], np.int32)], use_sequence_length=True, value=-7)[0]
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, seq_mask_ref(0, -7)(x, np.array([1, 2])).astype(np.int32))


def test_sequence_errors():
    x = mx.nd.ones((4, 3, 2))
    with pytest.raises(mx.MXNetError, match="SequenceMask.*axis=2.*0 or 1"):
        mx.nd.SequenceMask(x, axis=2)
    with pytest.raises(mx.MXNetError, match="SequenceLast.*axis=-1"):
        mx.nd.SequenceLast(x, axis=-1)
    with pytest.raises(mx.MXNetError, match="SequenceReverse.*axis=1.*0"):
        mx.nd.SequenceReverse(x, axis=1)
    with pytest.raises(mx.MXNetError, match=r"SequenceMask.*'sequence_length'.*\(2,\).*\(3,\)"):
        mx.nd.SequenceMask(x, mx.nd.ones((2,)), use_sequence_length=True)
    with pytest.raises(mx.MXNetError, match=r"SequenceLast.*2 dimensions.*\(4,\)"):
        mx.nd.SequenceLast(mx.nd.ones((4,)))
    with pytest.raises(mx.MXNetError, match="1 inputs"):
        mx.nd.SequenceMask(x, mx.nd.ones((3,)))


def test_sequence_symbols():
    x = _r(4, 3, 2)
    lengths = np.array([2, 4, 1], np.float32)
    s = mx.sym.SequenceLast(mx.sym.var("data"), mx.sym.var("len"), use_sequence_length=True, name="last")
    assert s.list_arguments() == ["data", "len"]
    assert s.infer_shape(data=x.shape)[:2] == ([(4, 3, 2), (3,)], [(3, 2)])
    ex = s.simple_bind(mx.cpu(), data=x.shape, grad_req={"data": "write", "len": "null"})
    out = ex.forward(is_train=True, data=mx.nd.array(x), len=mx.nd.array(lengths))[0].asnumpy()
    np.testing.assert_array_equal(out, seq_last_ref(0)(x, lengths))
    ex.backward(mx.nd.ones((3, 2)))
    want = np.zeros_like(x)
    want[[1, 3, 0], [0, 1, 2]] = 1
    np.testing.assert_array_equal(ex.grad_dict["data"].asnumpy(), want)
    s = mx.sym.SequenceReverse(mx.sym.SequenceMask(mx.sym.var("data"), value=0.0), name="rev")
    assert s.list_arguments() == ["data"]
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_array_equal(out, x[::-1])
    head = _r(4, 3, 2)
    ex.backward(mx.nd.array(head))
    np.testing.assert_array_equal(ex.grad_dict["data"].asnumpy(), head[::-1])
