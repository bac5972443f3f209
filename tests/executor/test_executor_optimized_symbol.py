"""Executor.get_optimized_symbol: the bound graph as a new Symbol (neomx rewrites no graphs)."""
import numpy as np

import mxnet as mx


def test_get_optimized_symbol_is_an_equivalent_copy():
    x = mx.sym.var("x")
    y = mx.sym.Activation(mx.sym.FullyConnected(x, num_hidden=3, name="fc"), act_type="relu") + 1
    ex = y.simple_bind(mx.cpu(), x=(2, 5))
    s = ex.get_optimized_symbol()
    assert type(s) is mx.sym.Symbol and s is not y
    assert s.list_arguments() == ["x", "fc_weight", "fc_bias"]
    assert s.list_outputs() == y.list_outputs()
    assert s.tojson() == y.tojson()
    w = np.arange(15, dtype=np.float32).reshape(3, 5) / 10 - 0.7
    data = np.linspace(-1, 1, 10, dtype=np.float32).reshape(2, 5)
    out = s.bind(mx.cpu(), {"x": mx.nd.array(data), "fc_weight": mx.nd.array(w),
                            "fc_bias": mx.nd.zeros((3,))}).forward()[0]
    np.testing.assert_allclose(out.asnumpy(), np.maximum(data @ w.T, 0) + 1, rtol=1e-6)


def test_get_optimized_symbol_keeps_aux_states():
    y = mx.sym.BatchNorm(mx.sym.var("data"), name="bn")
    s = y.simple_bind(mx.cpu(), data=(2, 3)).get_optimized_symbol()
    assert s.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
