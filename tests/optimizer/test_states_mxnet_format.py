"""``Updater.get_states`` writes MXNet 1.9.1's states pickle: checked opcode by opcode (only
MXNet's globals, no code run on loading), read back by neomx's restricted reader, the old neomx
container still read, and real MXNet's results of resuming from neomx's bytes (fixture)."""
import json
import os
import pickle
import pickletools

import numpy as np
import pytest

import mxnet as mx
from mxnet.optimizer import updater as upd_mod

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1",
                       "optimizer_states", "resume_in_mxnet.json")


def _make(case):
    if case == "sgd_mom":
        return mx.optimizer.SGD(momentum=0.9, learning_rate=0.1, wd=0.01), "float32"
    if case == "adam_sched":
        return mx.optimizer.Adam(learning_rate=0.1, param_idx2name={0: "fc_weight", 1: "fc_bias"},
                                 lr_scheduler=mx.lr_scheduler.FactorScheduler(2, 0.5, base_lr=0.1)
                                 ), "float32"
    assert case == "sgd_mp16"
    return mx.optimizer.SGD(momentum=0.9, learning_rate=0.1, multi_precision=True), "float16"


def _step(u, w, b, dt, n):
    for _ in range(n):
        u([0, 1], [mx.nd.array([.1, -.2], dtype=dt), mx.nd.array([.3], dtype=dt)], [w, b])


def _globals(blob):
    """(module, name) of every STACK_GLOBAL / GLOBAL, and the set of opcode names."""
    ops, strings, found = set(), [], []
    for op, arg, _ in pickletools.genops(blob):
        ops.add(op.name)
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            found.append((strings[-2], strings[-1]))
        elif op.name == "GLOBAL":
            found.append(tuple(arg.split(" ", 1)))
    return set(found), ops


def _trained(case, dump):
    opt, dt = _make(case)
    u = mx.optimizer.get_updater(opt)
    w, b = mx.nd.array([1., 2.], dtype=dt), mx.nd.array([.5], dtype=dt)
    _step(u, w, b, dt, 3)
    return u, w, b, dt, u.get_states(dump_optimizer=dump)


@pytest.mark.parametrize("case,dump", [("sgd_mom", False), ("sgd_mom", True),
                                       ("adam_sched", True), ("sgd_mp16", True)])
def test_mxnet_resumes_from_neomx_states(case, dump):
    """The fixture holds what real MXNet computed from these same bytes' contents."""
    fx = json.load(open(FIXTURE))["cases"]["%s_%s" % (case, "opt" if dump else "states")]
    u, w, b, dt, blob = _trained(case, dump)
    np.testing.assert_array_equal(w.asnumpy(), np.array(fx["w3"], dtype=dt))
    np.testing.assert_array_equal(b.asnumpy(), np.array(fx["b3"], dtype=dt))
    found, ops = _globals(blob)
    opt_globals = {("mxnet.optimizer.optimizer", type(u.optimizer).__name__)} if dump else set()
    sched = {("mxnet.lr_scheduler", "FactorScheduler")} if case == "adam_sched" else set()
    assert found == {("mxnet.ndarray.ndarray", "NDArray"), ("builtins", "bytearray")} \
        | opt_globals | sched
    assert blob[:2] == b"\x80\x04" and blob[-1:] == b"."
    assert ops <= {"PROTO", "STOP", "EMPTY_DICT", "EMPTY_TUPLE", "EMPTY_LIST", "MARK", "MEMOIZE",
                   "BINGET", "SHORT_BINUNICODE", "STACK_GLOBAL", "NONE", "TUPLE1", "TUPLE2",
                   "TUPLE3", "REDUCE", "SHORT_BINBYTES", "BINBYTES", "SETITEM", "SETITEMS",
                   "BUILD", "BININT1", "BINFLOAT", "NEWOBJ", "NEWTRUE", "NEWFALSE", "APPENDS"}
    # neomx resumes from the bytes to MXNet's numbers
    u2 = mx.optimizer.get_updater(type(u.optimizer)(learning_rate=123.) if dump else _make(case)[0])
    u2.set_states(blob)
    if dump:
        o = u2.optimizer
        assert type(o) is type(u.optimizer) and o.num_update == 3 and o.lr != 123.
        assert o._index_update_count is o._all_index_update_counts[0] and o.param_dict == {}
    w2, b2 = mx.nd.array(fx["w3"], dtype=dt), mx.nd.array(fx["b3"], dtype=dt)
    _step(u2, w2, b2, dt, 2)
    np.testing.assert_array_equal(w2.asnumpy(), np.array(fx["mxnet_w5"], dtype=dt))
    np.testing.assert_array_equal(b2.asnumpy(), np.array(fx["mxnet_b5"], dtype=dt))
    assert u2.optimizer.num_update == fx["mxnet_num_update"]


