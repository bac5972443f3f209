"""Contrib operators (ops/contrib_ops.py): forward vs NumPy or values pasted from MXNet 1.9.1,
backward vs finite differences, errors, and the symbolic path."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd


def _r(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape)


def _iou_ref(a, b):
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            iw = max(min(p[2], q[2]) - max(p[0], q[0]), 0)
            ih = max(min(p[3], q[3]) - max(p[1], q[1]), 0)
            u = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - iw * ih
            out[i, j] = iw * ih / u if u > 0 else 0
    return out


def _adaptive_ref(x, oh, ow):
    n, c, h, w = x.shape
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, h1 = (i * h) // oh, -(-((i + 1) * h) // oh)
            w0, w1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return out


def _resize_ref(x, oh, ow):
    """align_corners=True bilinear resize, one output pixel at a time."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y = i * (h - 1) / (oh - 1) if oh > 1 else 0
            xx = j * (w - 1) / (ow - 1) if ow > 1 else 0
            y0, x0 = min(int(y), h - 1), min(int(xx), w - 1)
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            fy, fx = y - y0, xx - x0
            out[:, :, i, j] = ((1 - fy) * (1 - fx) * x[:, :, y0, x0] + (1 - fy) * fx * x[:, :, y0, x1]
                               + fy * (1 - fx) * x[:, :, y1, x0] + fy * fx * x[:, :, y1, x1])
    return out


