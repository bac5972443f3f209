"""Spatial operators of MXNet 1.9.1: ROIPooling, GridGenerator, BilinearSampler, SpatialTransformer,
Crop and Correlation (all NCHW).

- ROIPooling follows Fast R-CNN as MXNet does: ROI corners are rounded after scaling, bins are
  ``floor``/``ceil`` of fractional bin edges, empty bins give 0. The argmax of every bin is kept in
  a hidden output ``maxidx`` (``h * W + w``, -1 for empty bins) that backward scatters through.
  The max is a loop over the positions of the largest bin, each step a gather over every ROI, bin
  and channel.
- GridGenerator makes a sampling grid in normalised coordinates ([-1, 1], channel 0 = x) from an
  affine matrix (N, 6) or from a pixel flow field (N, 2, H, W).
- BilinearSampler samples ``data`` at a grid with zero padding (each of the four neighbours outside
  the image contributes 0); SpatialTransformer is GridGenerator(affine) followed by it.
  Gradients flow to the data (scatter-add through ``bincount``) and to the grid.
- Crop cuts ``data[0]`` to ``h_w`` or to the spatial shape of ``data[1]``, at ``offset`` (y, x) or
  centred.
- Correlation is FlowNet's correlation layer: a loop over displacements and kernel offsets, each
  step a strided product over the whole batch.
"""
import math

import numpy as np

from ..base import MXNetError
from .params import Param, Int, Bool, Float, Shape, Enum, _OrNone
from .nn_basic import _Bounded
from .registry import OpDef, register
from ._shapes import shape_str as _shape_str  # noqa: F401  (shared shape helpers)

_FLOATS = ("float16", "float32", "float64")
BoolOrNone = _OrNone(Bool)
_NonNegInt = _Bounded(Int, lo=0)
_NonNegInt.doc = "int (non-negative)"


def _float_types(name, names, nout=1):
    def infer_type(attrs, in_dtypes):
        dt = in_dtypes[0]
        if dt is not None and np.dtype(dt).name not in _FLOATS:
            raise MXNetError("{}: {} has dtype {}; floating point data is required".format(
                name, names[0], np.dtype(dt).name))
        for n, t in zip(names[1:], in_dtypes[1:]):
            if t is not None and dt is not None and np.dtype(t) != np.dtype(dt):
                raise MXNetError("{}: all inputs must have the same dtype: {} is {}, {} is {}".format(
                    name, names[0], np.dtype(dt).name, n, np.dtype(t).name))
        return [dt] * nout
    return infer_type


def _fill(name, in_shapes, i, arg, want, why):
    got = in_shapes[i]
    if got is None:
        in_shapes[i] = want
    elif tuple(got) != tuple(want):
        raise MXNetError("{}: shape inconsistent for argument '{}': provided {}, expected {} {}".format(
            name, arg, _shape_str(got), tuple(want), why))


def _need_4d(name, arg, shape):
    if shape is not None and len(shape) != 4:
        raise MXNetError("{}: {} must be a 4-D tensor (batch, channel, height, width), got shape {}".format(
            name, arg, _shape_str(shape)))


def _plain(full):
    def infer_shape(attrs, in_shapes):
        return full(attrs, list(in_shapes), [])[1]
    return infer_shape


def _bincount(xp, index, weights, size, dtype):
    """Scatter-add ``weights`` at flat ``index`` into a zero vector of ``size`` (fast on both backends)."""
    out = xp.bincount(index.reshape(-1), weights=weights.reshape(-1).astype(np.float64), minlength=size)
    return out.astype(dtype, copy=False)


# -- ROIPooling --------------------------------------------------------------------------------


def _roi_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d, r = in_shapes
    _need_4d("ROIPooling", "data", d)
    if r is not None and (len(r) != 2 or r[1] != 5):
        raise MXNetError("ROIPooling: rois must be a 2-D tensor of shape (num_rois, 5) "
                         "[batch_index, x1, y1, x2, y2], got shape {}".format(_shape_str(r)))
    ps = attrs.pooled_size
    if len(ps) != 2 or min(ps) < 1:
        raise MXNetError("ROIPooling: pooled_size must be two positive ints (height, width), got {}".format(ps))
    if d is None or r is None:
        return in_shapes, [None, None], list(aux_shapes)
    out = (r[0], d[1], ps[0], ps[1])
    return in_shapes, [out, out], list(aux_shapes)


