"""mx.contrib.onnx import of hand-built ONNX graphs (patterns other exporters write, other
opsets), checked against onnx's reference evaluator."""
import numpy as np
import pytest

import mxnet as mx

onnx = pytest.importorskip("onnx", reason="the optional 'onnx' package is not installed "
                           "(pip install onnx, or the neomx[onnx] extra)")
from onnx import helper, numpy_helper, TensorProto  # noqa: E402
from mxnet.contrib.onnx import import_model_, import_to_gluon_  # noqa: E402

RNG = np.random.RandomState(3)


def _w(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


def _i64(*v):
    return np.array(v, dtype=np.int64)


def _model(nodes, x_shape, inits, opset=13, out="y"):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


N = helper.make_node
CASES = [
    ("matmul_add", [N("MatMul", ["x", "w"], ["h"]), N("Add", ["h", "b"], ["y"])], (2, 3, 4),
     {"w": _w(4, 5), "b": _w(5)}, 13),
    ("gemm_transb0_alpha", [N("Gemm", ["x", "w", "c"], ["y"], alpha=0.5, beta=2.0)], (3, 4),
     {"w": _w(4, 5), "c": _w(1, 5)}, 13),
    ("gemm_no_c", [N("Gemm", ["x", "w"], ["y"], transB=1)], (3, 4), {"w": _w(5, 4)}, 13),
    ("logsoftmax_opset11_last", [N("LogSoftmax", ["x"], ["y"], axis=-1)], (2, 3, 4), {}, 11),
    ("unsqueeze_attr_squeeze", [N("Unsqueeze", ["x"], ["u"], axes=[0, 3]),
                                N("Squeeze", ["u"], ["y"], axes=[0])], (2, 3, 4), {}, 11),
    ("conv_asym_pads", [N("Conv", ["x", "w"], ["y"], pads=[0, 1, 1, 2])], (1, 2, 6, 6),
     {"w": _w(3, 2, 3, 3)}, 13),
    ("conv_same_upper", [N("Conv", ["x", "w", "b"], ["y"], auto_pad="SAME_UPPER",
                           strides=[2, 2])], (1, 2, 7, 7), {"w": _w(3, 2, 3, 3), "b": _w(3)}, 13),
    ("pytorch_flatten", [N("Shape", ["x"], ["s"]),
                         N("Constant", [], ["zero"],
                           value=numpy_helper.from_array(np.array(0, np.int64))),
                         N("Gather", ["s", "zero"], ["n"], axis=0),
                         N("Unsqueeze", ["n", "ax"], ["n1"]),
                         N("Concat", ["n1", "minus1"], ["shape"], axis=0),
                         N("Reshape", ["x", "shape"], ["y"])], (2, 3, 4),
     {"ax": _i64(0), "minus1": _i64(-1)}, 13),
    ("clip_opset6", [N("Clip", ["x"], ["y"], min=-0.2, max=0.3)], (3, 4), {}, 6),
    ("clip_inputs", [N("Clip", ["x", "lo", ""], ["y"])], (3, 4), {"lo": np.float32(-0.1)}, 13),
    ("sum_mean_ops", [N("Sum", ["x", "x", "c"], ["s"]), N("ReduceMean", ["s"], ["y"],
                                                           axes=[1], keepdims=0)],
     (2, 3), {"c": _w(3)}, 13),
    ("pad_reflect", [N("Pad", ["x", "p"], ["y"], mode="reflect")], (1, 2, 4, 4),
     {"p": _i64(0, 0, 1, 2, 0, 0, 1, 2)}, 13),
    ("const_sub_div", [N("Sub", ["k", "x"], ["a"]), N("Div", ["a", "two"], ["y"])], (2, 3),
     {"k": _w(2, 3), "two": np.float32(2)}, 13),
    ("prelu_cm", [N("PRelu", ["x", "s"], ["y"])], (2, 3, 4, 4), {"s": _w(3, 1, 1)}, 13),
    ("hard_flatten_axis2", [N("Flatten", ["x"], ["y"], axis=2)], (2, 3, 4, 5), {}, 13),
    ("transpose_matmul", [N("Transpose", ["x"], ["t"], perm=[1, 0]),
                          N("MatMul", ["t", "w"], ["y"])], (3, 2), {"w": _w(3, 4)}, 13),
    ("avgpool_ceil", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                        ceil_mode=1)], (1, 1, 8, 8), {}, 13),
]


@pytest.mark.parametrize("name,nodes,shape,inits,opset", CASES, ids=[c[0] for c in CASES])
def test_import_matches_reference(name, nodes, shape, inits, opset):
    from onnx.reference import ReferenceEvaluator
    model = _model(nodes, shape, inits, opset)
    x = RNG.uniform(-1, 1, shape).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    sym, arg, aux = import_model_(model)
    args = dict(arg, x=mx.nd.array(x))
    got = sym.bind(mx.cpu(), args, aux_states=aux, grad_req="null").forward()[0].asnumpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_softmax_before_opset13_coerces_to_2d():
    """Opsets < 13: Softmax(axis=1) on (2, 3, 4) is a softmax over the 12 values of each row
    (the onnx reference evaluator implements the opset-13 semantics for every opset)."""
    model = _model([N("Softmax", ["x"], ["y"], axis=1)], (2, 3, 4), {}, opset=11)
    x = RNG.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    flat = np.exp(x.reshape(2, 12))
    want = (flat / flat.sum(1, keepdims=True)).reshape(2, 3, 4)
    sym, arg, aux = import_model_(model)
    got = sym.bind(mx.cpu(), {"x": mx.nd.array(x)}, grad_req="null").forward()[0].asnumpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_maxpool_asymmetric_pads():
    """pads = [h_begin, w_begin, h_end, w_end] (numpy reference: the onnx reference evaluator
    of this version reads asymmetric pooling pads in another order)."""
    model = _model([N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], pads=[0, 1, 1, 0])],
                   (1, 2, 5, 5), {})
    x = RNG.uniform(-1, 1, (1, 2, 5, 5)).astype(np.float32)
    p = np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 0)), constant_values=-np.inf)
    want = np.max([p[:, :, i:i + 5, j:j + 5] for i in range(2) for j in range(2)], axis=0)
    sym, arg, aux = import_model_(model)
    got = sym.bind(mx.cpu(), {"x": mx.nd.array(x)}, grad_req="null").forward()[0].asnumpy()
    np.testing.assert_allclose(got, want)


def test_embedding_gather_and_cast():
    from onnx.reference import ReferenceEvaluator
    table = _w(6, 3)
    nodes = [N("Cast", ["x"], ["i"], to=TensorProto.INT64), N("Gather", ["t", "i"], ["y"])]
    model = _model(nodes, (2, 4), {"t": table})
    x = np.array([[0, 5, 2, 1], [3, 3, 4, 0]], np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    net = import_to_gluon_(model, mx.cpu())
    np.testing.assert_allclose(net(mx.nd.array(x)).asnumpy(), want, rtol=1e-6)


def test_shape_of_dynamic_input_is_an_error():
    nodes = [N("Shape", ["x"], ["s"]), N("Reshape", ["x", "s"], ["y"])]
    model = _model(nodes, (None, 3), {})
    with pytest.raises(mx.MXNetError, match="static input shapes"):
        import_model_(model)
