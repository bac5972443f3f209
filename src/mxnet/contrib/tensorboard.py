"""TensorBoard logging of training metrics (needs the optional ``mxboard`` package, or
``tensorboardX`` / ``torch.utils.tensorboard`` as a fallback writer)."""
import logging

__all__ = ["LogMetricsCallback"]


def _summary_writer(logging_dir):
    try:
        from mxboard import SummaryWriter
    except ImportError:
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                logging.error("You can install mxboard via `pip install mxboard`.")
                raise ImportError("You can install mxboard via `pip install mxboard`.") from None
    return SummaryWriter(logging_dir)


class LogMetricsCallback(object):
    """Batch/eval-end callback writing each metric of ``param.eval_metric`` as a TensorBoard
    scalar (named ``prefix-name`` when ``prefix`` is given) at step ``param.epoch``.

    Raises ImportError at construction when no TensorBoard writer package is installed."""

    def __init__(self, logging_dir, prefix=None):
        self.prefix = prefix
        self.summary_writer = _summary_writer(logging_dir)

    def __call__(self, param):
        """Log the current metric values."""
        if param.eval_metric is None:
            return
        for name, value in param.eval_metric.get_name_value():
            if self.prefix is not None:
                name = "%s-%s" % (self.prefix, name)
            self.summary_writer.add_scalar(name, value, global_step=param.epoch)
