"""The checkpoints real MXNet 1.9.1 wrote (mlp, lenet, smallcnn) load with mx.model.load_checkpoint
and reproduce MXNet's inference outputs, training outputs, gradients and BatchNorm statistics."""
import json
import os

import numpy as np
import pytest

import mxnet as mx

DIR = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "models")
MODELS = ["mlp", "lenet", "smallcnn"]


def _meta(name):
    with open(os.path.join(DIR, name + "-meta.json")) as f:
        return json.load(f)


def _tol(meta):
    t = meta["tolerance"]["suggested"]
    return dict(rtol=t["rtol"], atol=t["atol"])


@pytest.mark.parametrize("name", MODELS)
def test_symbol_metadata(name):
    meta = _meta(name)
    sym, arg_params, aux_params = mx.model.load_checkpoint(os.path.join(DIR, name), meta["checkpoint_epoch"])
    assert sym.list_arguments() == meta["list_arguments"]
    assert sym.list_outputs() == meta["list_outputs"]
    assert sym.list_auxiliary_states() == meta["list_auxiliary_states"]
    assert sym.get_internals().list_outputs() == meta["internals_list_outputs"]
    arg_s, out_s, aux_s = sym.infer_shape(data=tuple(meta["data_shape"]))
    want = meta["infer_shape"]
    assert [tuple(s) for _, s in want["arg_shapes"]] == arg_s
    assert [tuple(s) for _, s in want["out_shapes"]] == out_s
    assert [tuple(s) for _, s in want["aux_shapes"]] == aux_s
    arg_t, out_t, aux_t = sym.infer_type(data="float32")
    assert [np.dtype(t) for _, t in meta["infer_type"]["arg_types"]] == [np.dtype(t) for t in arg_t]
    keys = ["arg:" + k for k in arg_params] + ["aux:" + k for k in aux_params]
    assert sorted(keys) == sorted(meta["params_keys_in_file_order"])


def _bind(sym, arg_params, aux_params, io, grad):
    args = {k: v.copy() for k, v in arg_params.items()}
    args["data"] = mx.nd.array(io["data"])
    args["softmax_label"] = mx.nd.array(io["softmax_label"])
    aux = {k: v.copy() for k, v in aux_params.items()}
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()} if grad else None
    return sym.bind(mx.cpu(), args, args_grad=grads, grad_req="write" if grad else "null", aux_states=aux)


@pytest.mark.parametrize("name", MODELS)
def test_inference_matches_mxnet(name):
    meta = _meta(name)
    sym, arg_params, aux_params = mx.model.load_checkpoint(os.path.join(DIR, name), meta["checkpoint_epoch"])
    io = np.load(os.path.join(DIR, meta["io_file"]))
    ex = _bind(sym, arg_params, aux_params, io, grad=False)
    out = ex.forward(is_train=False)[0].asnumpy()
    np.testing.assert_allclose(out, io["out_infer/softmax_output"], **_tol(meta))


@pytest.mark.parametrize("name", MODELS)
def test_training_gradients_match_mxnet(name):
    meta = _meta(name)
    prefix = os.path.join(DIR, name)
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, meta["checkpoint_epoch"])
    train_sym = mx.sym.load(os.path.join(DIR, meta["train_symbol_file"]))
    io = np.load(os.path.join(DIR, meta["io_file"]))
    ex = _bind(train_sym, arg_params, aux_params, io, grad=True)
    out = ex.forward(is_train=True)[0]
    ex.backward()
    tol = _tol(meta)
    np.testing.assert_allclose(out.asnumpy(), io["out_train/softmax_output"], **tol)
    for key in io.files:
        if key.startswith("grad/"):
            np.testing.assert_allclose(ex.grad_dict[key[5:]].asnumpy(), io[key], err_msg=key, **tol)
        elif key.startswith("aux_after_train/"):
            np.testing.assert_allclose(ex.aux_dict[key[16:]].asnumpy(), io[key], err_msg=key, **tol)


def test_checkpoint_roundtrip_is_byte_identical(tmp_path):
    sym, arg_params, aux_params = mx.model.load_checkpoint(os.path.join(DIR, "mlp"), 1)
    prefix = str(tmp_path / "mlp")
    mx.model.save_checkpoint(prefix, 1, sym, arg_params, aux_params)
    with open(os.path.join(DIR, "mlp-0001.params"), "rb") as f:
        original = f.read()
    with open(prefix + "-0001.params", "rb") as f:
        assert f.read() == original
    sym2, args2, _ = mx.model.load_checkpoint(prefix, 1)
    assert sym2.tojson() == sym.tojson()
    assert list(args2) == list(arg_params)


@pytest.mark.parametrize("name", MODELS)
def test_tojson_reproduces_mxnet_json(name):
    # Our writer emits the same graph MXNet wrote: nodes, attrs, inputs (with versions), heads.
    path = os.path.join(DIR, name + "-symbol.json")
    with open(path) as f:
        theirs = json.load(f)
    ours = json.loads(mx.sym.load(path).tojson())
    for key in ("nodes", "arg_nodes", "node_row_ptr", "heads"):
        assert ours[key] == theirs[key], key
    assert ours["attrs"]["mxnet_version"] == theirs["attrs"]["mxnet_version"]