def _round_half_away(xp, x):
    return xp.sign(x) * xp.floor(xp.abs(x) + 0.5)


def _roi_forward(env, attrs, inputs, aux):
    xp = env.xp
    data, rois = inputs
    N, C, H, W = data.shape
    PH, PW = attrs.pooled_size
    dt = data.dtype
    rois = rois.astype(dt, copy=False)
    scale = dt.type(attrs.spatial_scale)
    b = xp.clip(rois[:, 0].astype(np.int64), 0, N - 1)
    x1, y1, x2, y2 = (_round_half_away(xp, rois[:, k] * scale).astype(np.int64) for k in (1, 2, 3, 4))
    rh = xp.maximum(y2 - y1 + 1, 1).astype(dt)
    rw = xp.maximum(x2 - x1 + 1, 1).astype(dt)
    bh = rh / dt.type(PH)
    bw = rw / dt.type(PW)
    ph = xp.arange(PH, dtype=dt)
    pw = xp.arange(PW, dtype=dt)
    hs = xp.clip(xp.floor(ph[None, :] * bh[:, None]).astype(np.int64) + y1[:, None], 0, H)
    he = xp.clip(xp.ceil((ph[None, :] + 1) * bh[:, None]).astype(np.int64) + y1[:, None], 0, H)
    ws = xp.clip(xp.floor(pw[None, :] * bw[:, None]).astype(np.int64) + x1[:, None], 0, W)
    we = xp.clip(xp.ceil((pw[None, :] + 1) * bw[:, None]).astype(np.int64) + x1[:, None], 0, W)
    R = rois.shape[0]
    best = xp.full((R, PH, PW, C), -np.inf, dtype=dt)
    arg = xp.full((R, PH, PW, C), -1, dtype=np.int64)
    maxh = int((he - hs).max()) if R else 0
    maxw = int((we - ws).max()) if R else 0
    bi = b[:, None, None]
    for dh in range(maxh):
        hh = hs + dh
        vh = hh < he
        hc = xp.minimum(hh, H - 1)[:, :, None]
        for dw in range(maxw):
            ww = ws + dw
            valid = (vh[:, :, None] & (ww < we)[:, None, :])[..., None]
            wc = xp.minimum(ww, W - 1)[:, None, :]
            v = data[bi, :, hc, wc]                              # (R, PH, PW, C)
            better = valid & (v > best)
            best = xp.where(better, v, best)
            arg = xp.where(better, (hc * W + wc)[..., None], arg)
    empty = arg < 0
    best = xp.where(empty, dt.type(0), best)
    out = xp.ascontiguousarray(best.transpose(0, 3, 1, 2))
    maxidx = xp.ascontiguousarray(arg.transpose(0, 3, 1, 2)).astype(dt)
    return out, maxidx


def _roi_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    data, rois = inputs
    N, C, H, W = data.shape
    arg = outputs[1].astype(np.int64)
    g = out_grads[0]
    b = xp.clip(rois[:, 0].astype(np.int64), 0, N - 1)
    valid = arg >= 0
    base = (b[:, None] * C + xp.arange(C)[None, :]) * (H * W)           # (R, C)
    idx = xp.where(valid, base[:, :, None, None] + arg, 0)
    w = xp.where(valid, g, 0)
    gd = _bincount(xp, idx, w, N * C * H * W, data.dtype).reshape(data.shape)
    return [gd, xp.zeros_like(rois)]


register(OpDef(
    "ROIPooling", _roi_forward,
    params=(Param("pooled_size", Shape, doc="ROI pooling output shape (h,w) "),
            Param("spatial_scale", Float, doc="Ratio of input feature map height (or w) to raw image height "
                  "(or w). Equals the reciprocal of total stride in convolutional layers")),
    inputs=("data", "rois"), outputs=("output", "maxidx"), num_visible_outputs=1,
    infer_shape=_plain(_roi_infer_full), infer_shape_full=_roi_infer_full,
    infer_type=_float_types("ROIPooling", ("data", "rois"), nout=2),
    backward=_roi_backward,
    doc="Performs region of interest(ROI) pooling on the input array."))

# -- GridGenerator -----------------------------------------------------------------------------


