"""Symbol construction, naming, listing, attributes, composition and JSON."""
import json
import pickle

import numpy as np
import pytest

import mxnet as mx


@pytest.fixture(autouse=True)
def fresh_names():
    with mx.name.NameManager():
        yield


def test_seed_snippet_lists():
    a = mx.sym.Variable("A")
    b = mx.sym.Variable("B")
    c = (a + b) / 10
    d = c + 1
    assert d.list_arguments() == ["A", "B"]
    assert d.list_outputs() == ["_plusscalar0_output"]
    assert d.get_internals().list_outputs() == ["A", "B", "_plus0_output", "_divscalar0_output",
                                                 "_plusscalar0_output"]
    assert d.infer_shape(A=(10,), B=(10,)) == ([(10,), (10,)], [(10,)], [])


def test_auto_names_and_arithmetic_hints():
    a = mx.sym.Variable("a")
    b = mx.sym.Variable("b")
    assert (a * 2).name == "_mulscalar0"
    assert (2 - a).name == "_rminusscalar0"
    assert (a > b).name == "_greater0"
    assert (a ** 2).name == "_powerscalar0"
    assert (-a).name == "_mulscalar1"
    assert mx.sym.exp(a).name == "exp0"
    assert mx.sym.exp(a).name == "exp1"
    assert mx.sym.exp(a, name="e").name == "e"


def test_missing_inputs_become_variables():
    x = mx.sym.Variable("data")
    fc = mx.sym.broadcast_add(x, name="add")
    assert fc.list_arguments() == ["data", "add_rhs"]
    s = mx.sym.exp(name="s")
    assert s.list_arguments() == ["s_data"]


def test_prefix_and_attrscope():
    with mx.name.Prefix("net_"):
        e = mx.sym.exp(mx.sym.Variable("x"))
    assert e.name == "net_exp0"
    with mx.AttrScope(ctx_group="dev1", foo="bar"):
        v = mx.sym.Variable("v")
        w = mx.sym.exp(v, attr={"foo": "baz"})
    assert v.attr("ctx_group") == "dev1"
    assert w.attr("foo") == "baz"
    with pytest.raises(ValueError):
        mx.AttrScope(x=1)


def test_variable_attributes():
    v = mx.sym.Variable("w", shape=(2, 3), lr_mult=2, wd_mult=0.5, dtype="float64", init="zeros",
                        attr={"mood": "happy"})
    assert v.attr("__shape__") == "(2, 3)"
    assert v.attr("lr_mult") == "2" and v.attr("__wd_mult__") == "0.5"
    assert v.attr("__dtype__") == "1"
    assert v.attr("mood") == "happy"
    assert v.attr_dict()["w"]["__init__"] == "zeros"
    v._set_attr(extra="1")
    assert v.list_attr()["extra"] == "1"
    with pytest.raises(ValueError):
        mx.sym.Variable("x", badkey=1)
    with pytest.raises(TypeError):
        mx.sym.Variable(3)


def test_group_indexing_internals_children():
    a = mx.sym.Variable("a")
    b = mx.sym.Variable("b")
    s = mx.sym.broadcast_add(a, b, name="s")
    e = mx.sym.exp(s, name="e")
    g = mx.sym.Group([s, e])
    assert g.list_outputs() == ["s_output", "e_output"] and len(g) == 2
    assert g[1].list_outputs() == ["e_output"]
    assert g["s_output"].name == "s"
    assert [x.name for x in g] == ["s", "e"]
    internals = e.get_internals()
    assert internals.list_outputs() == ["a", "b", "s_output", "e_output"]
    assert internals["s_output"].list_arguments() == ["a", "b"]
    assert e.get_children().list_outputs() == ["s_output"]
    assert a.get_children() is None
    with pytest.raises(IndexError):
        g[2]
    with pytest.raises(ValueError):
        g["nope"]


def test_compose():
    x = mx.sym.Variable("x")
    net = mx.sym.exp(x, name="e")
    y = mx.sym.Variable("y")
    z = mx.sym.log(y, name="l")
    c = net(x=z)
    assert c.list_arguments() == ["y"]
    assert c.get_internals().list_outputs() == ["y", "l_output", "e_output"]
    assert net.list_arguments() == ["x"]      # the original graph is unchanged
    c2 = net(z)
    assert c2.list_arguments() == ["y"]


