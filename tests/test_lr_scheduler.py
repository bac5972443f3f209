"""Learning-rate schedulers: values equal (to the last bit) those of MXNet 1.9.1."""
import math

import pytest

import mxnet as mx
from mxnet import lr_scheduler as L

NUM_UPDATES = [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 15, 19, 20, 21, 29, 30, 31, 45, 50, 60, 99, 100, 101, 150]

SCHEDULERS = {
    "factor": lambda: L.FactorScheduler(step=10, factor=0.5, base_lr=0.1),
    "factor_stop": lambda: L.FactorScheduler(step=3, factor=0.1, stop_factor_lr=1e-4, base_lr=1.0),
    "factor_warm": lambda: L.FactorScheduler(step=7, factor=0.9, base_lr=0.3, warmup_steps=5,
                                             warmup_begin_lr=0.01),
    "factor_warm_const": lambda: L.FactorScheduler(step=7, factor=0.9, base_lr=0.3, warmup_steps=5,
                                                   warmup_begin_lr=0.01, warmup_mode="constant"),
    "multi": lambda: L.MultiFactorScheduler(step=[5, 20, 30], factor=0.3, base_lr=0.2),
    "multi_warm": lambda: L.MultiFactorScheduler(step=[10, 45], factor=0.5, base_lr=0.2, warmup_steps=4,
                                                 warmup_begin_lr=0.05),
    "poly": lambda: L.PolyScheduler(max_update=100, base_lr=0.1, pwr=2),
    "poly_final": lambda: L.PolyScheduler(max_update=60, base_lr=0.1, pwr=3, final_lr=0.001,
                                          warmup_steps=10, warmup_begin_lr=0.02),
    "cosine": lambda: L.CosineScheduler(max_update=100, base_lr=0.1),
    "cosine_final": lambda: L.CosineScheduler(max_update=50, base_lr=0.3, final_lr=0.01, warmup_steps=9,
                                              warmup_begin_lr=0.001),
    "cosine_const": lambda: L.CosineScheduler(max_update=50, base_lr=0.3, warmup_steps=9,
                                              warmup_begin_lr=0.001, warmup_mode="constant"),
}