def _target(name, attrs):
    ts = attrs.target_shape
    if len(ts) != 2 or ts[0] <= 0 or ts[1] <= 0:
        raise MXNetError("{}: incorrect target_shape {}: two positive ints (height, width) are required".format(
            name, tuple(ts)))
    return ts


def _grid_infer_full(attrs, in_shapes, aux_shapes):
    d = in_shapes[0]
    if d is None:
        return list(in_shapes), [None], list(aux_shapes)
    if attrs.transform_type == "affine":
        if len(d) != 2 or d[1] != 6:
            raise MXNetError("GridGenerator: affine data must have shape (batch, 6), got {}".format(_shape_str(d)))
        h, w = _target("GridGenerator", attrs)
        return list(in_shapes), [(d[0], 2, h, w)], list(aux_shapes)
    if len(d) != 4 or d[1] != 2:
        raise MXNetError("GridGenerator: warp data must have shape (batch, 2, height, width), got {}".format(
            _shape_str(d)))
    return list(in_shapes), [tuple(d)], list(aux_shapes)


def _dst_grid(xp, h, w, dt):
    """(3, h*w): normalised x, y and ones of every target pixel (row-major)."""
    xs = xp.arange(w, dtype=dt) * dt.type(2.0 / (w - 1) if w > 1 else 0) - 1
    ys = xp.arange(h, dtype=dt) * dt.type(2.0 / (h - 1) if h > 1 else 0) - 1
    g = xp.empty((3, h, w), dtype=dt)
    g[0] = xs[None, :]
    g[1] = ys[:, None]
    g[2] = 1
    return g.reshape(3, h * w)


def _affine_grid(xp, theta, h, w):
    dt = theta.dtype
    n = theta.shape[0]
    return (theta.reshape(n, 2, 3) @ _dst_grid(xp, h, w, dt)).reshape(n, 2, h, w)


def _affine_grid_backward(xp, g, h, w):
    n = g.shape[0]
    return (g.reshape(n, 2, h * w) @ _dst_grid(xp, h, w, g.dtype).T).reshape(n, 6)


def _warp_scale(dt, h, w):
    return (dt.type(2.0 / (w - 1) if w > 1 else 0), dt.type(2.0 / (h - 1) if h > 1 else 0))


def _grid_forward(env, attrs, inputs, aux):
    xp = env.xp
    x = inputs[0]
    if attrs.transform_type == "affine":
        h, w = _target("GridGenerator", attrs)
        return (_affine_grid(xp, x, h, w),)
    n, _, h, w = x.shape
    sx, sy = _warp_scale(x.dtype, h, w)
    out = xp.empty_like(x)
    out[:, 0] = (x[:, 0] + xp.arange(w, dtype=x.dtype)[None, None, :]) * sx - 1
    out[:, 1] = (x[:, 1] + xp.arange(h, dtype=x.dtype)[None, :, None]) * sy - 1
    return (out,)


def _grid_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x, g = inputs[0], out_grads[0].astype(inputs[0].dtype, copy=False)
    if attrs.transform_type == "affine":
        h, w = _target("GridGenerator", attrs)
        return [_affine_grid_backward(xp, g, h, w)]
    _, _, h, w = x.shape
    sx, sy = _warp_scale(x.dtype, h, w)
    gx = xp.empty_like(x)
    gx[:, 0] = g[:, 0] * sx
    gx[:, 1] = g[:, 1] * sy
    return [gx]


register(OpDef(
    "GridGenerator", _grid_forward,
    params=(Param("transform_type", Enum("affine", "warp"), doc="The type of transformation. For `affine`, "
                  "input data should be an affine matrix of size (batch, 6). For `warp`, input data should be an "
                  "optical flow of size (batch, 2, h, w)."),
            Param("target_shape", Shape, (0, 0), "Specifies the output shape (H, W). This is required if "
                  "transformation type is `affine`. If transformation type is `warp`, this parameter is ignored.")),
    infer_shape=_plain(_grid_infer_full), infer_shape_full=_grid_infer_full,
    infer_type=_float_types("GridGenerator", ("data",)), backward=_grid_backward,
    doc="Generates 2D sampling grid for bilinear sampling."))

# -- BilinearSampler ---------------------------------------------------------------------------


