"""mx.sym.np: HybridBlocks written with F.np.* hybridize and match their imperative np run
(outputs and parameter gradients), and export graphs that SymbolBlock.imports loads back."""
import os

import numpy as onp
import pytest

import mxnet as mx
from mxnet import autograd, gluon, np, npx
from mxnet.gluon import nn


# -- blocks ------------------------------------------------------------------------------------

class MLP(gluon.HybridBlock):
    """d2l MLP with explicit parameters: F.np.dot + bias broadcasting."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w1 = self.params.get("w1", shape=(5, 8))
            self.b1 = self.params.get("b1", shape=(8,), init="ones")
            self.w2 = self.params.get("w2", shape=(8, 3))
            self.b2 = self.params.get("b2", shape=(3,), init="ones")

    def hybrid_forward(self, F, x, w1, b1, w2, b2):
        h = F.npx.relu(F.np.dot(x, w1) + b1)
        return F.np.dot(h, w2) + b2


class SoftmaxReg(gluon.HybridBlock):
    """d2l softmax regression written out: exp / sum(keepdims) and a cross-entropy 0-d loss."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(5, 4))
            self.b = self.params.get("b", shape=(4,), init="zeros")

    def hybrid_forward(self, F, x, w, b):
        o = F.np.dot(x, w) + b
        e = F.np.exp(o - F.np.max(o, axis=1, keepdims=True))
        p = e / F.np.sum(e, axis=1, keepdims=True)
        return p, -F.np.mean(F.np.log(F.np.clip(p, 1e-6, 1.0)))


class Residual(gluon.HybridBlock):
    """Residual block with Dense children and F.np.maximum as ReLU."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.d1 = nn.Dense(5, flatten=False)
            self.d2 = nn.Dense(5, flatten=False)

    def hybrid_forward(self, F, x):
        y = F.np.maximum(self.d1(x), 0)
        return F.np.maximum(x + self.d2(y), 0.0) * 0.5 + F.np.tanh(x)


class Attention(gluon.HybridBlock):
    """Scaled dot-product attention: F.np.matmul, swapaxes, npx.softmax, batched 3-D."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.wq = self.params.get("wq", shape=(5, 6))
            self.wk = self.params.get("wk", shape=(5, 6))

    def hybrid_forward(self, F, x, wq, wk):
        q, k = F.np.matmul(x, wq), F.np.matmul(x, wk)
        s = F.np.matmul(q, F.np.swapaxes(k, 1, 2)) / F.np.sqrt(6.0)
        a = F.npx.softmax(s, axis=-1)
        return F.np.matmul(a, x)


class MultiHead(gluon.HybridBlock):
    """GluonNLP-style heads: reshape / transpose chains and 4-D matmul."""

    def __init__(self, heads=2, **kw):
        super().__init__(**kw)
        self.heads = heads
        with self.name_scope():
            self.proj = nn.Dense(8, flatten=False, use_bias=False)

    def hybrid_forward(self, F, x):
        b, t = 2, 3
        h = F.np.transpose(F.np.reshape(self.proj(x), (b, t, self.heads, -1)), (0, 2, 1, 3))
        s = F.np.matmul(h, F.np.swapaxes(h, -1, -2)) / 2.0     # (B,H,T,T)
        w = F.npx.softmax(s)
        o = F.np.matmul(w, h)
        return F.np.reshape(F.np.transpose(o, (0, 2, 1, 3)), (b, t, -1))


class Shapes(gluon.HybridBlock):
    """expand_dims / squeeze / concatenate / stack / split / indexing."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(4,))

    def hybrid_forward(self, F, x, w):
        y = F.np.expand_dims(x * w, axis=1)                 # (3,1,4)
        c = F.np.concatenate([y, y * 2], axis=1)            # (3,2,4)
        s = F.np.stack([x, x + w], axis=-1)                 # (3,4,2)
        p1, p2 = F.np.split(x, 2, axis=1)                   # (3,2) each
        q = F.np.split(x, [1, 3], axis=1)                   # (3,1),(3,2),(3,1)
        z = F.np.squeeze(c[:, :1], axis=1) + s[..., 0] - x[1] + x[:, -1:]   # (3,4)
        return z, p1 * p2 + q[1], F.np.swapaxes(s, 0, 2), q[0][None, :, 0]


class Reductions(gluon.HybridBlock):
    """sum / mean / max / min with axis=None (0-d), tuples, negative axes, keepdims."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(3, 4))

    def hybrid_forward(self, F, x, w):
        y = x * w
        return (F.np.sum(y), F.np.mean(y, axis=0), F.np.max(y, axis=-1, keepdims=True),
                F.np.min(y, axis=(0, 1)), y.sum(axis=1) + y.mean(), F.np.max(y, keepdims=True))


