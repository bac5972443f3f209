"""mx.sym.random: the *_like functions are the ``_random_<dist>_like`` operators with MXNet's
signature and node names; multinomial returns log likelihoods by default. Expected values from
MXNet 1.9.1 runs."""
import inspect

import numpy as np

import mxnet as mx


def test_like_functions_signature_and_node():
    assert str(inspect.signature(mx.sym.random.normal_like)) == \
        "(data=None, loc=_Null, scale=_Null, name=None, attr=None, out=None, **kwargs)"
    assert list(inspect.signature(mx.sym.random.negative_binomial_like).parameters)[:3] == ["data", "k", "p"]
    x = mx.sym.var("x")
    with mx.name.NameManager():
        s = mx.sym.random.normal_like(x, loc=1, out=None)
    assert s.attr_dict() == {"normal_like0": {"loc": "1"}}
    s = mx.sym.random.normal_like(data=x, loc=1, scale=2, name="nl")
    assert s.attr_dict() == {"nl": {"loc": "1", "scale": "2"}} and s.list_arguments() == ["x"]
    out = s.bind(mx.cpu(), {"x": mx.nd.zeros((2, 3))}).forward()[0]
    assert out.shape == (2, 3)
    u = mx.sym.random.uniform_like(data=x, low=2, high=3)
    v = u.bind(mx.cpu(), {"x": mx.nd.zeros(100)}).forward()[0].asnumpy()
    assert v.min() >= 2 and v.max() < 3


def test_multinomial_returns_log_likelihood_by_default():
    with mx.name.NameManager():
        s = mx.sym.random.multinomial(mx.sym.var("p"))
    assert s.list_outputs() == ["_sample_multinomial0_output0", "_sample_multinomial0_output1"]
    assert s.attr_dict() == {"_sample_multinomial0": {"dtype": "int32", "get_prob": "True"}}
    idx, logp = s.bind(mx.cpu(), {"p": mx.nd.array([[0.0, 1.0]])}).forward()
    np.testing.assert_array_equal(idx.asnumpy(), [1])
    np.testing.assert_allclose(logp.asnumpy(), [0.0], atol=1e-6)
    one = mx.sym.random.multinomial(mx.sym.var("p"), get_prob=False)
    assert len(one.list_outputs()) == 1