def _sampler_infer_full(attrs, in_shapes, aux_shapes):
    d, g = in_shapes[0], in_shapes[1]
    _need_4d("BilinearSampler", "data", d)
    if g is not None and (len(g) != 4 or g[1] != 2):
        raise MXNetError("BilinearSampler: grid must have shape (batch, 2, height, width), got {}".format(
            _shape_str(g)))
    if d is None or g is None:
        return list(in_shapes), [None], list(aux_shapes)
    if d[0] != g[0]:
        raise MXNetError("BilinearSampler: batch size mismatch: data {} and grid {}".format(tuple(d), tuple(g)))
    return list(in_shapes), [(d[0], d[1], g[2], g[3])], list(aux_shapes)


def _corners(xp, data, grid):
    """The four neighbours of every sampling point: list of (y, x, weight, valid), plus x0/y0 weights."""
    N, C, H, W = data.shape
    dt = data.dtype
    x = (grid[:, 0] + 1) * dt.type((W - 1) / 2.0)
    y = (grid[:, 1] + 1) * dt.type((H - 1) / 2.0)
    x0f = xp.floor(x)
    y0f = xp.floor(y)
    wx0 = 1 - (x - x0f)
    wy0 = 1 - (y - y0f)
    x0 = x0f.astype(np.int64)
    y0 = y0f.astype(np.int64)
    out = []
    for dy, wy in ((0, wy0), (1, 1 - wy0)):
        for dx, wx in ((0, wx0), (1, 1 - wx0)):
            yi, xi = y0 + dy, x0 + dx
            valid = (xi >= 0) & (xi <= W - 1) & (yi >= 0) & (yi <= H - 1)
            out.append((xp.clip(yi, 0, H - 1), xp.clip(xi, 0, W - 1), wy * wx, valid))
    return out, wx0, wy0


def _gather(xp, data, yi, xi):
    """data[n, :, yi[n,h,w], xi[n,h,w]] as (N, C, Ho, Wo)."""
    n = xp.arange(data.shape[0])[:, None, None]
    return xp.moveaxis(data[n, :, yi, xi], -1, 1)


def _bilinear(xp, data, grid):
    grid = grid.astype(data.dtype, copy=False)
    corners, _, _ = _corners(xp, data, grid)
    out = None
    for yi, xi, w, valid in corners:
        term = _gather(xp, data, yi, xi) * xp.where(valid, w, 0)[:, None]
        out = term if out is None else out + term
    return out


def _bilinear_backward(xp, data, grid, g, need_data=True, need_grid=True):
    N, C, H, W = data.shape
    dt = data.dtype
    grid = grid.astype(dt, copy=False)
    g = g.astype(dt, copy=False)
    corners, wx0, wy0 = _corners(xp, data, grid)
    gdata = ggrid = None
    if need_data:
        base = ((xp.arange(N)[:, None] * C + xp.arange(C)[None, :]) * (H * W))[:, :, None, None]
        idx = xp.concatenate([(base + (yi * W + xi)[:, None]).reshape(-1) for yi, xi, _, _ in corners])
        wts = xp.concatenate([(g * xp.where(valid, w, 0)[:, None]).reshape(-1) for _, _, w, valid in corners])
        gdata = _bincount(xp, idx, wts, N * C * H * W, dt).reshape(data.shape)
    if need_grid:
        v = [(_gather(xp, data, yi, xi) * g).sum(axis=1) * valid for yi, xi, _, valid in corners]
        tl, tr, bl, br = v
        wx1, wy1 = 1 - wx0, 1 - wy0
        # d out / d x: corners weighted by d(wx)/dx = -1 (left) or +1 (right); same for y
        gx = (tr - tl) * wy0 + (br - bl) * wy1
        gy = (bl - tl) * wx0 + (br - tr) * wx1
        ggrid = xp.stack([gx * dt.type((W - 1) / 2.0), gy * dt.type((H - 1) / 2.0)], axis=1)
    return gdata, ggrid


def _sampler_forward(env, attrs, inputs, aux):
    return (_bilinear(env.xp, inputs[0], inputs[1]),)


def _sampler_backward(env, attrs, inputs, outputs, out_grads, req):
    gd, gg = _bilinear_backward(env.xp, inputs[0], inputs[1], out_grads[0], req[0], req[1])
    return [gd, None if gg is None else gg.astype(inputs[1].dtype, copy=False)]


