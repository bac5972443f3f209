"""Registry meta-tests: every operator matches MXNet 1.9.1's published signature (names, order,
defaults), is documented, exported as mx.nd.<name> with a matching signature, and has a shape rule."""
import inspect
import json
import os

import pathlib
import re

import pytest

import mxnet as mx
from mxnet.ops import registry
from mxnet.ops.params import REQUIRED

SPEC_PATH = os.path.join(os.path.dirname(__file__), "..", "fixtures", "spec", "mxnet-1.9.1-api.json")
with open(SPEC_PATH) as f:
    SPEC = json.load(f)["operators"]
# The spec's _linspace entry repeats _arange's documented parameters; the real operator (checked
# with MXNet 1.9.1) rejects step= and takes these:
SPEC["_linspace"] = [["start", "double, required"], ["stop", "double, required"], ["num", "int, required"],
                     ["endpoint", "boolean, optional, default=1"], ["ctx", "string, optional, default=''"],
                     ["dtype", "{'float16', 'float32', 'float64', 'int32', 'int64', 'int8', 'uint8'}, "
                               "optional, default='float32'"]]

NAMES = registry.list_ops(canonical=False)


def _spec_default(text):
    d = text.split("default=", 1)[1].strip()
    if len(d) >= 2 and d[0] == d[-1] == "'":
        d = d[1:-1]
    return d


def _same(ours, theirs):
    if isinstance(ours, float) and isinstance(theirs, float):
        return abs(ours - theirs) <= 1e-6 * max(1.0, abs(ours))
    return ours == theirs


@pytest.mark.parametrize("name", [n for n in NAMES if n in SPEC])
def test_signature_matches_mxnet(name):
    op = registry.get_op(name)
    spec = SPEC[name]
    # inputs are typed "NDArray-or-Symbol", "Symbol or Symbol[]" (Crop) or "NDArray" (_copyto...)
    is_input = ("NDArray", "Symbol")
    spec_inputs = [a for a, t in spec if t.startswith(is_input)]
    spec_params = [(a, t) for a, t in spec if not t.startswith(is_input)]
    if op.key_var_num_args is None:
        assert op.all_input_names() == spec_inputs, "{}: inputs".format(name)
    theirs = [a for a, _ in spec_params]
    # MXNet's docs omit the arity parameter of some variadic ops (add_n's num_args)
    params = [p for p in op.params if p.name in theirs or p.name != op.key_var_num_args]
    ours = [p.name for p in params]
    assert ours == theirs, "{}: parameters {} vs MXNet {}".format(name, ours, theirs)
    for p, (_, t) in zip(params, spec_params):
        if "required" not in t and "default=" not in t:
            continue   # the spec states no default (smooth_l1's scalar): nothing to compare
        if "required" in t.split(",")[-1] and "default=" not in t:
            assert p.default is REQUIRED, "{}.{} should be required".format(name, p.name)
            continue
        assert p.default is not REQUIRED, "{}.{} should be optional".format(name, p.name)
        want = p.type.parse(_spec_default(t))
        assert _same(p.default, want), "{}.{}: default {!r} vs MXNet {!r}".format(name, p.name, p.default, want)


@pytest.mark.parametrize("name", registry.list_ops())
def test_documented_and_exported(name):
    op = registry.get_op(name)
    assert op.doc and len(op.doc) > 10, "{} has no summary".format(name)
    assert callable(op.forward) and callable(op.infer_shape) and callable(op.infer_type)
    if name.startswith("_"):
        return
    fn = getattr(mx.nd, name)
    params = inspect.signature(fn).parameters
    for p in op.params:
        assert p.name in params, "{}: mx.nd.{} lacks parameter {}".format(name, name, p.name)
    assert "out" in params and "name" in params
    assert p.name in fn.__doc__ if op.params else True


def test_names_not_in_mxnet_are_internal():
    extra = [n for n in NAMES if n not in SPEC and not n.startswith("_")]
    assert extra == [], "public operators unknown to MXNet 1.9.1: {}".format(extra)


# The operator families issue 2 asks for (MXNet names).
FOUNDATION = """abs sign exp log log2 log10 log1p expm1 sqrt rsqrt cbrt square reciprocal negative floor
ceil round rint trunc fix sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh degrees
radians relu sigmoid softsign erf gamma gammaln broadcast_add broadcast_sub broadcast_mul broadcast_div
broadcast_mod broadcast_power broadcast_maximum broadcast_minimum broadcast_hypot broadcast_equal
broadcast_not_equal broadcast_greater broadcast_greater_equal broadcast_lesser broadcast_lesser_equal
broadcast_logical_and broadcast_logical_or broadcast_logical_xor elemwise_add elemwise_sub elemwise_mul
elemwise_div _plus_scalar _minus_scalar _rminus_scalar _mul_scalar _div_scalar _rdiv_scalar _mod_scalar
_rmod_scalar _power_scalar _rpower_scalar clip where sum mean prod max min nansum nanprod norm argmax
argmin argmax_channel dot batch_dot transpose swapaxes flip tile repeat pad slice slice_axis slice_like
take pick one_hot gather_nd scatter_nd topk sort argsort Cast zeros_like ones_like split SliceChannel
squeeze diag shape_array size_array Reshape reshape Flatten expand_dims Concat concat stack
broadcast_to _random_uniform _random_normal _random_randint _shuffle _sample_multinomial""".split()


@pytest.mark.parametrize("name", FOUNDATION)
def test_foundation_op_registered(name):
    assert registry.find_op(name) is not None, "operator {} is missing".format(name)


def test_unknown_op_and_param_errors():
    with pytest.raises(mx.MXNetError, match="did you mean.*broadcast_add"):
        registry.get_op("broadcast_addd")
    with pytest.raises(mx.MXNetError, match=r"unknown parameter 'foo'.*scalar"):
        mx.nd._internal._plus_scalar(mx.nd.ones((1,)), foo=1)
    with pytest.raises(mx.MXNetError, match="required parameter 'a_min'"):
        mx.nd.clip(mx.nd.ones((1,)), a_max=1)


def test_param_names_do_not_shadow_attrs_methods():
    """Parsed parameters are attributes of an Attrs dict (its own __dict__): a parameter named
    like a dict method ('items', 'get', ...) would shadow the method kernels call."""
    clashes = sorted({(n, p.name) for n in NAMES for p in registry.get_op(n).params
                      if p.name in dir(registry.Attrs)})
    # MXNet names _cvcopyMakeBorder's fill colours 'values': its kernel reads attrs["values"],
    # and no generic code calls Attrs.values() (a check below keeps it that way)
    assert clashes == [("_cvcopyMakeBorder", "values")]
    src = pathlib.Path(registry.__file__).parent.parent
    assert not [f for f in src.rglob("*.py") if re.search(r"(attrs|parsed)\.values\(\)", f.read_text())]
    a = registry.get_op("FullyConnected").parse({"num_hidden": 3})
    assert a.num_hidden == 3 and a.get("num_hidden") == 3
    with pytest.raises(AttributeError):
        a.no_such_param