class Elemwise(gluon.HybridBlock):
    """Unary math, scalar arithmetic both ways, where, clip with one bound, abs."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(4,))

    def hybrid_forward(self, F, x, w):
        y = x * w
        a = F.np.exp(-F.np.abs(y)) + F.np.log(1 + y * y) + F.np.sqrt(F.np.abs(y) + 1)
        b = 2.0 - y / 3.0 + 1.0 / (F.np.abs(y) + 1) + y ** 2
        c = F.np.where(y > 0, y, 0.1 * y) + F.np.clip(y, None, 0.5) + F.np.minimum(y, x)
        return a + b + c


class Creation(gluon.HybridBlock):
    """zeros_like / ones_like / full_like / zeros / ones / full / arange."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(4,))

    def hybrid_forward(self, F, x, w):
        y = x * w
        pos = F.np.arange(4) / 4.0 + F.np.ones((4,)) + F.np.zeros((3, 4))
        return (y + F.np.ones_like(y) + F.np.zeros_like(y) + F.np.full_like(y, 2.5) + pos
                + F.np.full((3, 4), 0.5))


class Vectors(gluon.HybridBlock):
    """1-D dot/matmul (0-d results), matrix-vector products, 0-d arithmetic."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.v = self.params.get("v", shape=(4,))
            self.m = self.params.get("m", shape=(4, 4))

    def hybrid_forward(self, F, x, v, m):
        v, m = v + 0.0, m + 0.0     # (each parameter used once: see test_param_reuse_gradients)
        s = F.np.dot(v, v)                      # 0-d
        mv = F.np.matmul(m, v)                  # (4,)
        vm = F.np.matmul(v, m)                  # (4,)
        xv = F.np.dot(x, v)                     # (3,)
        return s * 2 + 1, mv + vm, xv / s, F.np.matmul(x, m).T


BLOCKS = [
    (MLP, (4, 5)),
    (SoftmaxReg, (6, 5)),
    (Residual, (2, 3, 5)),
    (Attention, (2, 3, 5)),
    (MultiHead, (2, 3, 4)),
    (Shapes, (3, 4)),
    (Reductions, (3, 4)),
    (Elemwise, (3, 4)),
    (Creation, (3, 4)),
    (Vectors, (3, 4)),
]


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _run(net, x):
    params = net.collect_params()
    with autograd.record():
        outs = _flat(net(x))
        loss = None
        for i, o in enumerate(outs):
            t = (o * (i + 1.5)).sum()
            loss = t if loss is None else loss + t
    loss.backward()
    grads = {k: p.grad().asnumpy().copy() for k, p in params.items() if p.grad_req != "null"}
    return outs, grads


def _make(cls, shape):
    mx.random.seed(7)
    net = cls()
    net.initialize(mx.init.Normal(0.5))
    x = np.array(onp.random.RandomState(3).uniform(-1, 1, size=shape).astype("float32"))
    return net, x


@pytest.mark.parametrize("cls,shape", BLOCKS, ids=[c.__name__ for c, _ in BLOCKS])
def test_hybridized_matches_imperative(cls, shape, tmp_path):
    net, x = _make(cls, shape)
    ref_outs, ref_grads = _run(net, x)
    net.hybridize()
    outs, grads = _run(net, x)
    outs2, _ = _run(net, x)          # cached graph reused
    assert len(outs) == len(ref_outs)
    for o, r, o2 in zip(outs, ref_outs, outs2):
        assert isinstance(o, np.ndarray)
        assert o.shape == r.shape and o.dtype == r.dtype
        onp.testing.assert_allclose(o.asnumpy(), r.asnumpy(), rtol=1e-5, atol=1e-5)
        onp.testing.assert_allclose(o2.asnumpy(), r.asnumpy(), rtol=1e-5, atol=1e-5)
    assert grads.keys() == ref_grads.keys() and grads
    for k in grads:
        onp.testing.assert_allclose(grads[k], ref_grads[k], rtol=1e-4, atol=1e-5, err_msg=k)
    # export -> SymbolBlock.imports gives the same values (0-d results come back as (1,))
    prefix = os.path.join(str(tmp_path), "m")
    net.export(prefix)
    loaded = gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"], prefix + "-0000.params")
    for o, r in zip(_flat(loaded(x)), ref_outs):
        onp.testing.assert_allclose(o.asnumpy().reshape(r.shape), r.asnumpy(), rtol=1e-5, atol=1e-5)


def test_zero_d_outputs_and_symbol_class():
    net, x = _make(Reductions, (3, 4))
    net.hybridize()
    outs = net(x)
    assert outs[0].shape == () and outs[5].shape == (1, 1)
    s = mx.sym.np.sum(mx.sym.np.as_np_symbol(mx.sym.var("a"), 2))
    assert isinstance(s, mx.sym.Symbol) and s.ndim == 0
    assert s.infer_shape(a=(2, 3))[1] == [(1,)]


def test_symbol_operators_broadcast():
    a = mx.sym.np.as_np_symbol(mx.sym.var("a"), 2)
    b = mx.sym.np.as_np_symbol(mx.sym.var("b"), 1)
    c = (a + b) * b - b / 2 + 1
    ex = c.bind(mx.cpu(), {"a": mx.nd.ones((2, 3)), "b": mx.nd.array([1, 2, 3])})
    onp.testing.assert_allclose(ex.forward()[0].asnumpy(),
                                (onp.ones((2, 3)) + [1, 2, 3]) * [1, 2, 3] - onp.array([1, 2, 3]) / 2 + 1)
    assert c.ndim == 2
    # plain legacy symbols combined with np symbols use the np (broadcasting) operators
    d = mx.sym.var("d") + b
    assert isinstance(d, mx.sym.np._Symbol)


def test_reshape_numpy_semantics_and_errors():
    a = mx.sym.np.as_np_symbol(mx.sym.var("a"), 3)
    r = a.reshape(-1, 4)
    assert r.ndim == 2 and r.infer_shape(a=(2, 3, 4))[1] == [(6, 4)]
    with pytest.raises(mx.MXNetError):
        a.reshape(-1, -1)
    with pytest.raises(mx.MXNetError):
        mx.sym.np.reshape(a, (0, -1))        # legacy special code, not NumPy
    with pytest.raises(mx.MXNetError):
        mx.sym.np.swapaxes(a, 0, 5)
    with pytest.raises(ValueError):
        mx.sym.np.matmul(mx.sym.np.sum(a), a)
    with pytest.raises(mx.MXNetError):
        mx.sym.np.where(a > 0)
    u = mx.sym.var("u")                     # ndim unknown: negative axes cannot be resolved
    with pytest.raises(mx.MXNetError):
        mx.sym.np.sum(u, axis=-1)


def test_dot_matmul_shapes():
    P = mx.sym.np.as_np_symbol
    cases = [((3,), (3,), ()), ((2, 3), (3,), (2,)), ((3,), (3, 4), (4,)), ((2, 3), (3, 4), (2, 4)),
             ((5, 2, 3), (3, 4), (5, 2, 4)), ((5, 2, 3), (5, 3, 4), (5, 2, 4)),
             ((2, 3), (5, 3, 4), (5, 2, 4)), ((3,), (5, 3, 4), (5, 4)), ((6, 5, 2, 3), (3,), (6, 5, 2))]
    rs = onp.random.RandomState(0)
    for sa, sb, so in cases:
        a, b = P(mx.sym.var("a"), len(sa)), P(mx.sym.var("b"), len(sb))
        A, B = rs.rand(*sa).astype("float32"), rs.rand(*sb).astype("float32")
        fns = [mx.sym.np.matmul] + ([mx.sym.np.dot] if len(sb) <= 2 else [])
        ref = {mx.sym.np.matmul: onp.matmul(A, B)}
        if len(sb) <= 2:
            ref[mx.sym.np.dot] = onp.dot(A, B)
        for fn in fns:
            r = fn(a, b)
            assert r.ndim == len(so), (fn, sa, sb)
            out = r.bind(mx.cpu(), {"a": mx.nd.array(A), "b": mx.nd.array(B)}).forward()[0].asnumpy()
            onp.testing.assert_allclose(out.reshape(so), ref[fn], rtol=1e-5, atol=1e-5)


class Reuse(gluon.HybridBlock):
    """A parameter used several times (by F.np functions and by operators)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(4,))

    def hybrid_forward(self, F, x, w):
        return F.np.minimum(x * w, w) + F.np.dot(F.np.tanh(x), w)[:, None] + F.np.exp(w)