BOXES_A = np.array([[0, 0, 2, 2], [1, 1, 3, 3], [0, 0, 1, 1.]])
BOXES_B = np.array([[1, 1, 2, 2], [0, 0, 2, 2.]])
X23 = np.arange(6.).reshape(2, 3)
FORWARD = [
    ("_contrib_arange_like", [X23], {}, lambda x: np.arange(6.).reshape(2, 3)),
    ("_contrib_arange_like", [X23], {"start": 1.0, "step": 0.5, "axis": -1}, lambda x: np.array([1, 1.5, 2])),
    ("_contrib_arange_like", [X23], {"repeat": 4}, lambda x: np.array([[0, 0, 0], [0, 1, 1.]])),
    ("_contrib_div_sqrt_dim", [_r(2, 4)], {}, lambda x: x / 2),
    ("_contrib_quadratic", [_r(2, 3)], {"a": 1.5, "b": -2.0, "c": 0.5}, lambda x: 1.5 * x * x - 2 * x + 0.5),
    ("_contrib_round_ste", [np.array([0.5, 1.5, -0.5, 2.4])], {}, lambda x: np.array([1, 2, -1, 2.])),
    ("_contrib_sign_ste", [np.array([0.5, 0, -0.5])], {}, np.sign),
    ("_contrib_gradientmultiplier", [X23], {"scalar": -2.0}, lambda x: x),
    ("_contrib_index_copy", [np.zeros((4, 2)), np.array([3., 0]), np.array([[1, 2], [3, 4.]])], {},
     lambda o, i, n: np.array([[3, 4], [0, 0], [0, 0], [1, 2.]])),
    ("_contrib_index_copy", [np.zeros((4, 2)), np.array([5., 0]), np.array([[1, 2], [3, 4.]])], {},
     lambda o, i, n: np.array([[3, 4], [0, 0], [0, 0], [0, 0.]])),    # MXNet skips out-of-range rows
    ("_contrib_box_iou", [BOXES_A, BOXES_B], {}, _iou_ref),
    ("_contrib_box_iou", [BOXES_A, BOXES_B], {"format": "center"},
     lambda a, b: np.array([[0.14285715, 1.], [0.44444445, 0.20930232], [0.05263158, 0.25]])),   # MXNet
    ("_contrib_AdaptiveAvgPooling2D", [_r(2, 3, 5, 7)], {"output_size": (2, 3)}, lambda x: _adaptive_ref(x, 2, 3)),
    ("_contrib_AdaptiveAvgPooling2D", [_r(1, 2, 4, 5)], {"output_size": (6,)}, lambda x: _adaptive_ref(x, 6, 6)),
    ("_contrib_AdaptiveAvgPooling2D", [_r(1, 2, 4, 5)], {}, lambda x: x.mean(axis=(2, 3), keepdims=True)),
    ("_contrib_BilinearResize2D", [_r(1, 2, 3, 4)], {"height": 5, "width": 7}, lambda x: _resize_ref(x, 5, 7)),
    ("_contrib_BilinearResize2D", [_r(1, 2, 6, 4)], {"scale_height": 0.5, "scale_width": 2.0},
     lambda x: _resize_ref(x, 3, 8)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,xs,kw,ref", FORWARD, ids=[f[0][9:] + str(i) for i, f in enumerate(FORWARD)])
def test_forward(op, xs, kw, ref, dtype):
    check_forward(op, [x.astype(dtype) for x in xs], kw, ref(*xs), rtol=1e-5, atol=1e-5)


def test_small_ops_details():
    x = X23.astype(np.float32)
    assert run_nd("_contrib_arange_like", [x.astype(np.int32)], start=1.0)[0].dtype == np.int32
    ok = run_nd("_contrib_allclose", [x, x + 1e-6])[0]
    assert ok.shape == () and ok.dtype == np.uint8 and ok == 0        # 0-d uint8, as MXNet
    assert run_nd("_contrib_allclose", [x, x])[0] == 1
    nan = np.array([np.nan], np.float32)
    assert run_nd("_contrib_allclose", [nan, nan])[0] == 1
    assert run_nd("_contrib_allclose", [nan, nan], equal_nan=False)[0] == 0
    got = run_nd("_contrib_index_array", [np.zeros((2, 3, 2), np.float32)], axes=(2, 0))[0]
    assert got.dtype == np.int64 and got.shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(got, np.stack(np.indices((2, 3, 2))[[2, 0]], axis=-1))
    # straight-through and scaled gradients (not the derivative of the forward function)
    env = OpEnv(np, True, mx.cpu())
    g = np.array([1., 2, 3])
    for name, kw, want in [("_contrib_round_ste", {}, g), ("_contrib_sign_ste", {}, g),
                           ("_contrib_gradientmultiplier", {"scalar": -2.0}, -2 * g)]:
        op = get_op(name)
        a = op.parse(kw)
        np.testing.assert_array_equal(op.backward(env, a, [g], [g], [g], [True])[0], want)


# -- boxes: values from MXNet 1.9.1 ---------------------------------------------------------------
NMS_IN = np.array([[[0, 0.9, 0, 0, 2, 2], [1, 0.8, 0.1, 0.1, 2, 2], [0, 0.7, 1, 1, 3, 3], [1, 0.95, 0, 0, 1, 1],
                    [0, 0.05, 5, 5, 6, 6], [-1, 0.99, 0, 0, 2, 2]]])
_E = [-1.0] * 6


@pytest.mark.parametrize("kw,want", [
    ({}, [[-1, 0.99, 0, 0, 2, 2], [1, 0.95, 0, 0, 1, 1], [0, 0.7, 1, 1, 3, 3], [0, 0.05, 5, 5, 6, 6], _E, _E]),
    ({"overlap_thresh": 0.1, "valid_thresh": 0.1, "id_index": 0},
     [[1, 0.95, 0, 0, 1, 1], [0, 0.9, 0, 0, 2, 2], _E, _E, _E, _E]),
    ({"topk": 2, "id_index": 0, "background_id": 1}, [[-1, 0.99, 0, 0, 2, 2], [0, 0.9, 0, 0, 2, 2], _E, _E, _E, _E]),
    ({"overlap_thresh": 0.3, "id_index": 0, "force_suppress": True, "in_format": "center"},
     [[1, 0.95, -0.5, -0.5, 0.5, 0.5], [0, 0.9, -1, -1, 1, 1], [0, 0.7, -0.5, -0.5, 2.5, 2.5],
      [0, 0.05, 2, 2, 8, 8], _E, _E]),
])
def test_box_nms_values(kw, want):
    check_forward("_contrib_box_nms", [NMS_IN.astype(np.float32)], kw, np.array([want]), atol=1e-6)


def test_box_nms_2d_center_output_and_gradient():
    got = run_nd("_contrib_box_non_maximum_suppression", [NMS_IN[0].astype(np.float32)], overlap_thresh=0.1,
                 out_format="center")[0]
    np.testing.assert_allclose(got[:2], [[-1, 0.99, 1, 1, 2, 2], [0, 0.05, 5.5, 5.5, 1, 1]], atol=1e-6)
    assert (got[2:] == -1).all()
    # the gradient goes back to the rows the kept boxes came from (MXNet)
    op = get_op("_contrib_box_nms")
    a = op.parse({"overlap_thresh": 0.1})
    env = OpEnv(np, True, mx.cpu())
    outs = op.forward(env, a, [NMS_IN], [])
    head = np.arange(36.).reshape(1, 6, 6)
    g = op.backward(env, a, [NMS_IN], list(outs), [head, np.zeros((1, 6))], [True])[0]
    want = np.zeros((1, 6, 6))
    want[0, 5], want[0, 4] = head[0, 0], head[0, 1]
    np.testing.assert_array_equal(g, want)


def test_box_nms_many_boxes_matches_greedy_reference():
    r = np.random.RandomState(3)
    n = 60
    d = np.concatenate([r.randint(0, 3, (n, 1)), r.rand(n, 1), r.rand(n, 2) * 5, r.rand(n, 2) * 5 + 5], axis=1)
    got = run_nd("_contrib_box_nms", [d.astype(np.float32)], overlap_thresh=0.3, valid_thresh=0.2, id_index=0)[0]
    order = [i for i in np.argsort(-d[:, 1], kind="stable") if d[i, 1] > 0.2]
    kept = []
    for i in order:
        if all(d[j, 0] != d[i, 0] or _iou_ref(d[[i], 2:], d[[j], 2:])[0, 0] <= 0.3 for j in kept):
            kept.append(i)
    np.testing.assert_allclose(got[:len(kept)], d[kept].astype(np.float32))
    assert (got[len(kept):] == -1).all()


def test_bipartite_matching_values():
    x = np.array([[0.5, 0.6], [0.1, 0.2], [0.3, 0.4]], np.float32)
    for kw, rows, cols in [({"threshold": 1e-12}, [1, -1, 0], [2, 0]),
                           ({"threshold": 0.15, "is_ascend": True, "topk": 1}, [-1, 0, -1], [1, -1]),
                           ({"threshold": 0.3}, [1, -1, -1], [-1, 0])]:    # strict, in float32
        r, c = run_nd("_contrib_bipartite_matching", [x], **kw)
        assert r.tolist() == rows and c.tolist() == cols
    r, c = run_nd("_contrib_bipartite_matching", [np.stack([x, -x])], threshold=-10.0)
    assert r.tolist() == [[1, -1, 0], [-1, 0, 1]] and c.tolist() == [[2, 0], [1, 2]]


def test_box_encode_decode_values():
    anchors = np.array([[[0, 0, 2, 2], [1, 1, 3, 4]]], np.float32)
    refs = np.array([[[0.5, 0.5, 2, 3], [1, 0, 2, 2]]], np.float32)
    t, m = run_nd("_contrib_box_encode", [np.array([[1, -1]], np.float32), np.array([[1, 0]], np.float32), anchors,
                                          refs, np.zeros(4, np.float32), np.array([0.1, 0.1, 0.2, 0.2], np.float32)])
    np.testing.assert_allclose(t, [[[2.5, 0, -3.465736, 0], [0, 0, 0, 0]]], atol=1e-5)
    np.testing.assert_array_equal(m, [[[1, 1, 1, 1], [0, 0, 0, 0]]])
    data = np.array([[[0.1, 0.2, 0.3, -0.1], [0, 0, 0, 0]]], np.float32)
    for kw, want in [({}, [[-1.1498588, -0.5048374, 1.5498589, 1.3048375], [-0.5, -1, 2.5, 3]]),
                     ({"std0": 0.1, "std1": 0.1, "std2": 0.2, "std3": 0.2, "clip": 0.2},
                      [[-1.0418366, -0.94019866, 1.0818366, 1.0201987], [-0.5, -1, 2.5, 3]]),
                     ({"format": "corner"}, [[-0.14985883, 0.49516255, 2.549859, 2.3048375], [1, 1, 3, 4]])]:
        np.testing.assert_allclose(run_nd("_contrib_box_decode", [data, anchors], **kw)[0], [want], atol=1e-5)


def test_multibox_prior_values():
    got = run_nd("_contrib_MultiBoxPrior", [np.zeros((1, 3, 2, 3), np.float32)], sizes=(0.5, 0.25), ratios=(1, 2))[0]
    assert got.shape == (1, 18, 4)
    np.testing.assert_allclose(got[0, :3], [[0, 0, 0.33333334, 0.5], [0.08333334, 0.125, 0.25, 0.375],
                                            [-0.06903559, 0.07322331, 0.40236893, 0.4267767]], atol=1e-6)
    np.testing.assert_allclose(got[0, -1], [0.5976311, 0.5732233, 1.0690356, 0.9267767], atol=1e-6)
    got = run_nd("_contrib_MultiBoxPrior", [np.zeros((1, 3, 2, 2), np.float32)], sizes=(0.8,), clip=True,
                 steps=(0.4, 0.6), offsets=(0.2, 0.7))[0]
    np.testing.assert_allclose(got[0], [[0.02, 0, 0.82, 0.48], [0.62, 0, 1, 0.48], [0.02, 0.08, 0.82, 0.88],
                                        [0.62, 0.08, 1, 0.88]], atol=1e-6)


def test_resize_values_from_mxnet():
    y = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    got = run_nd("_contrib_BilinearResize2D", [y], height=5, width=3, align_corners=False)[0][0, 0]
    np.testing.assert_allclose(got, [[0.16666669, 1.5, 2.8333335], [1.7666668, 3.1000004, 4.4333334],
                                     [4.1666665, 5.5, 6.8333335], [6.5666676, 7.9000006, 9.233334],
                                     [8.166667, 9.5, 10.833333]], atol=1e-5)
    got = run_nd("_contrib_BilinearResize2D", [y], height=2, width=7, align_corners=False)[0][0, 0]
    np.testing.assert_allclose(got, [[1, 1.3571, 1.9286, 2.5, 3.0714, 3.6429, 4],
                                     [7, 7.3571, 7.9286, 8.5, 9.0714, 9.6429, 10]], atol=1e-4)
    np.testing.assert_array_equal(run_nd("_contrib_BilinearResize2D", [y, np.zeros((1, 1, 2, 2), np.float32)],
                                         mode="like")[0][0, 0], [[0, 3], [8, 11]])
    z = np.zeros((1, 1, 5, 6), np.float32)
    for mode, shape in [("odd_scale", (7, 9)), ("to_even_down", (4, 6)), ("to_even_up", (6, 6)),
                        ("to_odd_down", (5, 5)), ("to_odd_up", (5, 7))]:
        assert run_nd("_contrib_BilinearResize2D", [z], mode=mode, scale_height=1.5,
                      scale_width=1.5)[0].shape[2:] == shape


def test_roi_align_values_from_mxnet():
    x = (np.arange(2 * 2 * 6 * 7).reshape(2, 2, 6, 7) / 10).astype(np.float32)
    rois = np.array([[0, 0.5, 0.7, 4.2, 3.9], [1, 1, 1, 6, 5], [0, -2, -1, 3, 2.5], [1, 5, 4, 9, 8]], np.float32)
    got = run_nd("_contrib_ROIAlign", [x, rois], pooled_size=(2, 3), spatial_scale=1.0)[0]
    np.testing.assert_allclose(got[:, 0], [[[1.1616666, 1.2850001, 1.4083333], [2.2816665, 2.405, 2.5283334]],
                                           [[9.983334, 10.15, 10.316668], [11.383333, 11.550001, 11.716666]],
                                           [[0.0546875, 0.15937501, 0.32604167], [0.56875, 1.1875, 1.3541667]],
                                           [[12.291667, 6.1625, 0], [0, 0, 0]]], atol=1e-4)
    got = run_nd("_contrib_ROIAlign", [x, rois], pooled_size=(2, 2), spatial_scale=0.5, sample_ratio=2, aligned=True)[0]
    np.testing.assert_allclose(got[:, 1], [[[4.397187, 4.48875], [4.9571877, 5.04875]],
                                           [[13.0125, 13.1375], [13.712501, 13.837501]],
                                           [[2.1, 4.2375], [2.209375, 4.45625]],
                                           [[14.25, 14.349999], [14.949999, 15.05]]], atol=1e-4)
    xp = np.arange(8 * 5 * 5, dtype=np.float32).reshape(1, 8, 5, 5)
    got = run_nd("_contrib_ROIAlign", [xp, rois[:1]], pooled_size=(2, 2), spatial_scale=1.0, position_sensitive=True)[0]
    np.testing.assert_allclose(got, [[[[8.925001, 35.775], [66.925, 93.774994]],
                                      [[108.925, 135.775], [166.92499, 193.775]]]], rtol=1e-5)


def _attention_ref_qk(qkv, heads):
    L, B, E = qkv.shape
    D = E // (3 * heads)
    x = qkv.reshape(L, B, heads, 3, D)
    return np.einsum("lbhd,mbhd->bhlm", x[:, :, :, 0], x[:, :, :, 1]).reshape(B * heads, L, L) / np.sqrt(D)


def test_interleaved_matmul_forward():
    L, B, H, D, Lk = 3, 2, 2, 4, 5
    qkv = _r(L, B, H * 3 * D).astype(np.float32)
    check_forward("_contrib_interleaved_matmul_selfatt_qk", [qkv], {"heads": H}, _attention_ref_qk(qkv, H), atol=1e-5)
    att = np.abs(_r(B * H, L, L, seed=1)).astype(np.float32)
    v = qkv.reshape(L, B, H, 3, D)[:, :, :, 2]
    check_forward("_contrib_interleaved_matmul_selfatt_valatt", [qkv, att], {"heads": H},
                  np.einsum("bhlm,mbhd->lbhd", att.reshape(B, H, L, L), v).reshape(L, B, H * D), atol=1e-5)
    q = _r(L, B, H * D, seed=2).astype(np.float32)
    kv = _r(Lk, B, H * 2 * D, seed=3).astype(np.float32)
    kvr = kv.reshape(Lk, B, H, 2, D)
    check_forward("_contrib_interleaved_matmul_encdec_qk", [q, kv], {"heads": H},
                  np.einsum("lbhd,mbhd->bhlm", q.reshape(L, B, H, D), kvr[:, :, :, 0]).reshape(B * H, L, Lk) / 2,
                  atol=1e-5)
    att2 = np.abs(_r(B * H, L, Lk, seed=4)).astype(np.float32)
    check_forward("_contrib_interleaved_matmul_encdec_valatt", [kv, att2], {"heads": H},
                  np.einsum("bhlm,mbhd->lbhd", att2.reshape(B, H, L, Lk), kvr[:, :, :, 1]).reshape(L, B, H * D),
                  atol=1e-5)


# -- boolean_mask: output shape depends on values ------------------------------------------------
def test_boolean_mask():
    op = get_op("_contrib_boolean_mask")
    env = OpEnv(np, True, mx.cpu())
    a = op.parse({})
    data, idx = np.arange(6.).reshape(3, 2), np.array([1., 0, 1])
    out = op.forward(env, a, [data, idx], [])[0]
    np.testing.assert_array_equal(out, [[0, 1], [4, 5]])
    g = op.backward(env, a, [data, idx], [out], [np.array([[1., 2], [3, 4]])], [True, True])
    np.testing.assert_array_equal(g[0], [[1, 2], [0, 0], [3, 4]])
    assert op.forward(env, a, [data, np.zeros(3)], [])[0].shape == (0, 2)
    assert getattr(op, "dynamic_shape", False)
    s = mx.sym.contrib.boolean_mask(mx.sym.var("d"), mx.sym.var("i"))
    with pytest.raises(mx.MXNetError, match="depends on the values"):
        s.infer_shape(d=(3, 2), i=(3,))
    with pytest.raises(mx.MXNetError, match="only axis=0"):
        op.forward(env, op.parse({"axis": 1}), [data, np.ones(2)], [])


# -- backward ----------------------------------------------------------------------------------
ROIS = np.array([[0, 0.5, 0.7, 4.2, 3.9], [1, 1, 1, 6, 5], [0, -2, -1, 3, 2.5]])
GRAD = [
    ("_contrib_div_sqrt_dim", [_r(2, 4)], {}, None),
    ("_contrib_quadratic", [_r(2, 3)], {"a": 1.5, "b": -2.0}, None),
    ("_contrib_index_copy", [_r(4, 2), np.array([3., 0]), _r(2, 2, seed=1)], {}, [0, 2]),
    ("_contrib_AdaptiveAvgPooling2D", [_r(1, 2, 5, 7)], {"output_size": (2, 3)}, None),
    ("_contrib_BilinearResize2D", [_r(1, 2, 3, 4)], {"height": 5, "width": 3}, None),
    ("_contrib_BilinearResize2D", [_r(1, 1, 3, 4)], {"height": 2, "width": 7, "align_corners": False}, None),
    ("_contrib_ROIAlign", [_r(2, 2, 6, 7), ROIS], {"pooled_size": (2, 3), "spatial_scale": 1.0}, [0]),
    ("_contrib_ROIAlign", [_r(1, 8, 5, 5), ROIS[:1]], {"pooled_size": (2, 2), "spatial_scale": 0.8,
                                                       "position_sensitive": True, "aligned": True}, [0]),
    ("_contrib_interleaved_matmul_selfatt_qk", [_r(3, 2, 12)], {"heads": 2}, None),
    ("_contrib_interleaved_matmul_selfatt_valatt", [_r(3, 2, 12), _r(4, 3, 3, seed=1)], {"heads": 2}, None),
    ("_contrib_interleaved_matmul_encdec_qk", [_r(3, 2, 4), _r(5, 2, 8, seed=1)], {"heads": 2}, None),
    ("_contrib_interleaved_matmul_encdec_valatt", [_r(5, 2, 8), _r(4, 3, 5, seed=1)], {"heads": 2}, None),
]


@pytest.mark.parametrize("op,xs,kw,wrt", GRAD, ids=[g[0][9:] + str(i) for i, g in enumerate(GRAD)])
def test_grad(op, xs, kw, wrt):
    check_grad(op, xs, kw, wrt=wrt)


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,shapes,kw,match", [
    ("_contrib_arange_like", [(2, 3)], {"axis": 2}, "out of range"),
    ("_contrib_allclose", [(2, 3), (3, 2)], {}, "same shape"),
    ("_contrib_index_copy", [(4, 2), (2,), (3, 2)], {}, "new_tensor"),
    ("_contrib_box_iou", [(3, 4), (2, 3)], {}, "size 4"),
    ("_contrib_box_nms", [(2, 5)], {}, "need 6"),
    ("_contrib_bipartite_matching", [(3,)], {"threshold": 0.1}, "at least 2-D"),
    ("_contrib_MultiBoxPrior", [(3, 4)], {}, "4-D"),
    ("_contrib_AdaptiveAvgPooling2D", [(2, 3, 4)], {}, "4-D"),
    ("_contrib_BilinearResize2D", [(1, 1, 4, 4)], {"mode": "odd_scale"}, "needs scale_height"),
    ("_contrib_ROIAlign", [(1, 3, 5, 5), (2, 4)], {"pooled_size": (2, 2), "spatial_scale": 1.0}, "rois must be"),
    ("_contrib_ROIAlign", [(1, 3, 5, 5), (2, 5)], {"pooled_size": (2, 2), "spatial_scale": 1.0,
                                                   "position_sensitive": True}, "multiple of"),
    ("_contrib_interleaved_matmul_selfatt_qk", [(3, 2, 10)], {"heads": 2}, "heads \\* 3"),
    ("_contrib_box_decode", [(1, 2, 4), (2, 4)], {}, "anchors"),
])
def test_errors(op, shapes, kw, match):
    with pytest.raises(mx.MXNetError, match=match):
        run_nd(op, [np.ones(s, np.float32) for s in shapes], **kw)