def test_infer_shape_fills_and_reports():
    x = mx.sym.Variable("x")
    y = mx.sym.Variable("y")
    s = x + y
    assert s.infer_shape(x=(2, 3)) == ([(2, 3), (2, 3)], [(2, 3)], [])
    with pytest.warns(UserWarning):
        assert mx.sym.broadcast_add(x, y).infer_shape(x=(2, 3)) == (None, None, None)
    assert mx.sym.broadcast_add(x, y).infer_shape_partial(x=(2, 3)) == ([(2, 3), ()], [()], [])
    with pytest.raises(mx.MXNetError, match=r"_plus\d.*\(2, 3\).*\(3, 3\)|_plus\d.*\(3, 3\).*\(2, 3\)"):
        s.infer_shape(x=(2, 3), y=(3, 3))
    with pytest.raises(mx.MXNetError, match="not an input"):
        s.infer_shape(z=(1,))
    v = mx.sym.Variable("v", shape=(4, 5))
    assert mx.sym.exp(v).infer_shape() == ([(4, 5)], [(4, 5)], [])


def test_infer_type():
    x = mx.sym.Variable("x")
    y = mx.sym.Variable("y")
    s = mx.sym.broadcast_add(x, y)
    assert s.infer_type(x="float64") == ([np.float64, np.float64], [np.float64], [])
    c = mx.sym.Cast(x, dtype="int32")
    assert c.infer_type(x=np.float32)[1] == [np.int32]
    with pytest.warns(UserWarning):
        assert s.infer_type() == (None, None, None)


def test_json_roundtrip_and_format():
    a = mx.sym.Variable("A", shape=(3,), lr_mult=2)
    b = mx.sym.Variable("B")
    d = mx.sym.clip((a + b) / 10, a_min=0, a_max=1, name="c")
    js = json.loads(d.tojson())
    assert [n["op"] for n in js["nodes"]] == ["null", "null", "elemwise_add", "_div_scalar", "clip"]
    assert js["nodes"][3]["attrs"] == {"scalar": "10"}
    assert js["nodes"][4]["attrs"] == {"a_max": "1", "a_min": "0"}
    assert js["arg_nodes"] == [0, 1] and js["heads"] == [[4, 0, 0]]
    assert js["node_row_ptr"] == [0, 1, 2, 3, 4, 5]
    assert js["attrs"]["mxnet_version"] == ["int", 10901]
    e = mx.sym.load_json(d.tojson())
    assert e.list_arguments() == ["A", "B"] and e.list_outputs() == ["c_output"]
    assert e.tojson() == d.tojson()
    assert e.attr_dict()["A"]["__lr_mult__"] == "2"
    p = pickle.loads(pickle.dumps(d))
    assert p.tojson() == d.tojson()


def test_save_load_file(tmp_path):
    x = mx.sym.Variable("x")
    s = mx.sym.exp(x, name="e")
    f = tmp_path / "net-symbol.json"
    s.save(str(f))
    assert mx.sym.load(str(f)).list_outputs() == ["e_output"]
    with pytest.raises(mx.MXNetError):
        mx.sym.load(str(tmp_path / "missing.json"))


def test_legacy_json_param_key_and_two_element_inputs():
    legacy = {"nodes": [{"op": "null", "name": "x", "inputs": []},
                        {"op": "_plus_scalar", "name": "p", "param": {"scalar": "2"}, "inputs": [[0, 0]]}],
              "arg_nodes": [0], "heads": [[1, 0]]}
    s = mx.sym.load_json(json.dumps(legacy))
    out = s.eval(x=mx.nd.ones((2,)))[0]
    np.testing.assert_array_equal(out.asnumpy(), [3, 3])


@pytest.mark.parametrize("bad", ["not json", "{}", json.dumps({"nodes": [{"op": "nope", "name": "n", "inputs": []}], "heads": []}),
                                 json.dumps({"nodes": [{"op": "exp", "name": "n", "inputs": [[5, 0, 0]]}], "heads": [[0, 0, 0]]})])
def test_bad_json_raises(bad):
    with pytest.raises(mx.MXNetError):
        mx.sym.load_json(bad)


