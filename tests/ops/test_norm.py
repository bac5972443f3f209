"""BatchNorm, InstanceNorm, LayerNorm, GroupNorm, LRN and L2Normalization: forward against NumPy
references, backward against finite differences, training vs inference, moving statistics,
shape/type inference, errors, and one mx.sym + simple_bind round per operator."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, fixture_cases, run_nd

RNG = np.random.RandomState(11)


def _r(*shape, dtype=np.float32, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def _pos(*shape, dtype=np.float32):
    return RNG.uniform(0.5, 1.5, shape).astype(dtype)


def _bshape(ndim, axis, c):
    s = [1] * ndim
    s[axis] = c
    return s


def _normalize(x, red, eps):
    x = x.astype(np.float64)
    mean = x.mean(axis=red, keepdims=True)
    var = x.var(axis=red, keepdims=True)
    return (x - mean) / np.sqrt(var + eps), mean, var


# -- BatchNorm --------------------------------------------------------------------------------


def bn_ref(x, gamma, beta, mm, mv, train, eps=1e-3, fix_gamma=True, use_global_stats=False, axis=1,
           momentum=0.9):
    """(output, mean, inverse std, new moving_mean, new moving_var) in float64."""
    ax = axis % x.ndim
    red = tuple(i for i in range(x.ndim) if i != ax)
    bs = _bshape(x.ndim, ax, x.shape[ax])
    x = x.astype(np.float64)
    if train and not use_global_stats:
        mean, var = x.mean(axis=red), x.var(axis=red)
        new_mm, new_mv = momentum * mm + (1 - momentum) * mean, momentum * mv + (1 - momentum) * var
    else:
        mean, var = mm.astype(np.float64), mv.astype(np.float64)
        new_mm, new_mv = mm, mv
    rstd = 1 / np.sqrt(var + eps)
    g = np.ones_like(gamma) if fix_gamma else gamma
    y = (x - mean.reshape(bs)) * rstd.reshape(bs) * g.reshape(bs) + beta.reshape(bs)
    return y, mean, rstd, new_mm, new_mv


BN_CASES = [  # (data shape, kwargs, dtype, is_train)
    ((4, 3, 2, 2), dict(fix_gamma=False), np.float32, True),
    ((4, 3, 2, 2), dict(), np.float32, True),
    ((4, 3, 2, 2), dict(fix_gamma=False), np.float32, False),
    ((4, 5, 3), dict(axis=-1, fix_gamma=False, momentum=0.7), np.float64, True),
    ((6, 4), dict(fix_gamma=False, use_global_stats=True), np.float64, True),
    ((5, 2, 3), dict(fix_gamma=False, eps=1e-5, axis=2), np.float32, True),
    ((4, 3, 2), dict(fix_gamma=False), np.float16, True),
    ((3, 2, 2, 2), dict(fix_gamma=False, cudnn_off=True, min_calib_range=-1.0, max_calib_range=1.0),
     np.float32, False),
]


def _bn_inputs(shape, kwargs, dtype):
    ax = kwargs.get("axis", 1) % len(shape)
    c = shape[ax]
    pdt = np.float32 if dtype == np.float16 else dtype
    return [_r(*shape, dtype=dtype), _pos(c, dtype=pdt), _r(c, dtype=pdt)], [_r(c, dtype=pdt), _pos(c, dtype=pdt)]


@pytest.mark.parametrize("shape,kwargs,dtype,train", BN_CASES)
def test_batchnorm_forward_and_moving_stats(shape, kwargs, dtype, train):
    """Outputs of the forward; the moving statistics move when the backward runs (MXNet 1.9.1
    on the CPU), not in the forward."""
    ins, aux = _bn_inputs(shape, kwargs, dtype)
    nd_in = [mx.nd.array(a, dtype=a.dtype) for a in ins + aux]
    nd_in[0].attach_grad()
    with mx.autograd.record(train_mode=train):
        outs = mx.nd.BatchNorm(*nd_in, output_mean_var=True, **kwargs)
    ref = bn_ref(*ins, *aux, train, **{k: v for k, v in kwargs.items()
                                       if k not in ("cudnn_off", "min_calib_range", "max_calib_range")})
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == np.float16 else dict(rtol=1e-4, atol=1e-5)
    assert [o.dtype for o in outs] == [dtype] + [np.float32 if dtype == np.float16 else dtype] * 2
    for o, r in zip(outs, ref[:3]):
        np.testing.assert_allclose(o.asnumpy().astype(np.float64), r, **tol)
    np.testing.assert_array_equal(nd_in[3].asnumpy(), aux[0])     # a forward moves nothing
    np.testing.assert_array_equal(nd_in[4].asnumpy(), aux[1])
    outs[0].backward()
    np.testing.assert_allclose(nd_in[3].asnumpy(), ref[3], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nd_in[4].asnumpy(), ref[4], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape,kwargs,dtype,train", [c for c in BN_CASES if c[2] != np.float16])
def test_batchnorm_grad(shape, kwargs, dtype, train):
    ins, aux = _bn_inputs(shape, kwargs, dtype)
    grads = check_grad("BatchNorm", ins, kwargs, aux=aux, is_train=train)
    if kwargs.get("fix_gamma", True):
        assert not np.any(grads[1])


def test_batchnorm_visible_outputs_and_ignored_stat_heads():
    op = get_op("BatchNorm")
    assert op.num_visible_outputs(op.parse({})) == 1
    assert op.num_visible_outputs(op.parse(dict(output_mean_var=True))) == 3
    ins, aux = _bn_inputs((4, 3, 2), dict(fix_gamma=False), np.float32)
    nd = [mx.nd.array(a) for a in ins + aux]
    single = mx.nd.BatchNorm(*nd, fix_gamma=False)
    assert isinstance(single, mx.nd.NDArray) and single.shape == (4, 3, 2)
    # MXNet's backward ignores head gradients of the mean and var outputs
    env = OpEnv(np, True, mx.cpu())
    attrs = op.parse(dict(fix_gamma=False, output_mean_var=True))
    outs = op.forward(env, attrs, ins, [a.copy() for a in aux])
    heads = [np.ones_like(o) for o in outs]
    g1 = op.backward(env, attrs, ins, outs, heads, [True] * 3)
    heads[1], heads[2] = heads[1] * 0, heads[2] * 0
    g2 = op.backward(env, attrs, ins, outs, heads, [True] * 3)
    for a, b in zip(g1, g2):
        np.testing.assert_array_equal(a, b)


BN_FIXTURES = [c for c in fixture_cases()[0] if c["op_in_symbol_json"] == "BatchNorm"]


@pytest.mark.parametrize("case", BN_FIXTURES, ids=[c["id"] for c in BN_FIXTURES])
def test_batchnorm_moving_stats_match_mxnet(case):
    """MXNet 1.9.1 moves the moving statistics when the backward runs: after the forward they
    equal its ``aux_out``, after the backward its ``aux_after_backward``."""
    _, npz = fixture_cases()
    ins = [mx.nd.array(npz[i["key"]]) for i in case["inputs"]]
    aux = [mx.nd.array(npz[a["key"]]) for a in case["aux_states"]]
    for x in ins:
        x.attach_grad()
    with mx.autograd.record(train_mode=case["is_train"]):
        out = mx.nd.BatchNorm(*ins, *aux, **case["kwargs"])
    for a, spec in zip(aux, case["aux_states"]):
        np.testing.assert_allclose(a.asnumpy(), npz[spec["key_after_forward"]], rtol=1e-5, atol=1e-6)
    if case.get("backward"):
        head = npz[case["backward"]["head_grads"][0]["key"]]
        (out[0] if isinstance(out, (list, tuple)) else out).backward(mx.nd.array(head))
        for a, spec in zip(aux, case["aux_states"]):
            np.testing.assert_allclose(a.asnumpy(), npz[spec["key_after_backward"]], rtol=1e-5, atol=1e-6,
                                       err_msg=spec["key_after_backward"])


def test_batchnorm_shape_inference():
    op = get_op("BatchNorm")
    ins, outs, aux = op.infer_shapes(op.parse({}), [(2, 5, 3), None, None], [None, None])
    assert ins == [(2, 5, 3), (5,), (5,)] and outs == [(2, 5, 3), (5,), (5,)] and aux == [(5,), (5,)]
    ins, outs, aux = op.infer_shapes(op.parse(dict(axis=-1)), [(2, 5, 3), None, None], [None, None])
    assert ins[1] == (3,) and aux == [(3,), (3,)]
    assert op.infer_shapes(op.parse({}), [None, (5,), None], [None, None])[1] == [None] * 3


def test_batchnorm_errors():
    x = mx.nd.ones((2, 3, 4))
    c3 = [mx.nd.ones((3,)) for _ in range(4)]
    with pytest.raises(mx.MXNetError, match=r"BatchNorm.*axis 3.*3 dimension"):
        mx.nd.BatchNorm(x, *c3, axis=3)
    with pytest.raises(mx.MXNetError, match=r"BatchNorm.*'gamma'.*\(4,\).*\(3,\)"):
        mx.nd.BatchNorm(x, mx.nd.ones((4,)), *c3[1:])
    with pytest.raises(mx.MXNetError, match=r"BatchNorm.*'moving_var'"):
        mx.nd.BatchNorm(x, *c3[:3], mx.nd.ones((2,)))
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.BatchNorm(x.astype("int32"), *c3)
    with pytest.raises(mx.MXNetError, match="auxiliary"):
        mx.nd.BatchNorm(x, *c3[:2])


def test_batchnorm_symbol_train_and_inference():
    x = _r(4, 3, 2)
    s = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=False, momentum=0.5, name="bn")
    assert s.list_arguments() == ["data", "bn_gamma", "bn_beta"]
    assert s.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert s.list_outputs() == ["bn_output"]
    attrs = s.attr_dict()
    assert attrs["bn_moving_mean"]["__init__"] == '["zero", {}]'
    assert attrs["bn_moving_var"]["__init__"] == '["one", {}]'
    assert mx.sym.BatchNorm(output_mean_var=True, name="b").list_outputs() == ["b_output", "b_mean", "b_var"]
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    gamma, beta = _pos(3), _r(3)
    ex.arg_dict["bn_gamma"][:] = gamma
    ex.arg_dict["bn_beta"][:] = beta
    ex.aux_dict["bn_moving_var"][:] = 1.0
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    ref = bn_ref(x, gamma, beta, np.zeros(3), np.ones(3), True, fix_gamma=False, momentum=0.5)
    np.testing.assert_allclose(out, ref[0], rtol=1e-4, atol=1e-5)
    head = _r(4, 3, 2)
    ex.backward(mx.nd.array(head))
    np.testing.assert_allclose(ex.grad_dict["bn_beta"].asnumpy(), head.sum(axis=(0, 2)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ex.aux_dict["bn_moving_mean"].asnumpy(), ref[3], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex.aux_dict["bn_moving_var"].asnumpy(), ref[4], rtol=1e-5, atol=1e-6)
    # inference uses the (updated) moving statistics and leaves them alone
    mm, mv = ex.aux_dict["bn_moving_mean"].asnumpy(), ex.aux_dict["bn_moving_var"].asnumpy()
    out = ex.forward(is_train=False, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, bn_ref(x, gamma, beta, mm, mv, False, fix_gamma=False)[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(ex.aux_dict["bn_moving_mean"].asnumpy(), mm)


def test_batchnorm_autograd():
    ins, aux = _bn_inputs((4, 3, 2), dict(fix_gamma=False), np.float32)
    nd = [mx.nd.array(a) for a in ins]
    for a in nd:
        a.attach_grad()
    nd_aux = [mx.nd.array(a) for a in aux]
    with mx.autograd.record():
        y = mx.nd.BatchNorm(*nd, *nd_aux, fix_gamma=False)
    y.backward()
    # d sum(y) / d x == 0 with batch statistics; beta gets the element count per channel
    np.testing.assert_allclose(nd[0].grad.asnumpy(), 0, atol=1e-5)
    np.testing.assert_allclose(nd[2].grad.asnumpy(), np.full(3, 8.0))
    np.testing.assert_allclose(nd_aux[0].asnumpy(), 0.9 * aux[0] + 0.1 * ins[0].mean(axis=(0, 2)), rtol=1e-5)


# -- InstanceNorm -----------------------------------------------------------------------------


def in_ref(x, gamma, beta, eps=1e-3):
    xhat = _normalize(x, tuple(range(2, x.ndim)), eps)[0]
    bs = _bshape(x.ndim, 1, x.shape[1])
    return xhat * gamma.reshape(bs) + beta.reshape(bs)


@pytest.mark.parametrize("shape,eps", [((2, 3, 4), 1e-3), ((2, 2, 3, 2), 1e-5), ((1, 4, 5), 0.1)])
def test_instancenorm(shape, eps):
    ins = [_r(*shape), _pos(shape[1]), _r(shape[1])]
    check_forward("InstanceNorm", ins, dict(eps=eps), lambda x, g, b: in_ref(x, g, b, eps), rtol=1e-4, atol=1e-5)
    check_grad("InstanceNorm", ins, dict(eps=eps))


def test_instancenorm_errors_and_symbol():
    with pytest.raises(mx.MXNetError, match=r"InstanceNorm.*3 dimensions.*\(2, 3\)"):
        mx.nd.InstanceNorm(mx.nd.ones((2, 3)), mx.nd.ones((3,)), mx.nd.ones((3,)))
    with pytest.raises(mx.MXNetError, match="InstanceNorm.*float32"):
        mx.nd.InstanceNorm(mx.nd.ones((2, 3, 2), dtype="float64"), mx.nd.ones((3,), dtype="float64"),
                           mx.nd.ones((3,), dtype="float64"))
    with pytest.raises(mx.MXNetError, match=r"InstanceNorm.*'beta'.*\(2,\)"):
        mx.nd.InstanceNorm(mx.nd.ones((2, 3, 2)), mx.nd.ones((3,)), mx.nd.ones((2,)))
    x = _r(2, 3, 4)
    s = mx.sym.InstanceNorm(mx.sym.var("data"), name="inorm")
    assert s.list_arguments() == ["data", "inorm_gamma", "inorm_beta"]
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    ex.arg_dict["inorm_gamma"][:] = 2.0
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, in_ref(x, np.full(3, 2.0), np.zeros(3)), rtol=1e-4, atol=1e-5)
    ex.backward(mx.nd.ones(x.shape))
    np.testing.assert_allclose(ex.grad_dict["inorm_beta"].asnumpy(), np.full(3, 8.0))
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), 0, atol=1e-5)


# -- LayerNorm --------------------------------------------------------------------------------


def ln_ref(axis, eps):
    def ref(x, gamma, beta):
        ax = axis % x.ndim
        xhat, mean, var = _normalize(x, (ax,), eps)
        bs = _bshape(x.ndim, ax, x.shape[ax])
        return [xhat * gamma.reshape(bs) + beta.reshape(bs), mean, np.sqrt(var + eps)]
    return ref


LN_CASES = [  # (shape, axis, eps, dtype)
    ((2, 3, 4), -1, 1e-5, np.float32),
    ((2, 3, 4), 1, 1e-3, np.float32),
    ((3, 4), 0, 1e-5, np.float64),
    ((5,), 0, 1e-5, np.float64),
    ((2, 3, 4), -1, 1e-5, np.float16),
]


@pytest.mark.parametrize("shape,axis,eps,dtype", LN_CASES)
def test_layernorm(shape, axis, eps, dtype):
    c = shape[axis]
    ins = [_r(*shape, dtype=dtype), _pos(c, dtype=dtype), _r(c, dtype=dtype)]
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == np.float16 else dict(rtol=1e-4, atol=1e-5)
    kw = dict(axis=axis, eps=eps)
    got = check_forward("LayerNorm", ins, dict(kw, output_mean_var=True), ln_ref(axis, eps), **tol)
    assert all(g.dtype == dtype for g in got)
    check_forward("LayerNorm", ins, kw, lambda *a: ln_ref(axis, eps)(*a)[0], **tol)
    if dtype != np.float16:
        check_grad("LayerNorm", ins, kw)


def test_layernorm_errors_and_symbol():
    with pytest.raises(mx.MXNetError, match=r"LayerNorm.*'gamma'.*\(3,\).*\(4,\)"):
        mx.nd.LayerNorm(mx.nd.ones((2, 4)), mx.nd.ones((3,)), mx.nd.ones((4,)))
    with pytest.raises(mx.MXNetError, match="LayerNorm.*axis 2"):
        mx.nd.LayerNorm(mx.nd.ones((2, 4)), mx.nd.ones((4,)), mx.nd.ones((4,)), axis=2)
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.LayerNorm(mx.nd.ones((2, 4), dtype="int32"), mx.nd.ones((4,), dtype="int32"),
                        mx.nd.ones((4,), dtype="int32"))
    s = mx.sym.LayerNorm(mx.sym.var("data"), output_mean_var=True, name="ln")
    assert s.list_outputs() == ["ln_output", "ln_mean", "ln_std"]
    assert s.infer_shape(data=(2, 3, 4))[:2] == ([(2, 3, 4), (4,), (4,)], [(2, 3, 4), (2, 3, 1), (2, 3, 1)])
    x = _r(2, 3, 4)
    s = mx.sym.LayerNorm(mx.sym.var("data"), name="ln")
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    ex.arg_dict["ln_gamma"][:] = 1.0
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, ln_ref(-1, 1e-5)(x, np.ones(4), np.zeros(4))[0], rtol=1e-4, atol=1e-5)
    head = _r(2, 3, 4)
    ex.backward(mx.nd.array(head))
    np.testing.assert_allclose(ex.grad_dict["ln_beta"].asnumpy(), head.sum(axis=(0, 1)), rtol=1e-5, atol=1e-5)


# -- GroupNorm --------------------------------------------------------------------------------


def gn_ref(groups, eps):
    def ref(x, gamma, beta):
        n = x.shape[0]
        xr = x.reshape(n, groups, -1)
        xhat, mean, var = _normalize(xr, (2,), eps)
        y = xhat * gamma.reshape(1, -1, 1) + beta.reshape(1, -1, 1)
        return [y.reshape(x.shape), mean.reshape(n, groups), np.sqrt(var + eps).reshape(n, groups)]
    return ref


@pytest.mark.parametrize("shape,groups,dtype", [((2, 6, 3), 3, np.float32), ((2, 4, 2, 2), 2, np.float64),
                                                ((3, 2, 5), 1, np.float32), ((2, 4, 3), 4, np.float16)])
def test_groupnorm(shape, groups, dtype):
    ins = [_r(*shape, dtype=dtype), _pos(groups, dtype=dtype), _r(groups, dtype=dtype)]
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == np.float16 else dict(rtol=1e-4, atol=1e-5)
    kw = dict(num_groups=groups)
    check_forward("GroupNorm", ins, dict(kw, output_mean_var=True), gn_ref(groups, 1e-5), **tol)
    if dtype != np.float16:
        check_grad("GroupNorm", ins, kw)


def test_groupnorm_errors_and_symbol():
    with pytest.raises(mx.MXNetError, match=r"GroupNorm.*divisible.*num_groups=4"):
        mx.nd.GroupNorm(mx.nd.ones((2, 6, 3)), mx.nd.ones((4,)), mx.nd.ones((4,)), num_groups=4)
    with pytest.raises(mx.MXNetError, match=r"GroupNorm.*3 dimensions"):
        mx.nd.GroupNorm(mx.nd.ones((2, 6)), mx.nd.ones((1,)), mx.nd.ones((1,)))
    with pytest.raises(mx.MXNetError, match=r"GroupNorm.*'gamma'.*\(6,\).*\(2,\)"):
        mx.nd.GroupNorm(mx.nd.ones((2, 6, 3)), mx.nd.ones((6,)), mx.nd.ones((2,)), num_groups=2)
    s = mx.sym.GroupNorm(mx.sym.var("data"), num_groups=2, output_mean_var=True, name="gn")
    assert s.infer_shape(data=(2, 4, 3))[:2] == ([(2, 4, 3), (2,), (2,)], [(2, 4, 3), (2, 2), (2, 2)])
    x = _r(2, 4, 3)
    ex = mx.sym.GroupNorm(mx.sym.var("data"), num_groups=2, name="gn").simple_bind(mx.cpu(), data=x.shape)
    ex.arg_dict["gn_gamma"][:] = 1.0
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, gn_ref(2, 1e-5)(x, np.ones(2), np.zeros(2))[0], rtol=1e-4, atol=1e-5)
    ex.backward(mx.nd.ones(x.shape))
    np.testing.assert_allclose(ex.grad_dict["gn_beta"].asnumpy(), np.full(2, 12.0))


# -- LRN --------------------------------------------------------------------------------------


def lrn_ref(nsize, alpha, beta, knorm):
    def ref(x):
        x = x.astype(np.float64)
        half = (nsize - 1) // 2
        c = x.shape[1]
        s = np.zeros_like(x)
        for ch in range(c):
            s[:, ch] = (x[:, max(0, ch - half):ch + half + 1] ** 2).sum(axis=1)
        return x / (knorm + alpha / nsize * s) ** beta
    return ref


@pytest.mark.parametrize("kw", [dict(nsize=3, alpha=0.01, beta=0.75, knorm=2.0), dict(nsize=5, alpha=0.5),
                                dict(nsize=1, alpha=0.3, beta=0.5, knorm=1.0),
                                dict(nsize=4, alpha=0.2, beta=0.9, knorm=1.5)])
def test_lrn(kw):
    x = _r(2, 5, 3, 2)
    full = dict(dict(alpha=1e-4, beta=0.75, knorm=2.0), **kw)
    check_forward("LRN", [x], kw, lrn_ref(**full), rtol=1e-5, atol=1e-6)
    check_grad("LRN", [x], kw)


def test_lrn_errors_and_symbol():
    with pytest.raises(mx.MXNetError, match=r"LRN.*4-dimensional.*\(2, 3, 4\)"):
        mx.nd.LRN(mx.nd.ones((2, 3, 4)), nsize=3)
    with pytest.raises(mx.MXNetError, match="LRN.*float32"):
        mx.nd.LRN(mx.nd.ones((1, 3, 2, 2), dtype="float64"), nsize=3)
    with pytest.raises(mx.MXNetError, match="nsize"):
        mx.nd.LRN(mx.nd.ones((1, 3, 2, 2)))
    with pytest.raises(mx.MXNetError, match="nsize"):
        mx.nd.LRN(mx.nd.ones((1, 3, 2, 2)), nsize=0)
    x = _r(1, 4, 2, 2)
    ex = mx.sym.LRN(mx.sym.var("data"), nsize=3, alpha=0.1).simple_bind(mx.cpu(), data=x.shape)
    out = ex.forward(is_train=True, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, lrn_ref(3, 0.1, 0.75, 2.0)(x), rtol=1e-5, atol=1e-6)
    head = _r(1, 4, 2, 2)
    ex.backward(mx.nd.array(head))
    op = get_op("LRN")
    attrs = op.parse(dict(nsize=3, alpha=0.1))
    env = OpEnv(np, True, mx.cpu())
    want = op.backward(env, attrs, [x], op.forward(env, attrs, [x], []), [head], [True])[0]
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), want, rtol=1e-6, atol=1e-7)
    check_grad("LRN", [x], dict(nsize=3, alpha=0.1))


# -- L2Normalization --------------------------------------------------------------------------


def l2_ref(mode, eps=1e-10):
    def ref(x):
        x = x.astype(np.float64)
        red = {"instance": tuple(range(1, x.ndim)), "channel": (1,), "spatial": tuple(range(2, x.ndim))}[mode]
        return x / np.sqrt((x * x).sum(axis=red, keepdims=True) + eps)
    return ref


@pytest.mark.parametrize("shape,mode,eps,dtype", [
    ((2, 3, 4), "instance", 1e-10, np.float32), ((2, 3, 4), "channel", 1e-10, np.float32),
    ((2, 3, 2, 2), "spatial", 1e-10, np.float32), ((3, 4), "instance", 0.5, np.float64),
    ((4,), "instance", 1e-10, np.float64), ((2, 3, 2), "channel", 1e-3, np.float16)])
def test_l2normalization(shape, mode, eps, dtype):
    x = _r(*shape, dtype=dtype)
    tol = dict(rtol=1e-2, atol=1e-3) if dtype == np.float16 else dict(rtol=1e-5, atol=1e-6)
    kw = dict(mode=mode, eps=eps)
    check_forward("L2Normalization", [x], kw, l2_ref(mode, eps), **tol)
    if dtype != np.float16:
        check_grad("L2Normalization", [x], kw)


def test_l2normalization_errors_and_symbol():
    for mode in ("channel", "spatial"):
        with pytest.raises(mx.MXNetError, match=r"L2Normalization.*{}.*3 dimensions.*\(2, 3\)".format(mode)):
            mx.nd.L2Normalization(mx.nd.ones((2, 3)), mode=mode)
    with pytest.raises(mx.MXNetError, match="mode"):
        mx.nd.L2Normalization(mx.nd.ones((2, 3)), mode="batch")
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.L2Normalization(mx.nd.ones((2, 3), dtype="int32"))
    x = _r(2, 3, 4)
    ex = mx.sym.L2Normalization(mx.sym.var("data"), mode="channel").simple_bind(mx.cpu(), data=x.shape)
    out = ex.forward(is_train=False, data=mx.nd.array(x))[0].asnumpy()
    np.testing.assert_allclose(out, l2_ref("channel")(x), rtol=1e-5, atol=1e-6)
    ex.backward(mx.nd.array(out))   # head along the output: the gradient is zero
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), 0, atol=1e-5)
    assert run_nd("L2Normalization", [np.zeros((2, 3), np.float32)])[0].tolist() == [[0.0] * 3] * 2


# -- hidden outputs (MXNet's symbol JSON counts them in node_row_ptr) --------------------------


@pytest.mark.parametrize("name,kwargs,shape,hidden", [
    ("InstanceNorm", {}, (2, 3, 4), [(2, 3), (2, 3)]),
    ("LRN", dict(nsize=3), (2, 3, 4, 4), [(2, 3, 4, 4)]),
    ("L2Normalization", {}, (2, 3, 4, 5), [(2,)]),
    ("L2Normalization", dict(mode="channel"), (2, 3, 4, 5), [(2, 1, 4, 5)]),
    ("L2Normalization", dict(mode="spatial"), (2, 3, 4, 5), [(2, 3)]),
])
def test_hidden_outputs_match_mxnet(name, kwargs, shape, hidden):
    op = get_op(name)
    attrs = op.parse(kwargs)
    assert op.num_visible_outputs(attrs) == 1 and op.num_outputs(attrs) == 1 + len(hidden)
    x = _r(*shape)
    ins = [x] + ([_pos(shape[1]), _r(shape[1])] if name == "InstanceNorm" else [])
    _, outs, _ = op.infer_shapes(attrs, [a.shape for a in ins])
    assert outs[1:] == hidden
    got = op.forward(OpEnv(np, True, mx.cpu()), attrs, ins, [])
    assert [g.shape for g in got[1:]] == hidden
    if name == "InstanceNorm":   # MXNet stores the mean and the (biased) variance
        np.testing.assert_allclose(got[2], x.var(axis=2), rtol=1e-5, atol=1e-6)
    elif name == "LRN":          # MXNet stores knorm + alpha / nsize * window sum of squares
        np.testing.assert_allclose(x / got[1] ** 0.75, got[0], rtol=1e-6)
    else:
        np.testing.assert_allclose(got[0] * got[1].reshape(got[1].shape + (1,) * (x.ndim - got[1].ndim)), x,
                                   rtol=1e-5, atol=1e-6)