# -- symbolic path -----------------------------------------------------------------------------
@pytest.mark.parametrize("op,xs,kw", [
    ("_contrib_quadratic", [_r(2, 3)], {"a": 1.0, "b": 2.0}),
    ("_contrib_AdaptiveAvgPooling2D", [_r(1, 2, 5, 7)], {"output_size": (2, 3)}),
    ("_contrib_BilinearResize2D", [_r(1, 2, 3, 4)], {"height": 5, "width": 6}),
    ("_contrib_ROIAlign", [_r(2, 2, 6, 7), ROIS], {"pooled_size": (2, 2), "spatial_scale": 1.0}),
    ("_contrib_interleaved_matmul_selfatt_qk", [_r(3, 2, 12)], {"heads": 2}),
])
def test_symbolic(op, xs, kw):
    o = get_op(op)
    attrs = o.parse(kw)
    names = o.input_names(attrs)
    s = getattr(mx.sym.contrib, op[len("_contrib_"):])(*[mx.sym.var(n) for n in names], **kw)
    xs32 = [x.astype(np.float32) for x in xs]
    ex = s.simple_bind(mx.cpu(), **{n: x.shape for n, x in zip(names, xs)})
    out = ex.forward(is_train=True, **dict(zip(names, xs32)))[0]
    want = run_nd(op, xs32, **kw)[0]
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-5)
    head = _r(*want.shape, seed=5)
    ex.backward(mx.nd.array(head))
    env = OpEnv(np, True, mx.cpu())
    xs64 = [x.astype(np.float64) for x in xs]
    ref = o.backward(env, attrs, xs64, list(o.forward(env, attrs, xs64, [])), [head], [True] * len(xs))
    np.testing.assert_allclose(ex.grad_dict[names[0]].asnumpy(), ref[0], rtol=1e-4, atol=1e-4)