def test_bad_params_raise_at_creation():
    with pytest.raises(mx.MXNetError, match="clip"):
        mx.sym.clip(mx.sym.Variable("x"), a_min=0)
    with pytest.raises(mx.MXNetError, match="unknown parameter 'foo'"):
        mx.sym.softmax(mx.sym.Variable("x"), foo=1)
    # MXNet 1.9.1: an operator without parameters keeps other keywords as attributes (written to
    # JSON, listed by list_attr) and ignores them when it runs
    s = mx.sym.exp(mx.sym.Variable("x"), foo=1)
    assert s.list_attr() == {"foo": "1"}
    assert json.loads(s.tojson())["nodes"][1]["attrs"] == {"foo": "1"}
    np.testing.assert_allclose(s.eval(x=mx.nd.array([0.0, 1.0]))[0].asnumpy(), np.exp([0.0, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(mx.nd.exp(mx.nd.array([1.0]), foo=1).asnumpy(), np.exp([1.0]), rtol=1e-6)


def test_sym_helpers():
    x = mx.sym.Variable("x")
    out = mx.sym.maximum(x, 2).eval(x=mx.nd.array([1, 3]))[0]
    np.testing.assert_array_equal(out.asnumpy(), [2, 3])
    out = mx.sym.pow(2, x).eval(x=mx.nd.array([1, 3]))[0]
    np.testing.assert_array_equal(out.asnumpy(), [2, 8])
    z = mx.sym.zeros((2, 2)).eval()[0]
    np.testing.assert_array_equal(z.asnumpy(), np.zeros((2, 2)))


def test_handwritten_top_level_functions():
    # mx.sym.linspace / eye / histogram / split_v2 wrap the _internal ops as MXNet's do
    np.testing.assert_allclose(mx.sym.linspace(0, 1, 5, endpoint=False).eval()[0].asnumpy(),
                               np.linspace(0, 1, 5, endpoint=False))
    np.testing.assert_array_equal(mx.sym.eye(3, 4, k=1).eval()[0].asnumpy(), np.eye(3, 4, k=1))
    a = mx.sym.Variable("a")
    x = np.array([0.1, 0.2, 0.6, 0.9, 0.95], np.float32)
    counts, edges = mx.sym.histogram(a, bins=2, range=(0, 1)).eval(a=mx.nd.array(x))
    np.testing.assert_array_equal(counts.asnumpy(), [2, 3])
    np.testing.assert_allclose(edges.asnumpy(), [0, 0.5, 1])
    parts = mx.sym.split_v2(a, (2,)).eval(a=mx.nd.array(x))
    np.testing.assert_array_equal(parts[1].asnumpy(), x[2:])
    with pytest.raises(ValueError):
        mx.sym.histogram(a, bins=2)


def test_group_create_fn_and_variable_attributes():
    class Sub(mx.sym.Symbol):
        pass
    x = mx.sym.var("x")
    g = mx.sym.Group([x, x * 2], create_fn=Sub)                  # MXNet 1.9.1: a Sub, 2 outputs
    assert type(g) is Sub and len(g.list_outputs()) == 2
    assert type(mx.sym.Group([x])) is mx.sym.Symbol
    with pytest.raises(ValueError, match="Attribute name=profiler_scope is not supported"):
        mx.sym.var("a", profiler_scope="s:")                      # MXNet 1.9.1 has no such parameter


def test_compose_with_an_unknown_keyword_raises_as_mxnet():
    """MXNet 1.9.1: 'Keyword argument name foo not found' with the candidate variables; a
    known variable name substitutes as before."""
    x = mx.sym.var("x")
    fc = mx.sym.FullyConnected(x, num_hidden=2, name="fc")
    with pytest.raises(mx.MXNetError, match=r"keyword argument name data not found.*\[0\]x \[1\]fc_weight \[2\]fc_bias"):
        fc(data=mx.sym.var("y"))
    with pytest.raises(mx.MXNetError, match="foo not found"):
        (x * 2)(foo=mx.sym.var("y"))
    assert fc(fc_weight=mx.sym.var("w")).list_arguments() == ["x", "w", "fc_bias"]
    assert (x * 2)(x=mx.sym.var("y")).list_arguments() == ["y"]


def test_hidden_attributes_are_stored_and_listed_as_mxnet():
    """MXNet keeps ctx_group, lr_mult, wd_mult, force_mirroring, mirror_stage and profiler_scope
    as ``__key__`` (its JSON and operator parser need that form), answers attr() in both forms
    and lists both; an attribute given to a layer reaches its auto-created weight and bias."""
    import json
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=2, name="f", attr={"lr_mult": "3", "ctx_group": "g"})
    fc._set_attr(mirror_stage="True")
    with mx.AttrScope(ctx_group="dev1"):
        v = mx.sym.var("v")
    assert fc.attr("lr_mult") == fc.attr("__lr_mult__") == "3"
    listed = fc.list_attr()
    assert listed["__ctx_group__"] == listed["ctx_group"] == "g" and listed["__mirror_stage__"] == "True"
    assert v.list_attr() == {"__ctx_group__": "dev1", "ctx_group": "dev1"}
    weights = fc.attr_dict()
    for var in ("f_weight", "f_bias"):
        assert weights[var]["__lr_mult__"] == "3" and weights[var]["__ctx_group__"] == "g"
    nodes = {n["name"]: n.get("attrs", {}) for n in json.loads(fc.tojson())["nodes"]}
    assert set(nodes["f"]) == {"__ctx_group__", "__lr_mult__", "__mirror_stage__", "num_hidden"}
    back = mx.sym.load_json(fc.tojson())
    assert back.list_attr() == listed and back.attr_dict() == weights


def test_lr_mult_given_to_a_layer_freezes_its_weights_in_module_training():
    data = mx.sym.var("data")
    frozen = mx.sym.FullyConnected(data, num_hidden=3, name="frozen", attr={"lr_mult": "0"})
    out = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(frozen, num_hidden=2, name="top"), name="sm")
    mod = mx.mod.Module(out, label_names=["sm_label"])
    batch = mx.io.DataBatch([mx.nd.array(np.random.RandomState(0).rand(4, 5))], [mx.nd.array([0, 1, 0, 1])])
    mod.bind([("data", (4, 5))], [("sm_label", (4,))])
    mod.init_params(mx.init.Uniform(0.5))
    mod.init_optimizer(optimizer_params={"learning_rate": 0.5})
    before = {k: v.asnumpy().copy() for k, v in mod.get_params()[0].items()}
    mod.forward_backward(batch)
    mod.update()
    after = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    np.testing.assert_array_equal(after["frozen_weight"], before["frozen_weight"])
    np.testing.assert_array_equal(after["frozen_bias"], before["frozen_bias"])
    assert not np.array_equal(after["top_weight"], before["top_weight"])


@pytest.mark.parametrize("build,given,want", [
    (lambda d: mx.sym.Embedding(d, input_dim=10, output_dim=4, name="e"), {"data": "int32"},
     ({"data": np.int32, "e_weight": np.float32}, [np.float32], [])),
    (lambda d: mx.sym.Embedding(d, input_dim=10, output_dim=4, dtype="float16", name="e"), {"data": "int32"},
     ({"data": np.int32, "e_weight": np.float16}, [np.float16], [])),
    (lambda d: mx.sym.BatchNorm(d, name="bn"), {"data": "float16"},
     ({"data": np.float16, "bn_gamma": np.float32, "bn_beta": np.float32}, [np.float16], [np.float32, np.float32])),
    (lambda d: mx.sym.where(mx.sym.var("c"), d, mx.sym.var("y")), {"data": "float32", "c": "int32"},
     ({"c": np.int32, "data": np.float32, "y": np.float32}, [np.float32], [])),
], ids=["Embedding int32 indices", "Embedding dtype", "BatchNorm float16", "where int condition"])
def test_infer_type_gives_inputs_the_types_mxnet_gives(build, given, want):
    """Values from the oracle: an input an operator types itself does not take its neighbour's."""
    s = build(mx.sym.var("data"))
    args, outs, aux = s.infer_type(**given)
    assert dict(zip(s.list_arguments(), args)) == want[0] and outs == want[1] and aux == want[2]


def test_debug_str_is_mxnets_text():
    # MXNet 1.9.1's debug_str of this graph, verbatim
    d = mx.sym.var("data", shape=(2, 3))
    with mx.AttrScope(ctx_group="g"):
        fc = mx.sym.FullyConnected(d, num_hidden=4, no_bias=True, name="fc")
    y = fc * 2 + d.sum()
    assert y.debug_str() == (
        "Symbol Outputs:\n\toutput[0]=_plus0(0)\nVariable:data\nVariable:fc_weight\n--------------------\n"
        "Op:FullyConnected, Name=fc\nInputs:\n\targ[0]=data(0) version=0\n\targ[1]=fc_weight(0) version=0\n"
        "Attrs:\n\t__ctx_group__=g\n\tno_bias=True\n\tnum_hidden=4\n--------------------\n"
        "Op:_mul_scalar, Name=_mulscalar0\nInputs:\n\targ[0]=fc(0)\nAttrs:\n\tscalar=2\n--------------------\n"
        "Op:sum, Name=sum0\nInputs:\n\targ[0]=data(0) version=0\n--------------------\n"
        "Op:elemwise_add, Name=_plus0\nInputs:\n\targ[0]=_mulscalar0(0)\n\targ[1]=sum0(0)\n")


def test_partly_given_shape_takes_the_variables_declared_dimensions():
    d = mx.sym.var("data", shape=(2, 3))
    out = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(d, num_hidden=4, name="fc"), name="sm")
    # MXNet 1.9.1: ([(2, 3), (4, 3), (4,), (2,)], [(2, 4)], [])
    assert out.infer_shape_partial(data=(0, 3)) == ([(2, 3), (4, 3), (4,), (2,)], [(2, 4)], [])