def test_param_reuse_gradients():
    """Hybridized gradients of a reused parameter match finite differences."""
    net, x = _make(Reuse, (3, 4))
    net.hybridize()
    _, grads = _run(net, x)
    p = net.collect_params()["reuse0_w"]
    base = p.data().asnumpy().copy()
    fd = onp.zeros(4)
    for i in range(4):
        for sgn in (1, -1):
            b = base.copy()
            b[i] += sgn * 1e-2
            p.set_data(np.array(b))
            fd[i] += sgn * float((net(x) * 1.5).sum()) / 2e-2
    p.set_data(np.array(base))
    onp.testing.assert_allclose(grads["reuse0_w"], fd, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("cls,shape", [(Residual, (2, 3, 5)), (MultiHead, (2, 3, 4))],
                         ids=["Residual", "MultiHead"])
def test_hybridize_before_deferred_init(cls, shape):
    """Traced first: deferred parameter shapes come from the F.np graph."""
    net, x = _make(cls, shape)
    net.hybridize()
    outs, grads = _run(net, x)
    net.hybridize(False)
    ref_outs, ref_grads = _run(net, x)
    for o, r in zip(outs, ref_outs):
        onp.testing.assert_allclose(o.asnumpy(), r.asnumpy(), rtol=1e-5, atol=1e-5)
    for k in grads:
        onp.testing.assert_allclose(grads[k], ref_grads[k], rtol=1e-4, atol=1e-5, err_msg=k)


class _ChildMethods(nn.HybridBlock):
    """NumPy methods on a child block's output, as d2l/GluonNLP code writes them."""

    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.proj = nn.Dense(8, flatten=False)

    def hybrid_forward(self, F, x):
        h = self.proj(x).reshape(2, 3, 2, 4).transpose(0, 2, 1, 3)
        return F.np.sum(h * h, axis=-1)


def test_child_outputs_are_np_in_np_mode():
    # MXNet: a child block called inside an np-mode hybrid_forward returns mx.np arrays (or
    # mx.sym.np symbols while tracing), so NumPy-style methods work on them
    x = np.array(onp.random.RandomState(0).rand(2, 3, 5).astype("float32"))
    res = []
    for hybridize in (False, True):
        mx.random.seed(0)
        net = _ChildMethods()
        net.initialize(mx.init.Uniform(0.5))
        if hybridize:
            net.hybridize()
        with autograd.record():
            y = net(x)
        y.backward()
        assert isinstance(y, np.ndarray) and y.shape == (2, 2, 3)
        res.append((y.asnumpy(), net.proj.weight.grad().asnumpy()))
    w = net.proj.weight.data().asnumpy()
    b = net.proj.bias.data().asnumpy()
    h = (x.asnumpy() @ w.T + b).reshape(2, 3, 2, 4).transpose(0, 2, 1, 3)
    onp.testing.assert_allclose(res[0][0], (h * h).sum(-1), rtol=1e-5)
    onp.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6)
    onp.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-5)


class _OwnParams(nn.HybridBlock):
    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.w = self.params.get("w", shape=(4, 3))

    def hybrid_forward(self, F, x, w):
        # NumPy methods on the block's own input and on F.np results
        return F.np.dot(x.reshape(-1, 4), w).transpose(1, 0).sum(axis=0)


def test_user_hybrid_forward_gets_np_arrays():
    # MXNet 1.9.1 (checked): [12, 12] and w.grad 2 everywhere, hybridized or not
    for hybridize in (False, True):
        net = _OwnParams()
        net.initialize(mx.init.One())
        if hybridize:
            net.hybridize()
        x = np.ones((2, 4))
        with autograd.record():
            y = net(x)
        y.backward()
        onp.testing.assert_array_equal(y.asnumpy(), [12, 12])
        onp.testing.assert_array_equal(net.w.grad().asnumpy(), onp.full((4, 3), 2.0))