# -- SSD: MultiBoxDetection / MultiBoxTarget (values from MXNet 1.9.1) -----------------------------
SSD_ANCHOR = np.array([[[0.1, 0.1, 0.4, 0.4], [0.15, 0.1, 0.45, 0.4], [0.5, 0.5, 0.9, 0.9], [0.6, 0.6, 0.7, 0.7]]],
                      np.float32)
SSD_CLS = np.array([[[0.1, 0.2, 0.3, 0.9], [0.7, 0.6, 0.2, 0.05], [0.2, 0.2, 0.5, 0.05]]], np.float32)
SSD_LOC = np.array([[0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0.2, 0.1, -0.1, 0, 0, 0, 0]], np.float32)
_B0 = [0.103, 0.1, 0.403, 0.4]
_B1 = [0.15, 0.1, 0.45, 0.4]
_B2 = [0.49595973, 0.51196027, 0.9040402, 0.90403974]
_B3 = [0.6, 0.6, 0.7, 0.7]


@pytest.mark.parametrize("kw,want", [
    ({}, [[0, 0.7] + _B0, [-1, 0.6] + _B1, [1, 0.5] + _B2, [0, 0.05] + _B3]),
    ({"threshold": 0.3, "nms_threshold": 0.3, "force_suppress": True, "clip": False},
     [[0, 0.7] + _B0, [-1, 0.6] + _B1, [1, 0.5] + _B2, [-1] * 6]),
    ({"nms_topk": 2}, [[0, 0.7] + _B0, [-1, 0.6] + _B1, [-1, 0.5] + _B2, [-1, 0.05] + _B3]),
])
def test_multibox_detection_values(kw, want):
    check_forward("_contrib_MultiBoxDetection", [SSD_CLS, SSD_LOC, SSD_ANCHOR], kw, np.array([want]), atol=1e-5)