register(OpDef(
    "BilinearSampler", _sampler_forward,
    params=(Param("cudnn_off", BoolOrNone, None, "whether to turn cudnn off"),),
    inputs=("data", "grid"),
    infer_shape=_plain(_sampler_infer_full), infer_shape_full=_sampler_infer_full,
    infer_type=_float_types("BilinearSampler", ("data", "grid")), backward=_sampler_backward,
    doc="Applies bilinear sampling to input feature map."))

# -- SpatialTransformer ------------------------------------------------------------------------


def _st_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    _need_4d("SpatialTransformer", "data", d)
    loc = in_shapes[1]
    if loc is not None and (len(loc) != 2 or loc[1] != 6):
        raise MXNetError("SpatialTransformer: loc must have shape (batch, 6), got {}".format(_shape_str(loc)))
    h, w = _target("SpatialTransformer", attrs)
    if d is None:
        return in_shapes, [None], list(aux_shapes)
    _fill("SpatialTransformer", in_shapes, 1, "loc", (d[0], 6), "(an affine matrix per image of data {})".format(
        tuple(d)))
    return in_shapes, [(d[0], d[1], h, w)], list(aux_shapes)


def _st_forward(env, attrs, inputs, aux):
    xp = env.xp
    data, loc = inputs
    h, w = _target("SpatialTransformer", attrs)
    return (_bilinear(xp, data, _affine_grid(xp, loc.astype(data.dtype, copy=False), h, w)),)


def _st_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    data, loc = inputs
    h, w = _target("SpatialTransformer", attrs)
    grid = _affine_grid(xp, loc.astype(data.dtype, copy=False), h, w)
    gd, gg = _bilinear_backward(xp, data, grid, out_grads[0], req[0], req[1])
    gl = None if gg is None else _affine_grid_backward(xp, gg, h, w).astype(loc.dtype, copy=False)
    return [gd, gl]


register(OpDef(
    "SpatialTransformer", _st_forward,
    params=(Param("target_shape", Shape, (0, 0), "output shape(h, w) of spatial transformer: (y, x)"),
            Param("transform_type", Enum("affine"), doc="transformation type"),
            Param("sampler_type", Enum("bilinear"), doc="sampling type"),
            Param("cudnn_off", BoolOrNone, None, "whether to turn cudnn off")),
    inputs=("data", "loc"),
    infer_shape=_plain(_st_infer_full), infer_shape_full=_st_infer_full,
    infer_type=_float_types("SpatialTransformer", ("data", "loc")), backward=_st_backward,
    doc="Applies a spatial transformer to input feature map."))

# -- Crop --------------------------------------------------------------------------------------


def _crop_box(attrs, dshape, like):
    """(y0, x0, h, w) of the crop of ``dshape`` (like: the shape of data[1] or None)."""
    if attrs.num_args not in (1, 2):
        raise MXNetError("Crop: num_args must be 1 or 2, got {}".format(attrs.num_args))
    if len(dshape) != 4:
        raise MXNetError("Crop: data must be 4-D (batch, channel, height, width), got shape {}".format(tuple(dshape)))
    H, W = dshape[2], dshape[3]
    if attrs.num_args == 2:
        if len(like) != 4:
            raise MXNetError("Crop: the second input must be 4-D, got shape {}".format(tuple(like)))
        h, w = like[2], like[3]
    else:
        if len(attrs.h_w) != 2:
            raise MXNetError("Crop: h_w must be (height, width), got {}".format(attrs.h_w))
        h, w = attrs.h_w
        if h < 1 or w < 1:
            raise MXNetError("Crop: the crop size h_w={} must be positive when num_args=1".format(tuple(attrs.h_w)))
    if h > H or w > W:
        raise MXNetError("Crop: the crop size ({}, {}) exceeds the input's spatial size ({}, {}) of data {}".format(
            h, w, H, W, tuple(dshape)))
    if attrs.center_crop:
        y0, x0 = (H - h) // 2, (W - w) // 2
    else:
        if len(attrs.offset) != 2:
            raise MXNetError("Crop: offset must be (y, x), got {}".format(attrs.offset))
        y0, x0 = attrs.offset
        if y0 < 0 or x0 < 0 or y0 > H - h or x0 > W - w:
            raise MXNetError("Crop: offset {} leaves no room for a ({}, {}) crop of data {}".format(
                tuple(attrs.offset), h, w, tuple(dshape)))
    return y0, x0, h, w


