"""Initializers: name-based dispatch and the __init__ attribute, the registry and create(),
dumps(), each initializer's values (deterministic ones against MXNet 1.9.1's, random ones by
range/statistics and seed reproducibility), Load and Mixed."""
import json
import logging

import numpy as np
import pytest

import mxnet as mx
from mxnet import initializer as I


def _fill(init, name, shape, dtype="float32", attrs=None):
    arr = mx.nd.full(shape, 7.0, dtype=dtype)
    init(I.InitDesc(name, attrs=attrs), arr)
    return arr.asnumpy()


def test_initdesc():
    d = I.InitDesc("fc_weight", attrs={"__init__": '["zero", {}]'})
    assert isinstance(d, str) and d == "fc_weight" and d.attrs == {"__init__": '["zero", {}]'}
    assert d.global_init is None and I.InitDesc("x").attrs == {}
    init = mx.init.Uniform()
    init(d, mx.nd.ones((2,)))
    assert d.global_init is init


@pytest.mark.parametrize("name,value", [
    ("fc_bias", 0.0), ("bn_beta", 0.0), ("bn_gamma", 1.0), ("q_min", 0.0), ("q_max", 1.0)])
def test_suffix_dispatch(name, value):
    np.testing.assert_array_equal(_fill(mx.init.Uniform(), name, (3,)), value)


def test_weight_goes_to_init_weight_and_unknown_raises():
    got = _fill(mx.init.Constant(0.25), "conv_weight", (2, 2))
    np.testing.assert_array_equal(got, 0.25)
    with pytest.raises(ValueError, match="Unknown initialization pattern for bn_moving_mean"):
        _fill(mx.init.Uniform(), "bn_moving_mean", (2,))    # needs its __init__ attribute
    with pytest.raises(NotImplementedError):
        _fill(mx.init.Initializer(), "x_weight", (2,))


@pytest.mark.parametrize("attr,check", [
    ('["zero", {}]', lambda a: np.all(a == 0)),
    ('["one", {}]', lambda a: np.all(a == 1)),
    ("zeros", lambda a: np.all(a == 0)),
    ('["constant", {"value": 2.5}]', lambda a: np.all(a == 2.5)),
    ('["normal", {"sigma": 0.1}]', lambda a: 0.07 < a.std() < 0.13),
    ('["uniform", {"scale": 0.5}]', lambda a: np.abs(a).max() <= 0.5 and a.std() > 0.2),
])
def test_init_attribute_wins(attr, check):
    # whatever the name (even "bias", or an unknown suffix), __init__ decides
    for name in ("fc_bias", "bn_moving_var", "x_weight"):
        assert check(_fill(mx.init.Xavier(), name, (40, 10), attrs={"__init__": attr}))


def test_batchnorm_aux_states_through_symbol_attrs():
    s = mx.sym.BatchNorm(mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=4, name="fc"), name="bn")
    attrs = s.attr_dict()
    init = mx.init.Xavier()
    got = {}
    for name in s.list_arguments()[1:] + s.list_auxiliary_states():
        shape = (4, 3) if name == "fc_weight" else (4,)
        arr = mx.nd.full(shape, 7.0)
        init(I.InitDesc(name, attrs.get(name, {})), arr)
        got[name] = arr.asnumpy()
    for name, value in [("fc_bias", 0), ("bn_gamma", 1), ("bn_beta", 0), ("bn_moving_mean", 0),
                        ("bn_moving_var", 1)]:
        np.testing.assert_array_equal(got[name], value, err_msg=name)
    assert np.abs(got["fc_weight"]).max() <= np.sqrt(3 / 3.5) and got["fc_weight"].std() > 0.1


def test_legacy_string_names():
    init = mx.init.Uniform()
    with pytest.warns(DeprecationWarning):
        for name, value in [("bn_moving_mean", 0), ("bn_moving_var", 1), ("bn_moving_inv_var", 0),
                            ("x_moving_avg", 0), ("fc_bias", 0), ("bn_gamma", 1), ("q_max", 1)]:
            arr = mx.nd.full((3,), 7.0)
            init(name, arr)
            np.testing.assert_array_equal(arr.asnumpy(), value, err_msg=name)
        arr = mx.nd.zeros((6,))
        init("stn_loc_bias", arr)
        np.testing.assert_array_equal(arr.asnumpy(), [1, 0, 0, 0, 1, 0])
        arr = mx.nd.full((1, 1, 4, 4), 7.0)
        init("upsampling0_weight", arr)
        assert arr.asnumpy()[0, 0, 1, 1] == 0.5625
        with pytest.raises(ValueError):
            init("mystery", mx.nd.zeros((2,)))
        with pytest.raises(TypeError):
            init("x_weight", np.zeros(2))