def test_multibox_detection_topk_keeps_unsorted_rest():
    # beyond nms_topk MXNet leaves the valid rows in anchor order with class -1
    anchor = np.array([[[0.1, 0.1, 0.2, 0.2], [0.3, 0.3, 0.4, 0.4], [0.5, 0.5, 0.6, 0.6], [0.7, 0.7, 0.8, 0.8],
                        [0, 0, 0.1, 0.1]]], np.float32)
    cls = np.array([[[0.5] * 5, [0.1, 0.3, 0.2, 0.4, 0.005]]], np.float32)
    got = run_nd("_contrib_MultiBoxDetection", [cls, np.zeros((1, 20), np.float32), anchor], nms_topk=2)[0][0]
    np.testing.assert_allclose(got[:, :2], [[0, 0.4], [0, 0.3], [-1, 0.2], [-1, 0.4], [-1, -1]], atol=1e-6)
    got = run_nd("_contrib_MultiBoxDetection", [cls, np.zeros((1, 20), np.float32), anchor], nms_threshold=0)[0][0]
    np.testing.assert_allclose(got[:, :2], [[0, 0.1], [0, 0.3], [0, 0.2], [0, 0.4], [-1, -1]], atol=1e-6)


def test_multibox_target_values():
    anchor = np.array([[[0.1, 0.1, 0.4, 0.4], [0.15, 0.1, 0.45, 0.4], [0.5, 0.5, 0.9, 0.9], [0.6, 0.6, 0.7, 0.7],
                        [0, 0, 0.1, 0.1], [0.3, 0.3, 0.6, 0.6]]], np.float32)
    label = np.array([[[1, 0.1, 0.1, 0.42, 0.4], [0, 0.55, 0.55, 0.85, 0.9], [-1] * 5],
                      [[2, 0, 0, 0.12, 0.1], [-1] * 5, [-1] * 5]], np.float32)
    cls = np.random.RandomState(0).randn(2, 3, 6).astype(np.float32)
    loc, mask, ct = run_nd("_contrib_MultiBoxTarget", [anchor, label, cls])
    np.testing.assert_allclose(loc[0, :12], [0.33333302, 0, 0.3226923, 0, -1.3333341, 0, 0.32269287, 0,
                                             1.4901162e-06, 0.62500095, -1.4384099, -0.66765732], atol=1e-5)
    np.testing.assert_allclose(loc[1, 16:20], [0.99999976, 0, 0.9116075, 0], atol=1e-5)
    assert mask[0].tolist() == [1] * 12 + [0] * 12 and mask[1].tolist() == [0] * 16 + [1] * 4 + [0] * 4
    assert ct.tolist() == [[2, 2, 1, 0, 0, 0], [0, 0, 0, 0, 3, 0]]
    # hard negative mining keeps the anchors least likely to be background
    ct = run_nd("_contrib_MultiBoxTarget", [anchor, label, cls], overlap_threshold=0.3, negative_mining_ratio=1.0,
                negative_mining_thresh=0.5, minimum_negative_samples=1)[2]
    assert ct.tolist() == [[2, 2, 1, 0, 0, 0], [-1, -1, 0, -1, 3, -1]]
    ct = run_nd("_contrib_MultiBoxTarget", [anchor, -np.ones((2, 3, 5), np.float32), cls])[2]
    assert (ct == -1).all()    # no ground truth: everything ignored


