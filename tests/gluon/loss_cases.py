"""The table of gluon.loss cases shared by tests/gluon/test_loss.py and the fixture maker
tests/fixtures/gluon/make_losses.py (which also runs under real MXNet 1.9.1: only ``loss`` and NumPy
are used here).

Row: name -> (factory(loss_module) -> block, inputs, hybridizable). An input is
(shape, kind, differentiable); kinds: normal, pos (0.1..0.9), prob (rows sum to 1 on the last
axis), logprob, sign (+-1), binary (0/1), idx<C> (class indices < C), counts (0..5), weight (0.5..2),
ctc_label (classes 0..2 padded with -1), len<T> (lengths 1..T)."""
import numpy as np

N = "normal"
CASES = {
    "l2": (lambda L: L.L2Loss(), [((3, 4), N, True), ((3, 4), N, True)], True),
    "l2_weighted": (lambda L: L.L2Loss(weight=2.0), [((3, 4), N, True), ((3, 4), N, True), ((3, 1), "weight", True)],
                    True),
    "l2_label_reshaped": (lambda L: L.L2Loss(), [((4, 1), N, True), ((4,), N, True)], True),
    "l1": (lambda L: L.L1Loss(weight=0.5), [((2, 3, 2), N, True), ((2, 3, 2), N, True)], True),
    "l1_batch_axis1": (lambda L: L.L1Loss(batch_axis=1), [((2, 3, 2), N, True), ((2, 3, 2), N, True),
                                                        ((1, 3, 1), "weight", True)], True),
    "sce_sparse": (lambda L: L.SoftmaxCrossEntropyLoss(), [((4, 5), N, True), ((4,), "idx5", False)], True),
    "sce_sparse_weighted": (lambda L: L.SoftmaxCELoss(weight=0.7), [((4, 5), N, True), ((4,), "idx5", False),
                                                                    ((4, 1), "weight", True)], True),
    "sce_axis1": (lambda L: L.SoftmaxCELoss(axis=1), [((2, 5, 3), N, True), ((2, 3), "idx5", False)], True),
    "sce_dense": (lambda L: L.SoftmaxCELoss(sparse_label=False), [((4, 5), N, True), ((4, 5), "prob", True)],
                  True),
    "sce_from_logits": (lambda L: L.SoftmaxCELoss(from_logits=True), [((4, 5), "logprob", True),
                                                                      ((4,), "idx5", False)], True),
    "sbce": (lambda L: L.SigmoidBinaryCrossEntropyLoss(), [((3, 4), N, True), ((3, 4), "binary", True)], True),
    "sbce_pos_weight": (lambda L: L.SigmoidBCELoss(), [((3, 4), N, True), ((3, 4), "binary", True),
                                                       ((3, 1), "weight", True), ((1, 4), "weight", True)], True),
    "sbce_from_sigmoid": (lambda L: L.SigmoidBCELoss(from_sigmoid=True, weight=1.5),
                          [((3, 4), "pos", True), ((3, 4), "binary", True)], True),
    "sbce_from_sigmoid_pos_weight": (lambda L: L.SigmoidBCELoss(from_sigmoid=True),
                                     [((3, 4), "pos", True), ((3, 4), "binary", True), ((3, 1), "weight", True),
                                      ((1, 4), "weight", True)], True),
    "kldiv_logits": (lambda L: L.KLDivLoss(), [((3, 4), "logprob", True), ((3, 4), "prob", True)], True),
    "kldiv_softmax": (lambda L: L.KLDivLoss(from_logits=False, axis=1),
                      [((3, 4), N, True), ((3, 4), "prob", True), ((3, 1), "weight", True)], True),
    "huber": (lambda L: L.HuberLoss(rho=0.5), [((3, 4), N, True), ((3, 4), N, True)], True),
    "hinge": (lambda L: L.HingeLoss(margin=1.5), [((3, 4), N, True), ((3, 4), "sign", True)], True),
    "squared_hinge": (lambda L: L.SquaredHingeLoss(), [((3, 4), N, True), ((3, 4), "sign", True),
                                                       ((3, 1), "weight", True)], True),
    "logistic_signed": (lambda L: L.LogisticLoss(), [((3, 4), N, True), ((3, 4), "sign", True)], True),
    "logistic_binary": (lambda L: L.LogisticLoss(label_format="binary", weight=2.0),
                        [((3, 4), N, True), ((3, 4), "binary", True)], True),
    "triplet": (lambda L: L.TripletLoss(margin=0.5), [((4, 3), N, True), ((4, 3), N, True), ((4, 3), N, True)],
                True),
    "triplet_3d": (lambda L: L.TripletLoss(weight=2.0), [((2, 3, 2), N, True), ((2, 3, 2), N, True),
                                                         ((2, 6), N, True)], True),
    "poisson_logits": (lambda L: L.PoissonNLLLoss(), [((3, 4), N, True), ((3, 4), "counts", True)], True),
    "poisson_full": (lambda L: L.PoissonNLLLoss(from_logits=False, compute_full=True, weight=0.5),
                     [((3, 4), "pos", True), ((3, 4), "counts", False), ((3, 1), "weight", True)], True),
    "cosine": (lambda L: L.CosineEmbeddingLoss(margin=0.2), [((4, 5), N, True), ((4, 5), N, True),
                                                             ((4,), "sign", False)], True),
    "cosine_weighted": (lambda L: L.CosineEmbeddingLoss(weight=2.0), [((4, 5), N, True), ((4, 5), N, True),
                                                                      ((4,), "sign", False),
                                                                      ((4, 1), "weight", True)], True),
    "ctc": (lambda L: L.CTCLoss(), [((2, 6, 4), N, True), ((2, 3), "ctc_label", False)], True),
    "ctc_lengths_tnc": (lambda L: L.CTCLoss(layout="TNC", label_layout="TN", weight=0.5),
                        [((6, 2, 4), N, True), ((3, 2), "ctc_label", False), ((2,), "len6", False),
                         ((2,), "len3", False)], True),
    "sdml": (lambda L: L.SDMLLoss(), [((4, 3), N, True), ((4, 3), N, True)], False),
}


def case_inputs(name):
    """The fixed inputs of case ``name`` (NumPy float32 arrays)."""
    rng = np.random.RandomState(sum(map(ord, name)))
    out = []
    for shape, kind, _ in CASES[name][1]:
        if kind == "normal":
            a = rng.standard_normal(shape)
        elif kind == "pos":
            a = rng.uniform(0.1, 0.9, shape)
        elif kind in ("prob", "logprob"):
            e = np.exp(rng.standard_normal(shape))
            a = e / e.sum(-1, keepdims=True)
            if kind == "logprob":
                a = np.log(a)
        elif kind == "sign":
            a = rng.randint(0, 2, shape) * 2 - 1
        elif kind == "binary":
            a = rng.randint(0, 2, shape)
        elif kind.startswith("idx"):
            a = rng.randint(0, int(kind[3:]), shape)
        elif kind == "counts":
            a = rng.randint(0, 6, shape)
        elif kind == "weight":
            a = rng.uniform(0.5, 2, shape)
        elif kind == "ctc_label":
            a = rng.randint(0, 3, shape)
            if len(shape) == 2:     # pad the second sequence
                if shape[0] == 2:
                    a[1, -1] = -1
                else:
                    a[-1, 1] = -1
        elif kind.startswith("len"):
            a = rng.randint(1, int(kind[3:]) + 1, shape)
            a[0] = int(kind[3:])
        else:
            raise ValueError(kind)
        out.append(np.asarray(a, dtype=np.float32))
    return out