# Produced by MXNet 1.9.1: [scheduler(n) for n in NUM_UPDATES], one fresh scheduler per row.
MXNET_VALUES = {
    "factor": [
        0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025,
        0.0125, 0.00625, 0.00625, 0.003125, 0.0001953125, 0.0001953125, 9.765625e-05,
        6.103515625e-06],
    "factor_stop": [
        1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002,
        0.0010000000000000002, 0.0010000000000000002, 0.00010000000000000003, 0.0001, 0.0001,
        0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001],
    "factor_warm": [
        0.01, 0.06799999999999999, 0.126, 0.184, 0.242, 0.3, 0.3, 0.27, 0.27, 0.27,
        0.24300000000000002, 0.24300000000000002, 0.24300000000000002, 0.24300000000000002,
        0.19683000000000003, 0.19683000000000003, 0.19683000000000003, 0.15943230000000003,
        0.14348907000000002, 0.12914016300000003, 0.06863037736488302, 0.06863037736488302,
        0.06863037736488302, 0.032825696739453715],
    "factor_warm_const": [
        0.01, 0.01, 0.01, 0.01, 0.01, 0.3, 0.3, 0.27, 0.27, 0.27, 0.24300000000000002,
        0.24300000000000002, 0.24300000000000002, 0.24300000000000002, 0.19683000000000003,
        0.19683000000000003, 0.19683000000000003, 0.15943230000000003, 0.14348907000000002,
        0.12914016300000003, 0.06863037736488302, 0.06863037736488302, 0.06863037736488302,
        0.032825696739453715],
    "multi": [
        0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.018, 0.018, 0.018,
        0.005399999999999999, 0.005399999999999999, 0.005399999999999999, 0.005399999999999999,
        0.005399999999999999, 0.005399999999999999, 0.005399999999999999, 0.005399999999999999],
    "multi_warm": [
        0.05, 0.08750000000000001, 0.125, 0.16250000000000003, 0.2, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1,
        0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
    "poly": [
        0.1, 0.09801, 0.09604, 0.09409000000000001, 0.09216, 0.09025, 0.08649, 0.08281000000000001,
        0.08100000000000002, 0.07921, 0.07225, 0.06561000000000002, 0.06400000000000002,
        0.062410000000000014, 0.05041, 0.048999999999999995, 0.04760999999999999,
        0.030250000000000006, 0.025, 0.016000000000000004, 1.000000000000002e-05, 0.0, 0.0, 0.0],
    "poly_final": [
        0.02, 0.028, 0.036000000000000004, 0.044, 0.052000000000000005, 0.06, 0.07600000000000001,
        0.092, 0.1, 0.094178008, 0.07317100000000001, 0.05558543200000001, 0.05168800000000002,
        0.04798064800000001, 0.024594472, 0.022383999999999998, 0.020316088000000006,
        0.0036730000000000014, 0.0017919999999999995, 0.001, 0.001, 0.001, 0.001, 0.001],
    "cosine": [
        0.1, 0.09997532801828658, 0.09990133642141358, 0.099778098230154, 0.0996057350657239,
        0.0993844170297569, 0.09879583809693737, 0.09801468428384716, 0.09755282581475769,
        0.09704403844771128, 0.09455032620941839, 0.0913540287137281, 0.09045084971874738,
        0.08950775061878452, 0.08064535268264883, 0.07938926261462367, 0.07810416889260655,
        0.05782172325201155, 0.05, 0.03454915028125265, 2.467198171342e-05, 0.0, 0.0, 0.0],
    "cosine_final": [
        0.001, 0.03422222222222222, 0.06744444444444445, 0.10066666666666667, 0.1338888888888889,
        0.1671111111111111, 0.23355555555555554, 0.3, 0.29957454117164234, 0.29830066144815054,
        0.284944005759353, 0.2594756310721141, 0.25147222652400697, 0.2429026845901625,
        0.16055389638505513, 0.14944610361494487, 0.13837090331723198, 0.02051214459019628, 0.01,
        0.01, 0.01, 0.01, 0.01, 0.01],
    "cosine_const": [
        0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.3, 0.299559870177561, 0.2982420635670523,
        0.2844248335441583, 0.258078239040118, 0.24979885502483481, 0.2409338116449957,
        0.1557454100535053, 0.1442545899464947, 0.13279748619023998, 0.010874632334685807, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0],
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_matches_mxnet_exactly(name):
    sched = SCHEDULERS[name]()
    assert [sched(n) for n in NUM_UPDATES] == MXNET_VALUES[name]


def test_formulas():
    s = L.FactorScheduler(step=4, factor=0.5, base_lr=1.0)
    assert [s(n) for n in range(1, 14)] == [1.0] * 4 + [0.5] * 4 + [0.25] * 4 + [0.125]
    s = L.PolyScheduler(max_update=10, base_lr=2.0, pwr=1)
    assert s(5) == pytest.approx(1.0) and s(10) == 0.0 and s(20) == 0.0
    s = L.CosineScheduler(max_update=10, base_lr=2.0, final_lr=1.0)
    assert s(0) == 2.0 and s(5) == pytest.approx(1.5) and s(10) == pytest.approx(1.0)
    s = L.CosineScheduler(max_update=20, base_lr=1.0, warmup_steps=10, warmup_begin_lr=0.5)
    assert s(0) == 0.5 and s(5) == pytest.approx(0.75)
    assert s(15) == pytest.approx((1 + math.cos(math.pi * 0.5)) / 2)


def test_base_class():
    s = L.LRScheduler(base_lr=0.1, warmup_steps=4, warmup_begin_lr=0.02)
    assert s.get_warmup_lr(2) == pytest.approx(0.06)
    with pytest.raises(NotImplementedError):
        s(5)
    assert mx.lr_scheduler.LRScheduler is L.LRScheduler


@pytest.mark.parametrize("make, err", [
    (lambda: L.LRScheduler(base_lr=0.1, warmup_begin_lr=0.2), ValueError),
    (lambda: L.LRScheduler(warmup_steps=-1), ValueError),
    (lambda: L.LRScheduler(warmup_mode="cubic"), ValueError),
    (lambda: L.LRScheduler(warmup_steps=2.5), AssertionError),
    (lambda: L.FactorScheduler(step=0), ValueError),
    (lambda: L.FactorScheduler(step=2, factor=1.5), ValueError),
    (lambda: L.MultiFactorScheduler(step=[5, 5]), ValueError),
    (lambda: L.MultiFactorScheduler(step=[0, 5]), ValueError),
    (lambda: L.MultiFactorScheduler(step=[5], factor=2), ValueError),
    (lambda: L.MultiFactorScheduler(step=5), AssertionError),
    (lambda: L.PolyScheduler(max_update=0), ValueError),
    (lambda: L.CosineScheduler(max_update=0), ValueError),
    (lambda: L.CosineScheduler(max_update=10.0), AssertionError),
])
def test_errors(make, err):
    with pytest.raises(err):
        make()


def test_optimizer_uses_scheduler():
    sched = L.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    opt = mx.optimizer.SGD(lr_scheduler=sched)
    w, g = mx.nd.ones((2,)), mx.nd.ones((2,))
    lrs = []
    for _ in range(5):
        lrs.append(opt.learning_rate)
        opt.update(0, w, g, None)
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5]
    with pytest.raises(UserWarning):
        opt.set_learning_rate(0.1)
