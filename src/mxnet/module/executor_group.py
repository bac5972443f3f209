"""Data parallelism: one executor per context, each given a slice of every batch."""
import numpy as np

from .. import ndarray as nd
from ..base import MXNetError, _MXNetAssertionError as _StateError

__all__ = ["DataParallelExecutorGroup", "split_input_slice"]


def split_input_slice(batch_size, work_load_list):
    """Slices of the batch axis proportional to ``work_load_list`` (rounded; the last device
    takes what rounding leaves); ValueError when a slice would be empty. MXNet's
    ``executor_manager._split_input_slice``."""
    total = sum(work_load_list)
    sizes = [round(w * batch_size / total) for w in work_load_list]
    short = batch_size - sum(sizes)
    if short > 0:
        sizes[-1] += short
    slices, end = [], 0
    for size in sizes:
        begin = int(min(end, batch_size))
        end = int(min(begin + size, batch_size))
        if begin >= end:
            raise ValueError("Too many slices. Some splits are empty.")
        slices.append(slice(begin, end))
    return slices


def _desc(shapes):
    """(name, shape) pairs from DataDesc objects or tuples."""
    out = []
    for d in shapes or []:
        if hasattr(d, "name") and hasattr(d, "shape"):
            out.append((d.name, tuple(d.shape), getattr(d, "dtype", np.float32)))
        else:
            out.append((d[0], tuple(d[1]), np.float32))
    return out