def _crop_infer(attrs, in_shapes):
    d = in_shapes[0]
    y0, x0, h, w = _crop_box(attrs, d, in_shapes[1] if attrs.num_args == 2 else None)
    return [(d[0], d[1], h, w)]


def _crop_forward(env, attrs, inputs, aux):
    x = inputs[0]
    y0, x0, h, w = _crop_box(attrs, x.shape, inputs[1].shape if attrs.num_args == 2 else None)
    return (x[:, :, y0:y0 + h, x0:x0 + w].copy(),)


def _crop_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    y0, x0, h, w = _crop_box(attrs, x.shape, inputs[1].shape if attrs.num_args == 2 else None)
    g = xp.zeros_like(x)
    g[:, :, y0:y0 + h, x0:x0 + w] = out_grads[0]
    return [g] + [xp.zeros_like(v) for v in inputs[1:]]


def _crop_type(attrs, in_dtypes):
    dt = in_dtypes[0]
    if dt is not None and np.dtype(dt).name not in _FLOATS:
        raise MXNetError("Crop: data has dtype {}; floating point data is required".format(np.dtype(dt).name))
    return [dt]


register(OpDef(
    "Crop", _crop_forward,
    params=(Param("num_args", Int, doc="Number of inputs for crop, if equals one, then we will use the h_w"
                  "for crop height and width, else if equals two, then we will use the height"
                  "and width of the second input symbol, we name crop_like here"),
            Param("offset", Shape, (0, 0), "crop offset coordinate: (y, x)"),
            Param("h_w", Shape, (0, 0), "crop height and width: (h, w)"),
            Param("center_crop", Bool, False, "If set to true, then it will use be the center_crop,or it will "
                  "crop using the shape of crop_like")),
    key_var_num_args="num_args",
    infer_shape=_crop_infer, infer_type=_crop_type, backward=_crop_backward,
    doc="Crop the 2nd and 3rd dim of input data, with the corresponding size of h_w or with width and "
        "height of the second input symbol, i.e., with one input, we need h_w to specify the crop "
        "height and width, otherwise the second input symbol's size will be used"))

# -- Correlation -------------------------------------------------------------------------------


def _corr_geometry(attrs, dshape):
    N, C, H, W = dshape
    k, md, s1, s2, pad = attrs.kernel_size, attrs.max_displacement, attrs.stride1, attrs.stride2, attrs.pad_size
    if k < 1 or s1 < 1 or s2 < 1:
        raise MXNetError("Correlation: kernel_size, stride1 and stride2 must be positive, got {}, {}, {}".format(
            k, s1, s2))
    r = (k - 1) // 2
    border = md + r
    Hp, Wp = H + 2 * pad, W + 2 * pad
    th = int(math.ceil(float(Hp - 2 * border) / s1))
    tw = int(math.ceil(float(Wp - 2 * border) / s1))
    if th < 1 or tw < 1:
        raise MXNetError("Correlation cannot be done with current settings: neighborhood and kernel don't fit "
                         "in data of shape {} (kernel_size={}, max_displacement={}, pad_size={})".format(
                             tuple(dshape), k, md, pad))
    rad = md // s2
    return th, tw, rad, 2 * rad + 1


def _corr_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d1, d2 = in_shapes
    _need_4d("Correlation", "data1", d1)
    _need_4d("Correlation", "data2", d2)
    if d1 is None and d2 is None:
        return in_shapes, [None], list(aux_shapes)
    d = d1 if d1 is not None else d2
    _fill("Correlation", in_shapes, 0, "data1", d, "(data1 and data2 must have the same shape)")
    _fill("Correlation", in_shapes, 1, "data2", d, "(data1 and data2 must have the same shape)")
    th, tw, _, gw = _corr_geometry(attrs, d)
    return in_shapes, [(d[0], gw * gw, th, tw)], list(aux_shapes)


def _corr_pad(xp, x, pad, extra):
    """Zero padding of ``pad`` on every side plus ``extra`` at the bottom/right (even kernels)."""
    N, C, H, W = x.shape
    out = xp.zeros((N, C, H + 2 * pad + extra, W + 2 * pad + extra), dtype=x.dtype)
    out[:, :, pad:pad + H, pad:pad + W] = x
    return out