def test_ndarray_record_matches_mxnet_raw_bytes():
    """The NDArray state is ``{'handle': bytearray(MXNDArraySaveRawBytes record)}``."""
    blob = upd_mod.dumps_states({0: mx.nd.array([1., 2.])})
    raw = [arg for op, arg, _ in pickletools.genops(blob) if op.name == "SHORT_BINBYTES"]
    assert raw == [b"\xc9\xfa\x93\xf9\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00"
                   b"\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80?\x00\x00"
                   b"\x00@"]
    assert b"handle" in blob


def test_optimizer_state_keys_and_groupadagrad_module():
    u, _, _, _, blob = _trained("adam_sched", True)
    keys = [arg for op, arg, _ in pickletools.genops(blob) if op.name == "SHORT_BINUNICODE"]
    for k in ("rescale_grad", "lr_scheduler", "lr", "wd", "lr_mult", "wd_mult", "begin_num_update",
              "num_update", "_all_index_update_counts", "_index_update_count", "clip_gradient",
              "multi_precision", "aggregate_num", "idx2name", "sym_info", "allow_np_array",
              "beta1", "beta2", "epsilon", "lazy_update"):
        assert k in keys
    assert "param_dict" not in keys
    g = upd_mod.dumps_states(({}, mx.optimizer.GroupAdaGrad()))
    assert ("mxnet.optimizer.contrib", "GroupAdaGrad") in _globals(g)[0]


def test_old_neomx_container_still_read():
    u, w, b, dt, _ = _trained("adam_sched", True)
    old = upd_mod.dumps_states_legacy((u.states, u.optimizer))
    assert old.startswith(upd_mod.MAGIC)
    u2 = mx.optimizer.get_updater(mx.optimizer.SGD())
    u2.set_states(old)
    assert isinstance(u2.optimizer, mx.optimizer.Adam) and u2.optimizer.num_update == 3
    new = u2.get_states(dump_optimizer=True)
    assert new == u.get_states(dump_optimizer=True)


def test_reader_still_refuses_other_globals():
    blob = upd_mod.dumps_states({0: 1})
    evil = blob[:2] + b"\x8c\x02os\x8c\x06system\x93\x8c\x04true\x85R." 
    with pytest.raises(pickle.UnpicklingError):
        upd_mod.loads_states(evil)


def test_user_registered_optimizer_round_trip():
    @mx.optimizer.register
    class MyStatesOpt(mx.optimizer.SGD):
        pass
    try:
        opt = MyStatesOpt(learning_rate=0.3)
        blob = upd_mod.dumps_states(({}, opt))
        assert (MyStatesOpt.__module__, "MyStatesOpt") in _globals(blob)[0]
        _, back = upd_mod.loads_states(blob)
        assert type(back) is MyStatesOpt and back.lr == 0.3
    finally:
        mx.optimizer.Optimizer.opt_registry.pop("mystatesopt", None)


def test_unsupported_values():
    with pytest.raises(TypeError, match="unsupported"):
        upd_mod.dumps_states({0: object()})
    with pytest.raises(TypeError, match="unsupported"):
        upd_mod.dumps_states({0: {1, 2}})
