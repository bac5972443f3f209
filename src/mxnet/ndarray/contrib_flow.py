"""``mx.nd.contrib.foreach`` / ``while_loop`` / ``cond``: imperative control flow.

Plain Python loops over NDArray operations, so autograd records every step like any other op
(MXNet 1.9.1's ndarray/contrib.py semantics). The symbolic forms are in symbol/contrib_flow.py."""
from .ndarray import NDArray

__all__ = ["foreach", "while_loop", "cond"]


class _UsageError(ValueError, AssertionError):
    """A malformed argument or body result; MXNet asserts here, hence also an AssertionError."""


def _flatten_nested(args, inout_str, leaf, type_name):
    """(flat list, format for :func:`_regroup`) of nested lists whose leaves ``leaf(x)`` turns
    into (list, format) (None: not a leaf); shared by the NDArray and Symbol front ends."""
    flat = leaf(args)
    if flat is not None:
        return flat
    if not isinstance(args, (list, tuple)):
        raise _UsageError("%s must be (nested) list of %s, but got %s of type %s" % (
            inout_str, type_name, str(args), str(type(args))))
    flat, fmts = [], []
    for i in args:
        arg, fmt = _flatten_nested(i, inout_str, leaf, type_name)
        flat.extend(arg)
        fmts.append(fmt)
    return flat, fmts


def _nd_leaf(x):
    return ([x], 0) if isinstance(x, NDArray) else None


def _flatten(args, inout_str):
    return _flatten_nested(args, inout_str, _nd_leaf, "NDArray")


def _step_lists(result):
    """A while-loop body's result ``(step_output, new_loop_vars)`` with None as [] and tuples as
    lists."""
    step_output, new_loop_vars = result
    if step_output is None:
        step_output = []
    if new_loop_vars is None:
        new_loop_vars = []
    if isinstance(step_output, tuple):
        step_output = list(step_output)
    if isinstance(new_loop_vars, tuple):
        new_loop_vars = list(new_loop_vars)
    return step_output, new_loop_vars


def _check_max_iterations(max_iterations):
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    return _to_python_scalar(max_iterations, int, "max_iteration")


def _regroup(args, fmt):
    if isinstance(fmt, int):
        if fmt == 0:
            return args[0], args[1:]
        return args[:fmt], args[fmt:]
    ret = []
    for i in fmt:
        res, args = _regroup(args, i)
        ret.append(res)
    return ret, args


def _check_input(inputs, msg):
    if isinstance(inputs, list):
        ok = all(isinstance(i, NDArray) for i in inputs)
    else:
        ok = isinstance(inputs, NDArray)
    if not ok:
        raise _UsageError(msg)


def _to_python_scalar(inputs, type_, name):
    if hasattr(inputs, "asscalar"):
        inputs = inputs.asscalar()
    try:
        return type_(inputs)
    except (TypeError, ValueError):
        raise ValueError("Cannot convert %s to python %s" % (name, type_.__name__)) from None


def _stack(items):
    from . import op
    return op.stack(*items)


def foreach(body, data, init_states):
    """Run a for loop with user-defined computation over NDArrays on dimension 0.

    Equivalent to::

        states = init_states
        outs = []
        for i in range(data.shape[0]):
            out, states = body(data[i], states)
            outs.append(out)
        outs = stack(*outs)

    ``data`` is an NDArray or a list of NDArrays (then ``body`` gets a list of slices);
    ``out`` may be an NDArray or a nested list of NDArrays, stacked element-wise.

    Parameters
    ----------
    body : a Python function ``(data_slice, states) -> (outputs, new_states)``.
    data : an NDArray or a list of NDArrays.
    init_states : an NDArray or nested lists of NDArrays.

    Returns
    -------
    outputs : an NDArray or nested lists of NDArrays (the stacked per-step outputs).
    states : the states after the last step.
    """
    flat, _ = _flatten(data, "foreach input")
    _check_input(flat, "data should be an NDArray or a nested list of NDArrays")
    flat, _ = _flatten(init_states, "foreach states")
    _check_input(flat, "init_states should be an NDArray or a nested list of NDArrays")
    not_data_list = isinstance(data, NDArray)
    num_iters = data.shape[0] if not_data_list else data[0].shape[0]
    states = init_states
    outputs = []
    out_fmt = None
    for i in range(num_iters):
        eles = data[i] if not_data_list else [d[i] for d in data]
        outs, states = body(eles, states)
        outs, out_fmt = _flatten(outs, "foreach output")
        outputs.append(outs)
    stacked = [_stack(list(out)) for out in zip(*outputs)]
    if out_fmt is not None:
        stacked, _ = _regroup(stacked, out_fmt)
    return stacked, states


