"""BatchProcessor: how the Estimator processes one training or validation batch."""
from .... import autograd
from ...utils import split_and_load

__all__ = ["BatchProcessor"]


class BatchProcessor(object):
    """Default batch processor of :py:class:`Estimator`.

    Subclass it and override :py:meth:`fit_batch` / :py:meth:`evaluate_batch` for custom
    forward/backward logic, then pass an instance as ``Estimator(batch_processor=...)``.
    """

    def __init__(self):
        pass

    def _get_data_and_label(self, batch, ctx, batch_axis=0):
        data = split_and_load(batch[0], ctx_list=ctx, batch_axis=batch_axis)
        label = split_and_load(batch[1], ctx_list=ctx, batch_axis=batch_axis)
        return data, label

    def evaluate_batch(self, estimator, val_batch, batch_axis=0):
        """Forward one validation batch with ``estimator.val_net`` and ``estimator.val_loss``.

        Returns ``(data, label, pred, loss)``, each a list with one entry per context.
        """
        data, label = self._get_data_and_label(val_batch, estimator.context, batch_axis)
        pred = [estimator.val_net(x) for x in data]
        loss = [estimator.val_loss(p, y) for p, y in zip(pred, label)]
        return data, label, pred, loss

    def fit_batch(self, estimator, train_batch, batch_axis=0):
        """Forward and backward one training batch (the parameter update is done by
        :py:class:`GradientUpdateHandler`).

        Returns ``(data, label, pred, loss)``, each a list with one entry per context.
        """
        data, label = self._get_data_and_label(train_batch, estimator.context, batch_axis)
        with autograd.record():
            pred = [estimator.net(x) for x in data]
            loss = [estimator.loss(p, y) for p, y in zip(pred, label)]
        for l in loss:
            l.backward()
        return data, label, pred, loss