class DataParallelExecutorGroup:
    """Executors of one symbol over several contexts, sharing nothing but the symbol."""

    def __init__(self, symbol, contexts, workload, data_shapes, label_shapes, param_names,
                 for_training, inputs_need_grad, shared_group=None, fixed_param_names=None,
                 grad_req="write", state_names=None):
        self.symbol = symbol
        self.contexts = contexts
        self.workload = workload
        self.param_names = param_names
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.fixed_param_names = set(fixed_param_names or [])
        self.state_names = list(state_names or [])
        self.arg_names = symbol.list_arguments()
        self.aux_names = symbol.list_auxiliary_states()
        self.grad_req_spec = grad_req
        self.execs = []
        self.bind_exec(data_shapes, label_shapes, shared_group)

    def _grad_req(self, data_names):
        reqs = {}
        for name in self.arg_names:
            if not self.for_training:
                reqs[name] = "null"
            elif name in self.param_names:
                if name in self.fixed_param_names:
                    reqs[name] = "null"
                elif isinstance(self.grad_req_spec, dict):
                    reqs[name] = self.grad_req_spec.get(name, "write")
                else:
                    reqs[name] = self.grad_req_spec
            elif name in data_names:
                reqs[name] = "write" if self.inputs_need_grad else "null"
            else:
                reqs[name] = "null"
        return reqs

    def bind_exec(self, data_shapes, label_shapes, shared_group=None, reshape=False):
        self.data_shapes = _desc(data_shapes)
        self.label_shapes = _desc(label_shapes)
        self.data_names = [d[0] for d in self.data_shapes]
        self.label_names = [d[0] for d in self.label_shapes]
        self.batch_size = self.data_shapes[0][1][0]
        self.slices = split_input_slice(self.batch_size, self.workload)
        reqs = self._grad_req(self.data_names)
        old = self.execs
        self.execs = []
        for i, (ctx, sl) in enumerate(zip(self.contexts, self.slices)):
            n = sl.stop - sl.start
            shapes = {name: (n,) + shape[1:] for name, shape, _ in self.data_shapes + self.label_shapes}
            types = {name: dt for name, _, dt in self.data_shapes + self.label_shapes}
            shared = old[i] if (reshape and old) else (shared_group.execs[i] if shared_group is not None else None)
            ex = self.symbol.simple_bind(ctx, grad_req=reqs, type_dict=types, shared_exec=shared,
                                         shared_arg_names=self.param_names if shared is not None else None,
                                         **shapes)
            self.execs.append(ex)
        self.param_arrays = [[ex.arg_dict[n] for ex in self.execs] for n in self.param_names]
        self.grad_arrays = [[ex.grad_dict.get(n) for ex in self.execs] for n in self.param_names]
        self.aux_arrays = [[ex.aux_dict[n] for ex in self.execs] for n in self.aux_names]
        self.state_arrays = [[ex.arg_dict[n] for ex in self.execs] for n in self.state_names]
        self.data_arrays = [[(sl, ex.arg_dict[n]) for sl, ex in zip(self.slices, self.execs)] for n in self.data_names]
        self.label_arrays = [[(sl, ex.arg_dict[n]) for sl, ex in zip(self.slices, self.execs)]
                             for n in self.label_names if n in self.arg_names]
        self.input_grad_arrays = [[ex.grad_dict.get(n) for ex in self.execs] for n in self.data_names] \
            if self.inputs_need_grad else []

    def reshape(self, data_shapes, label_shapes):
        self.bind_exec(data_shapes, label_shapes, reshape=True)

    # -- parameters ------------------------------------------------------------------------------
    def set_params(self, arg_params, aux_params, allow_extra=False):
        for ex in self.execs:
            ex.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params, aux_params):
        """Average the devices' copies into ``arg_params``/``aux_params`` (host arrays)."""
        for name, block in zip(self.param_names, self.param_arrays):
            weight = block[0].copyto(arg_params[name].context) if len(block) == 1 else \
                nd.add_n(*[w.as_in_context(arg_params[name].context) for w in block]) / len(block)
            weight.astype(arg_params[name].dtype).copyto(arg_params[name])
        for name, block in zip(self.aux_names, self.aux_arrays):
            weight = block[0].copyto(aux_params[name].context) if len(block) == 1 else \
                nd.add_n(*[w.as_in_context(aux_params[name].context) for w in block]) / len(block)
            weight.astype(aux_params[name].dtype).copyto(aux_params[name])

    # -- running ---------------------------------------------------------------------------------
    def _load(self, targets, sources):
        for src, parts in zip(sources, targets):
            for sl, dst in parts:
                if isinstance(src, np.ndarray):
                    dst[:] = src[sl]
                else:
                    piece = src[sl.start:sl.stop] if not (sl.start == 0 and sl.stop == src.shape[0]) else src
                    if piece.shape != dst.shape:
                        raise MXNetError("batch shape {} does not match the bound shape {}".format(
                            piece.shape, dst.shape))
                    piece.copyto(dst)

    def forward(self, data_batch, is_train=None):
        if is_train is None:
            is_train = self.for_training
        self._load(self.data_arrays, data_batch.data)
        if self.label_arrays and data_batch.label:
            self._load(self.label_arrays, data_batch.label)
        for ex in self.execs:
            ex.forward(is_train=is_train)

    def backward(self, out_grads=None):
        if not self.for_training:
            raise _StateError("re-bind with for_training=True to run backward")
        for i, ex in enumerate(self.execs):
            grads = None
            if out_grads is not None:
                sl = self.slices[i]
                grads = [g[sl.start:sl.stop].as_in_context(ex._ctx) for g in out_grads]
            ex.backward(out_grads=grads)

    def get_outputs(self, merge_multi_context=True):
        outs = [[ex.outputs[i] for ex in self.execs] for i in range(len(self.execs[0].outputs))]
        if merge_multi_context:
            return [o[0] if len(o) == 1 else nd.concat(*[x.as_in_context(self.contexts[0]) for x in o], dim=0)
                    for o in outs]
        return outs

    def get_input_grads(self, merge_multi_context=True):
        if merge_multi_context:
            return [g[0] if len(g) == 1 else nd.concat(*[x.as_in_context(self.contexts[0]) for x in g], dim=0)
                    for g in self.input_grad_arrays]
        return self.input_grad_arrays

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        for i, (ex, sl) in enumerate(zip(self.execs, self.slices)):
            if pre_sliced:
                labels_slice = labels[i]
            else:
                labels_slice = [lb[sl.start:sl.stop] if len(self.execs) > 1 else lb for lb in labels]
            eval_metric.update_dict(dict(zip(self.label_names, labels_slice)),
                                    dict(zip(self.symbol.list_outputs(), ex.outputs)))

    def get_states(self, merge_multi_context=True):
        """Per state name, its array on every device."""
        assert not merge_multi_context, "merge_multi_context=True is not supported for get_states yet."
        return self.state_arrays

    def set_states(self, states=None, value=None):
        """Copy ``states`` (per state, one array per device) in, or fill every state with ``value``."""
        if states is not None:
            assert value is None, "Only one of states & value can be specified."
            for src, dst in zip(states, self.state_arrays):
                for one, d in zip([src] * len(dst) if isinstance(src, nd.NDArray) else src, dst):
                    one.copyto(d)
        else:
            assert value is not None, "At least one of states & value must be specified."
            for dst in self.state_arrays:
                for d in dst:
                    d[:] = value

    def install_monitor(self, mon):
        for ex in self.execs:
            mon.install(ex)