# -- SyncBatchNorm, BatchNormWithReLU --------------------------------------------------------------
@pytest.mark.parametrize("op,relu,kw", [("_contrib_SyncBatchNorm", False, {"key": "k", "ndev": 1}),
                                        ("_contrib_BatchNormWithReLU", True, {})])
def test_batchnorm_variants_match_batchnorm(op, relu, kw):
    r = np.random.RandomState(0)
    x = r.randn(2, 3, 2, 2).astype(np.float32)
    gamma, beta = np.array([1, 2, 3], np.float32), np.array([0.1, -0.2, 0.3], np.float32)
    head = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)
    results = []
    for name, extra in ((op, kw), ("BatchNorm", {})):
        arrs = [mx.nd.array(v) for v in (x, gamma, beta)]
        mm, mv = mx.nd.zeros(3), mx.nd.ones(3)
        for v in arrs:
            v.attach_grad()
        fn = getattr(mx.nd.contrib, name[len("_contrib_"):]) if name.startswith("_contrib_") else mx.nd.BatchNorm
        with mx.autograd.record():
            y = fn(*arrs, mm, mv, fix_gamma=False, **extra)
            if relu and name == "BatchNorm":
                y = mx.nd.relu(y)
        y.backward(mx.nd.array(head))
        results.append([y.asnumpy()] + [v.grad.asnumpy() for v in arrs] + [mm.asnumpy(), mv.asnumpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    # MXNet 1.9.1 values for the SyncBatchNorm case (moving statistics after one step)
    np.testing.assert_allclose(results[0][4], [0.08805116, 0.03046131, 0.00160746], rtol=1e-5)
    np.testing.assert_allclose(results[0][5], [0.9493934, 0.99659956, 1.0319483], rtol=1e-5)
    s = getattr(mx.sym.contrib, op[len("_contrib_"):])(mx.sym.var("d"), name="bn", **kw)
    assert s.list_arguments() == ["d", "bn_gamma", "bn_beta"]
    assert s.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]


def test_count_sketch_and_group_adagrad():
    # GPU-only in MXNet 1.9.1: checked against the documented formulas
    x = np.array([[1, 2, 3], [4, 5, 6.]], np.float32)
    h, s = np.array([[0, 2, 0]], np.float32), np.array([[1, -1, 1]], np.float32)
    check_forward("_contrib_count_sketch", [x, h, s], {"out_dim": 3}, np.array([[4, 0, -2], [10, 0, -5.]]))
    check_grad("_contrib_count_sketch", [x, h, s], {"out_dim": 3}, wrt=[0])
    w = mx.nd.array([[1, 2], [3, 4.], [5, 6]])
    g = mx.nd.array([[0.5, -1], [2, 0.1], [0, 0]])
    hist = mx.nd.array([0.1, 0.2, 0.3])
    r = mx.nd.contrib.group_adagrad_update(w, g, hist, lr=0.1, rescale_grad=2.0, clip_gradient=1.5)
    gg = np.clip(g.asnumpy() * 2, -1.5, 1.5)
    want_h = np.array([0.1, 0.2, 0.3]) + (gg ** 2).mean(axis=1)
    np.testing.assert_allclose(hist.asnumpy(), want_h, rtol=1e-6)
    np.testing.assert_allclose(r.asnumpy(), w.asnumpy() - 0.1 * gg / np.sqrt(want_h + 1e-5)[:, None], rtol=1e-6)


# -- Proposal / MultiProposal (values from MXNet 1.9.1) -------------------------------------------
def _rpn_inputs(batch, seed_offset=0):
    r = np.random.RandomState(0)
    cls, bb = r.rand(1, 12, 4, 5), r.randn(1, 24, 4, 5) * 0.2
    if batch > 1:
        cls, bb = r.rand(batch, 12, 4, 5), r.randn(batch, 24, 4, 5) * 0.2
    return cls.astype(np.float32), bb.astype(np.float32)


_RPN = dict(rpn_pre_nms_top_n=30, rpn_post_nms_top_n=12, threshold=0.5, rpn_min_size=4, scales=(2, 4),
            ratios=(0.5, 1, 2), feature_stride=16)


def test_proposal_values():
    cls, bb = _rpn_inputs(1)
    im = np.array([[64, 80, 1.0]], np.float32)
    rois, score = run_nd("_contrib_Proposal", [cls, bb, im], output_score=True, **_RPN)
    assert rois.shape == (12, 5) and score.shape == (12, 1)
    np.testing.assert_allclose(rois[:4], [[0, 17.93, 7.82, 79, 61.008], [0, 3.339, 18.971, 16.05, 55.424],
                                          [0, 49.187, 0, 79, 20.775], [0, 12.786, 0, 52.606, 18.542]], atol=2e-3)
    np.testing.assert_allclose(score[:, 0], [0.9988, 0.9903, 0.9755, 0.9561, 0.9528, 0.9281, 0.9195, 0.8967, 0.8681,
                                             0.8664, 0.8558, 0.848], atol=2e-4)
    kw = dict(_RPN, rpn_pre_nms_top_n=50, rpn_post_nms_top_n=40, threshold=0.7, rpn_min_size=16)
    rois = run_nd("_contrib_Proposal", [cls, bb, np.array([[40, 50, 0.5]], np.float32)], **kw)[0]
    np.testing.assert_allclose(rois[:3], [[0, 12.786, 0, 49, 18.542], [0, 0, 0, 32.353, 27.725],
                                          [0, 7.432, 0, 49, 31.764]], atol=2e-3)
    rois = run_nd("_contrib_Proposal", [cls, bb, im], iou_loss=True, **_RPN)[0]
    np.testing.assert_allclose(rois[:3], [[0, 25.922, 0.227, 79, 47.121], [0, 0, 17.948, 17.527, 60.839],
                                          [0, 55.847, 0, 79, 22.711]], atol=2e-3)


def test_multi_proposal_values():
    cls, bb = _rpn_inputs(2)
    im = np.array([[64, 80, 1.0], [50, 70, 2.0]], np.float32)
    kw = dict(_RPN, rpn_post_nms_top_n=10, threshold=0.6)
    rois, score = run_nd("_contrib_MultiProposal", [cls, bb, im], output_score=True, **kw)
    assert rois.shape == (20, 5) and rois[:, 0].tolist() == [0.0] * 10 + [1.0] * 10
    np.testing.assert_allclose(rois[:3], [[0, 0, 0, 10.378, 17.164], [0, 0.99, 42.882, 48.605, 63],
                                          [0, 68.53, 18.935, 79, 56.023]], atol=2e-3)
    np.testing.assert_allclose(score[:3, 0], [0.9958, 0.9851, 0.9751], atol=2e-4)
    with pytest.raises(mx.MXNetError, match="batch of 1"):
        run_nd("_contrib_Proposal", [cls, bb, im], **kw)
    s = mx.sym.contrib.Proposal(*[mx.sym.var(n) for n in "abc"], output_score=True, name="p")
    assert s.list_outputs() == ["p_output", "p_score"]


def test_boolean_mask_imperative_and_autograd():
    # mx.nd runs the kernel at once and sizes the output from the mask values
    x = mx.nd.array([[1, 2], [3, 4], [5, 6]])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.contrib.boolean_mask(x, mx.nd.array([1, 0, 1]))
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [[1, 2], [5, 6]])
    np.testing.assert_array_equal(x.grad.asnumpy(), [[1, 1], [0, 0], [1, 1]])