def while_loop(cond, func, loop_vars, max_iterations=None):
    """Run a while loop with user-defined computation and loop condition.

    ``cond(*loop_vars)`` returns a scalar NDArray; the loop runs while it is true (non-zero)
    and at most ``max_iterations`` times. ``func(*loop_vars)`` returns ``(step_output,
    new_loop_vars)``. Returns ``(outputs, final_loop_vars)``: each step output stacked on axis 0
    and padded to ``max_iterations`` rows (the padding rows are zeros here; MXNet leaves them
    undefined). When ``cond`` is false at once the outputs are an empty list.

    Parameters
    ----------
    cond : a Python function, the loop condition.
    func : a Python function, the loop body.
    loop_vars : an NDArray or nested lists of NDArrays.
    max_iterations : a python int.
    """
    from . import op
    from .utils import zeros

    def _func_wrapper(lv):
        step_output, new_loop_vars = _step_lists(func(*lv))
        if not isinstance(new_loop_vars, list):
            new_loop_vars = [new_loop_vars]
        if len(lv) != len(new_loop_vars):
            raise ValueError("The length of loop_vars should be consistent during the loop")
        return step_output, new_loop_vars

    max_iterations = _check_max_iterations(max_iterations)
    if len(loop_vars) == 0:
        raise ValueError("loop_vars should contain at least one element")
    steps = 0
    outputs = []
    out_fmt = None
    not_loop_var_list = isinstance(loop_vars, NDArray)
    loop_vars = [loop_vars] if not_loop_var_list else list(loop_vars)
    while steps < max_iterations and _to_python_scalar(cond(*loop_vars), bool, "Return value of cond"):
        step_output, loop_vars = _func_wrapper(loop_vars)
        step_output, out_fmt = _flatten(step_output, "while output")
        outputs.append(step_output)
        steps += 1
        if len(step_output) != len(outputs[0]):
            raise ValueError("Number of elements in step_output should be the same in each step")
    stacked = []
    for i_th, items in enumerate(zip(*outputs), 1):
        items = [x.expand_dims(0) for x in items]
        if steps != max_iterations and items:
            pad_shape = [max_iterations - steps] + list(items[0].shape[1:])
            items = list(items) + [zeros(pad_shape, ctx=items[0].context, dtype=items[0].dtype)]
        shapes = {tuple(x.shape[1:]) for x in items}
        if len(shapes) > 1:
            raise ValueError("\n".join(
                ["Shapes of %d-th elements in step_outputs are inconsistent, which are:" % i_th] +
                ["  Step %d, shape is %s" % (i, str(x.shape)) for i, x in enumerate(items)]))
        stacked.append(op.concat(*items, dim=0))
    if out_fmt is not None:
        stacked, _ = _regroup(stacked, out_fmt)
    if not_loop_var_list:
        loop_vars = loop_vars[0]
    return stacked, loop_vars


def cond(pred, then_func, else_func):
    """Run an if-then-else using user-defined condition and computation.

    ``pred`` is a scalar NDArray; returns ``then_func()`` if it is true (non-zero), else
    ``else_func()``.
    """
    branch = _to_python_scalar(pred, bool, "pred")
    if branch:
        return then_func()
    return else_func()


def _install(module):
    """Expose the functions in ``mx.nd.contrib``."""
    module.foreach = foreach
    module.while_loop = while_loop
    module.cond = cond