def test_create_and_registry():
    assert isinstance(mx.init.create("zeros"), mx.init.Zero)
    assert isinstance(mx.init.create("ONES"), mx.init.One)
    x = mx.init.create('["xavier", {"magnitude": 2}]')
    assert isinstance(x, mx.init.Xavier) and x.magnitude == 2.0
    assert mx.init.create({"initializer": "normal", "sigma": 0.3}).sigma == 0.3
    assert mx.init.create('{"initializer": "normal", "sigma": 0.3}').sigma == 0.3
    assert mx.init.create("uniform", 0.2).scale == 0.2
    u = mx.init.Uniform()
    assert mx.init.create(u) is u
    with pytest.raises(AssertionError, match="not registered"):
        mx.init.create("nonexist")

    @mx.init.register
    @mx.init.alias("neomx_test_alias")
    class NeomxTestInit(mx.init.Initializer):
        def __init__(self, v=3.0):
            super().__init__(v=v)
            self.v = v

        def _init_weight(self, _, arr):
            arr[:] = self.v
    try:
        init = mx.init.create("neomxtestinit", v=4.0)
        assert init.dumps() == '["neomxtestinit", {"v": 4.0}]'
        np.testing.assert_array_equal(_fill(mx.init.create(init.dumps()), "w_weight", (2,)), 4.0)
        np.testing.assert_array_equal(_fill(mx.init.Zero(), "w_weight", (2,),
                                            attrs={"__init__": "neomx_test_alias"}), 3.0)
    finally:
        I._REGISTRY.pop("neomxtestinit")
        I._REGISTRY.pop("neomx_test_alias")


@pytest.mark.parametrize("init,text", [   # MXNet 1.9.1's strings
    (mx.init.Normal(0.5), '["normal", {"sigma": 0.5}]'),
    (mx.init.Xavier(factor_type="in", magnitude=2.34),
     '["xavier", {"rnd_type": "uniform", "factor_type": "in", "magnitude": 2.34}]'),
    (mx.init.MSRAPrelu(), '["msraprelu", {"factor_type": "avg", "slope": 0.25}]'),
    (mx.init.Constant(mx.nd.array([1, 2])), '["constant", {"value": [1.0, 2.0]}]'),
    (mx.init.LSTMBias(2.0), '["lstmbias", {"forget_bias": 2.0}]'),
    (mx.init.Orthogonal(), '["orthogonal", {"scale": 1.414, "rand_type": "uniform"}]'),
    (mx.init.Zero(), '["zero", {}]'),
])
def test_dumps(init, text):
    assert init.dumps() == text
    assert mx.init.create(text) == mx.init.create(json.dumps(json.loads(text)))


def test_equality():
    assert mx.init.Uniform(0.1) == mx.init.Uniform(0.1)
    assert mx.init.Uniform(0.1) != mx.init.Uniform(0.2)
    assert mx.init.Uniform(0.1) != mx.init.Normal(0.1)


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_uniform_and_normal(dtype):
    a = _fill(mx.init.Uniform(0.3), "w_weight", (100, 50), dtype)
    assert a.dtype == np.dtype(dtype)
    # (the bound as the dtype rounds it: float16 0.3 is 0.30005, which a draw may round to)
    assert np.abs(a).max() <= np.asarray(0.3, dtype) and abs(a.mean()) < 0.02
    assert abs(a.std() - 0.3 / np.sqrt(3)) < 0.02
    b = _fill(mx.init.Normal(0.2), "w_weight", (100, 50), dtype)
    assert b.dtype == np.dtype(dtype) and abs(b.std() - 0.2) < 0.02 and abs(b.mean()) < 0.02


def test_random_initializers_follow_mx_random_seed():
    def draw(seed):
        mx.random.seed(seed)
        return [_fill(init, "w_weight", (8, 6)) for init in
                (mx.init.Uniform(), mx.init.Normal(), mx.init.Xavier(), mx.init.MSRAPrelu(),
                 mx.init.Orthogonal())]
    a, b, c = draw(5), draw(5), draw(6)
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        assert not np.array_equal(x, z)


@pytest.mark.parametrize("shape,factor_type,expected_factor", [
    ((64, 3, 5, 5), "avg", (75 + 1600) / 2.0),
    ((64, 3, 5, 5), "in", 75.0),
    ((64, 3, 5, 5), "out", 1600.0),
    ((30, 20), "avg", 25.0),
    ((4, 6, 2, 3, 3), "in", 108.0),
])
def test_xavier_fans(shape, factor_type, expected_factor):
    scale = np.sqrt(3.0 / expected_factor)
    a = _fill(mx.init.Xavier(factor_type=factor_type), "c_weight", shape)
    assert np.abs(a).max() <= scale * (1 + 1e-6) and np.abs(a).max() > 0.9 * scale
    g = _fill(mx.init.Xavier("gaussian", factor_type, magnitude=2), "c_weight", shape)
    assert abs(g.std() / np.sqrt(2.0 / expected_factor) - 1) < 0.2


def test_xavier_errors():
    with pytest.raises(ValueError, match="at least 2D"):
        _fill(mx.init.Xavier(), "v_weight", (5,))
    with pytest.raises(ValueError, match="factor type"):
        _fill(mx.init.Xavier(factor_type="sum"), "v_weight", (5, 5))
    with pytest.raises(ValueError, match="random type"):
        _fill(mx.init.Xavier(rnd_type="cauchy"), "v_weight", (5, 5))


