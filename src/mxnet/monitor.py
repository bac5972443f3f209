"""mx.monitor: collect statistics of the arrays an executor computes, every ``interval`` batches.

    mon = mx.mon.Monitor(10, pattern=".*weight|.*output")
    mod.install_monitor(mon)         # or mon.install(executor)
    mon.tic(); mod.forward_backward(batch); mod.update(); mon.toc_print()

The default statistic is MXNet's: ``norm(x) / sqrt(x.size)``. ``toc()`` returns
``[(step, name, "v\\t"), ...]`` for every operator output seen during the forward pass (through
``Executor.set_monitor_callback``) followed by the arguments and auxiliary states.
"""
import logging
import re
from math import sqrt

from . import ndarray
from .ndarray import NDArray

__all__ = ["Monitor"]


class Monitor:
    """Monitor the outputs, weights and gradients of executors.

    Parameters
    ----------
    interval : int
        Collect statistics every ``interval`` calls of ``tic()``.
    stat_func : callable, optional
        NDArray -> NDArray (or list of NDArrays); default ``norm(x) / sqrt(x.size)``.
    pattern : str
        Only names matching this regular expression (``re.match``) are collected.
    sort : bool
        Sort the results of ``toc()`` by name.
    monitor_all : bool
        Ask the executors to report operator inputs too.
    """

    def __init__(self, interval, stat_func=None, pattern=".*", sort=False, monitor_all=False):
        if stat_func is None:
            def asum_stat(x):
                """returns |x|/size(x), async execution."""
                return ndarray.norm(x) / sqrt(x.size)
            stat_func = asum_stat
        self.stat_func = stat_func
        self.interval = interval
        self.activated = False
        self.queue = []
        self.step = 0
        self.exes = []
        self.re_prog = re.compile(pattern)
        self.sort = sort
        self.monitor_all = monitor_all

        def stat_helper(name, array):
            """The executor callback: record the statistic of one named array (the executor
            passes names as bytes, as MXNet's C callback does)."""
            if isinstance(name, bytes):
                name = name.decode("utf-8")
            if not self.activated or not self.re_prog.match(name):
                return
            self.queue.append((self.step, name, self.stat_func(array)))
        self.stat_helper = stat_helper

    def install(self, exe):
        """Attach to an executor (``Executor.set_monitor_callback``)."""
        exe.set_monitor_callback(self.stat_helper, self.monitor_all)
        self.exes.append(exe)

    def _wait_params(self):
        for exe in self.exes:
            for array in exe.arg_arrays:
                array.wait_to_read()
            for array in exe.aux_arrays:
                array.wait_to_read()

    def tic(self):
        """Start collecting for this batch (when ``step`` is a multiple of ``interval``)."""
        if self.step % self.interval == 0:
            self._wait_params()
            self.queue = []
            self.activated = True
        self.step += 1

    def toc(self):
        """Finish the batch: ``[(step, name, stat_string), ...]`` ([] when not collecting)."""
        if not self.activated:
            return []
        self._wait_params()
        for exe in self.exes:
            sym = exe._symbol
            for name, array in zip(sym.list_arguments(), exe.arg_arrays):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
            for name, array in zip(sym.list_auxiliary_states(), exe.aux_arrays):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
        self.activated = False
        queue, self.queue = self.queue, []
        if self.sort:
            queue.sort(key=lambda x: x[1])
        res = []
        for step, name, values in queue:
            if isinstance(values, NDArray):
                values = [values]
            if not isinstance(values, list):
                raise TypeError("Monitor: stat_func must return an NDArray or a list of NDArrays, got {}"
                                .format(type(values).__name__))
            text = ""
            for v in values:
                if not isinstance(v, NDArray):
                    raise TypeError("Monitor: stat_func must return NDArrays, got {}".format(type(v).__name__))
                if v.shape == (1,):
                    text += str(v.asscalar()) + "\t"
                else:
                    text += str(v.asnumpy()) + "\t"
            res.append((step, name, text))
        return res

    def toc_print(self):
        """``toc()`` and log each entry: ``Batch: <step> <name> <stat>``."""
        for step, name, text in self.toc():
            logging.info("Batch: {:7d} {:30s} {:s}".format(step, name, text))