def _corr_windows(attrs, th, tw, rad):
    """Per output channel and kernel offset: the (row, col) slices of data1 and data2."""
    k, md, s1, s2 = attrs.kernel_size, attrs.max_displacement, attrs.stride1, attrs.stride2
    gw = 2 * rad + 1
    for tc in range(gw * gw):
        dx = (tc % gw - rad) * s2
        dy = (tc // gw - rad) * s2
        for h in range(k):
            for w in range(k):
                y1, x1 = md + h, md + w
                sl1 = (slice(y1, y1 + s1 * (th - 1) + 1, s1), slice(x1, x1 + s1 * (tw - 1) + 1, s1))
                sl2 = (slice(y1 + dy, y1 + dy + s1 * (th - 1) + 1, s1),
                       slice(x1 + dx, x1 + dx + s1 * (tw - 1) + 1, s1))
                yield tc, sl1, sl2


def _corr_forward(env, attrs, inputs, aux):
    xp = env.xp
    a, b = inputs
    N, C = a.shape[:2]
    th, tw, rad, gw = _corr_geometry(attrs, a.shape)
    extra = 1 - attrs.kernel_size % 2
    ap = _corr_pad(xp, a, attrs.pad_size, extra)
    bp = _corr_pad(xp, b.astype(a.dtype, copy=False), attrs.pad_size, extra)
    out = xp.zeros((N, gw * gw, th, tw), dtype=a.dtype)
    for tc, sl1, sl2 in _corr_windows(attrs, th, tw, rad):
        p, q = ap[:, :, sl1[0], sl1[1]], bp[:, :, sl2[0], sl2[1]]
        out[:, tc] += (p * q).sum(axis=1) if attrs.is_multiply else xp.abs(p - q).sum(axis=1)
    out /= a.dtype.type(attrs.kernel_size * attrs.kernel_size * C)
    return (out,)


def _corr_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    a, b = inputs
    N, C, H, W = a.shape
    th, tw, rad, gw = _corr_geometry(attrs, a.shape)
    extra = 1 - attrs.kernel_size % 2
    pad = attrs.pad_size
    ap = _corr_pad(xp, a, pad, extra)
    bp = _corr_pad(xp, b.astype(a.dtype, copy=False), pad, extra)
    ga = xp.zeros_like(ap)
    gb = xp.zeros_like(bp)
    g = out_grads[0].astype(a.dtype, copy=False) / a.dtype.type(attrs.kernel_size * attrs.kernel_size * C)
    for tc, sl1, sl2 in _corr_windows(attrs, th, tw, rad):
        gt = g[:, tc][:, None]
        p, q = ap[:, :, sl1[0], sl1[1]], bp[:, :, sl2[0], sl2[1]]
        if attrs.is_multiply:
            ga[:, :, sl1[0], sl1[1]] += gt * q
            gb[:, :, sl2[0], sl2[1]] += gt * p
        else:
            s = gt * xp.sign(p - q)
            ga[:, :, sl1[0], sl1[1]] += s
            gb[:, :, sl2[0], sl2[1]] -= s
    crop = (slice(None), slice(None), slice(pad, pad + H), slice(pad, pad + W))
    return [xp.ascontiguousarray(ga[crop]), xp.ascontiguousarray(gb[crop]).astype(b.dtype, copy=False)]


register(OpDef(
    "Correlation", _corr_forward,
    params=(Param("kernel_size", _NonNegInt, 1, "kernel size for Correlation must be an odd number"),
            Param("max_displacement", _NonNegInt, 1, "Max displacement of Correlation "),
            Param("stride1", _NonNegInt, 1, "stride1 quantize data1 globally"),
            Param("stride2", _NonNegInt, 1, "stride2 quantize data2 within the neighborhood centered around data1"),
            Param("pad_size", _NonNegInt, 0, "pad for Correlation"),
            Param("is_multiply", Bool, True, "operation type is either multiplication or subduction")),
    inputs=("data1", "data2"),
    infer_shape=_plain(_corr_infer_full), infer_shape_full=_corr_infer_full,
    infer_type=_float_types("Correlation", ("data1", "data2")), backward=_corr_backward,
    doc="Applies correlation to inputs."))