def test_msra_prelu():
    init = mx.init.MSRAPrelu(factor_type="in", slope=0.0)
    assert init.rnd_type == "gaussian" and init.magnitude == 2.0
    a = _fill(init, "c_weight", (256, 16, 3, 3))
    assert abs(a.std() / np.sqrt(2.0 / 144) - 1) < 0.05


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2, 2)])
@pytest.mark.parametrize("rand_type", ["uniform", "normal"])
def test_orthogonal(shape, rand_type):
    a = _fill(mx.init.Orthogonal(scale=2.0, rand_type=rand_type), "o_weight", shape)
    m = a.reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-4)


def test_bilinear_matches_mxnet():
    a = _fill(mx.init.Bilinear(), "up_weight", (2, 1, 3, 3))
    np.testing.assert_allclose(a.ravel(), [0.0625, 0.1875, 0.1875, 0.1875, 0.5625, 0.5625, 0.1875,
                                           0.5625, 0.5625] * 2)
    b = _fill(mx.init.Bilinear(), "up_weight", (1, 2, 4, 5))
    row = np.array([1, 2, 3, 2, 1]) / 3.0
    col = np.array([1, 2, 3, 2]) / 3.0
    np.testing.assert_allclose(b[0, 0], np.outer(col, row)[:4], rtol=1e-6)
    assert b[0, 0, 2, 2] == 1.0


def test_constant_one_zero_lstm():
    np.testing.assert_array_equal(_fill(mx.init.Constant(3), "w_weight", (2, 2)), 3)
    np.testing.assert_array_equal(_fill(mx.init.Constant(mx.nd.array([1, 2])), "w_weight", (2, 2)),
                                  [[1, 2], [1, 2]])
    np.testing.assert_array_equal(_fill(mx.init.One(), "w_weight", (2,)), 1)
    np.testing.assert_array_equal(_fill(mx.init.Zero(), "w_weight", (2,), "int32"), 0)
    np.testing.assert_array_equal(_fill(mx.init.LSTMBias(2.0), "lstm_i2h_weight", (8,)),
                                  [0, 0, 2, 2, 0, 0, 0, 0])


def test_quantized_weight_is_int8_range():
    a = _fill(mx.init.Uniform(), "q_weight_quantize", (3, 3), "int8")
    assert a.dtype == np.int8 and -127 <= a.min() and a.max() < 127
    np.testing.assert_array_equal(_fill(mx.init.Uniform(), "q_bias_quantize", (3,), "int8"), 0)


def test_load(tmp_path):
    params = {"arg:fc_weight": mx.nd.array([[1, 2], [3, 4]]), "aux:bn_moving_mean": mx.nd.array([5, 6]),
              "plain": mx.nd.array([7])}
    fname = str(tmp_path / "p.params")
    mx.nd.save(fname, params)
    for source in (params, fname):
        init = mx.init.Load(source, default_init=mx.init.Constant(9), verbose=True)
        assert sorted(init.param) == ["bn_moving_mean", "fc_weight", "plain"]
        arr = mx.nd.zeros((2, 2))
        init("fc_weight", arr)
        np.testing.assert_array_equal(arr.asnumpy(), [[1, 2], [3, 4]])
        arr = mx.nd.zeros((3,))
        init(I.InitDesc("other_weight"), arr)
        np.testing.assert_array_equal(arr.asnumpy(), 9)
        with pytest.raises(AssertionError, match="Shape mismatch"):
            init("fc_weight", mx.nd.zeros((3,)))
    with pytest.raises(AssertionError, match="no default"):
        mx.init.Load(params)("missing", mx.nd.zeros((1,)))


def test_mixed():
    init = mx.init.Mixed(["fc1_", ".*"], [mx.init.Constant(2), mx.init.Zero()])   # re.match
    a, b = mx.nd.ones((2,)), mx.nd.ones((2,))
    init(I.InitDesc("fc1_weight"), a)
    init(I.InitDesc("fc2_weight"), b)
    np.testing.assert_array_equal(a.asnumpy(), 2)
    np.testing.assert_array_equal(b.asnumpy(), 0)
    with pytest.raises(ValueError, match="did not match"):
        mx.init.Mixed(["bias$"], [mx.init.Zero()])("w", mx.nd.ones((1,)))


def test_verbosity(caplog):
    init = mx.init.Constant(2).set_verbosity(True)
    with caplog.at_level(logging.INFO):
        _fill(init, "fc_weight", (4,))
    assert "Initialized fc_weight as weight: 2.0" in caplog.text


def test_fused_rnn_needs_rnn_module():
    init = mx.init.FusedRNN(mx.init.Xavier(), num_hidden=4, num_layers=1, mode="lstm")
    assert json.loads(init.dumps())[1]["init"] == mx.init.Xavier().dumps()
    assert mx.init.FusedRNN('["zero", {}]', 4, 1, "gru")._init == mx.init.Zero()
