"""Graph operators of MXNet 1.9.1 for DGL (``mx.nd.contrib.dgl_*``): a graph is a square csr
matrix whose row ``u`` stores the edges ``u -> v`` (column ``v``) and whose stored values are
edge ids, counted from 0.

- ``_contrib_dgl_csr_neighbor_uniform_sample`` / ``_contrib_dgl_csr_neighbor_non_uniform_sample``:
  breadth-first neighbourhood sampling from seed vertices;
- ``_contrib_dgl_subgraph``: the subgraph induced by sorted vertex lists;
- ``_contrib_dgl_graph_compact``: renumbers a sampled graph's vertices and edges;
- ``_contrib_dgl_adjacency``, ``_contrib_edge_id`` and ``_contrib_getnnz`` (defined with the dense
  graph helpers in ops/legacy_ops.py) get their csr kernels here: on a CSRNDArray, edge id 0
  is found and stored zeros are counted, as MXNet does.

An explicitly stored 0 is edge id 0, so the kernels are CSR-native (``sparse_ops.csr_kernel``):
on CSRNDArrays they see the stored structure and return csr results with every stored value kept.
In graphs (dense arrays) a dense matrix's zeros are not edges: edge id 0 is lost there.
The work is sequential graph traversal: it runs on the host (NumPy), vectorised per BFS level.

Not like MXNet: MXNet leaves the padding of the samplers' outputs uninitialised; here vertex ids
and layers are padded with -1 and probabilities with 0. ``dgl_graph_compact(return_mapping=True)``
returns its second half of outputs empty, as MXNet does (it never fills them). Checks MXNet makes
by aborting the process (sorted vertex lists, vertices present in the id map...) raise MXNetError.
"""
import numpy as np

from ..backend import to_numpy
from ..base import MXNetError
from .conv import _Bounded
from .params import Param, Int, Bool, Shape
from .registry import OpDef, register, get_op
from .sparse_ops import CSR, csr_kernel

_I64 = np.dtype(np.int64)
_F32 = np.dtype(np.float32)
_NumArgs = _Bounded(Int, 2, "int (at least 2)")


def _out_names(n):
    return ["output"] if n == 1 else ["output%d" % i for i in range(n)]


def _host_graph(g):
    return to_numpy(g.indptr).astype(np.int64), to_numpy(g.indices).astype(np.int64), to_numpy(g.data)


def _dtype_is(name, what, got, want):
    if got is not None and np.dtype(got) != want:
        raise MXNetError("{}: {} must be {}, got {}".format(name, what, want.name, np.dtype(got).name))


def _square(name, shape):
    if len(shape) != 2 or shape[0] != shape[1]:
        raise MXNetError("{}: the graph must be a square 2-D csr matrix, got shape {}".format(name, tuple(shape)))


def _vertex_list(name, shape):
    if len(shape) != 1:
        raise MXNetError("{}: vertex arrays must be 1-D, got shape {}".format(name, tuple(shape)))


# -- neighbourhood sampling -----------------------------------------------------------------------
# MXNet's traversal, reproduced exactly but for the random draws: the seeds (duplicates dropped)
# are queued at layer 0; a queued vertex below layer num_hops is expanded (up to num_neighbor of
# its edges drawn without replacement, all of them if it has no more) while fewer than
# max_num_vertices vertices are collected; its drawn neighbours not seen yet are queued at the
# next layer until max_num_vertices are collected (the expanding vertex keeps all its drawn edges).
# The output lists the collected vertices in increasing id order, row i holding the drawn edges
# of vertex i (in storage order; none for vertices not expanded).

def _draw_edges(rng, indptr, indices, block, k, weights):
    """Edges drawn for each vertex of ``block``: their positions in the graph's index arrays,
    grouped by vertex (block order) and in storage order, and the block index of each."""
    starts = indptr[block]
    deg = indptr[block + 1] - starts
    total = int(deg.sum())
    owner = np.repeat(np.arange(block.size), deg)
    first = np.cumsum(deg) - deg
    pos = np.arange(total, dtype=np.int64) - first[owner] + starts[owner]
    many = deg[owner] > k                 # vertices with more edges than num_neighbor: draw k
    if not many.any():
        return pos, owner
    u = 1.0 - to_numpy(rng.random(total))     # (0, 1]
    if weights is None:
        key = u
    else:
        # Efraimidis-Spirakis: the k largest log(u)/w are a draw without replacement with
        # probabilities proportional to w, one neighbour after another; weight 0 is never drawn
        w = weights[indices[pos]]
        key = np.where(w > 0, np.log(u) / np.where(w > 0, w, 1.0), -np.inf)
    order = np.lexsort((-key, owner))
    rank = np.empty(total, dtype=np.int64)
    rank[order] = np.arange(total) - first[owner[order]]
    keep = ~many | ((rank < k) & (key > -np.inf))
    return pos[keep], owner[keep]


def _sample_one(rng, graph, seeds, a, weights):
    indptr, indices, data = graph
    n = indptr.size - 1
    mnv, k = a.max_num_vertices, a.num_neighbor
    _, first = np.unique(seeds, return_index=True)
    block = seeds[np.sort(first)]
    verts, layers = [block], [np.zeros(block.size, np.int64)]
    seen = np.zeros(n, dtype=bool)
    seen[block] = True
    count = block.size
    ev, ep = [], []               # expanded vertex of each drawn edge, and the edge's position
    level = 0
    while block.size and level < a.num_hops and count < mnv:
        pos, owner = _draw_edges(rng, indptr, indices, block, k, weights)
        cand = indices[pos]
        fresh = ~seen[cand]
        cu, ou = cand[fresh], owner[fresh]
        _, f = np.unique(cu, return_index=True)
        f.sort()
        new, new_owner = cu[f], ou[f]
        cap = mnv - count
        if new.size >= cap:       # full: the vertex adding the last one is the last expanded
            new = new[:cap]
            sel = owner <= new_owner[cap - 1]
            pos, owner = pos[sel], owner[sel]
        ev.append(block[owner])
        ep.append(pos)
        seen[new] = True
        count += new.size
        level += 1
        verts.append(new)
        layers.append(np.full(new.size, level, np.int64))
        block = new
    allv, alll = np.concatenate(verts), np.concatenate(layers)
    order = np.argsort(allv, kind="stable")
    allv, alll = allv[order], alll[order]
    nv = allv.size
    ev = np.concatenate(ev) if ev else np.zeros(0, np.int64)
    ep = np.concatenate(ep) if ep else np.zeros(0, np.int64)
    o = np.argsort(ev, kind="stable")
    ev, ep = ev[o], ep[o]
    sub_ptr = np.zeros(mnv + 1, dtype=np.int64)
    sub_ptr[1:] = np.cumsum(np.bincount(np.searchsorted(allv, ev), minlength=mnv))
    out_v = np.full(mnv + 1, -1, dtype=np.int64)
    out_v[:nv] = allv
    out_v[mnv] = nv
    out_l = np.full(mnv, -1, dtype=np.int64)
    out_l[:nv] = alll
    return out_v, CSR(data[ep], indices[ep], sub_ptr, (mnv, n)), out_l, allv


def _sampler(nonuniform):
    lead = 2 if nonuniform else 1

    def kernel(env, a, inputs):
        xp = env.xp
        name = "_contrib_dgl_csr_neighbor_{}uniform_sample".format("non_" if nonuniform else "")
        graph = _host_graph(inputs[0])
        n = inputs[0].shape[0]
        weights = None
        if nonuniform:
            weights = to_numpy(inputs[1]).astype(np.float64)
            if not np.all(weights >= 0) or not np.all(np.isfinite(weights)):
                raise MXNetError("{}: probabilities must be finite and non-negative".format(name))
        if a.num_neighbor < 0:
            raise MXNetError("{}: num_neighbor must be non-negative, got {}".format(name, a.num_neighbor))
        res = []
        for seeds in inputs[lead:]:
            s = to_numpy(seeds).astype(np.int64)
            if s.size and (s.min() < 0 or s.max() >= n):
                raise MXNetError("{}: seed vertices must lie in [0, {}), got {}".format(name, n, s.tolist()))
            res.append(_sample_one(env.rng, graph, s, a, weights))
        verts = [xp.asarray(r[0]) for r in res]
        subs = [CSR(xp.asarray(r[1].data), xp.asarray(r[1].indices), xp.asarray(r[1].indptr), r[1].shape)
                for r in res]
        layers = [xp.asarray(r[2]) for r in res]
        if not nonuniform:
            return verts + subs + layers
        probs = []
        for r in res:
            p = np.zeros(a.max_num_vertices, dtype=np.float32)
            p[:r[3].size] = weights[r[3]]
            probs.append(xp.asarray(p))
        return verts + subs + probs + layers
    return kernel


def _sampler_shape(nonuniform):
    lead = 2 if nonuniform else 1
    name = "_contrib_dgl_csr_neighbor_{}uniform_sample".format("non_" if nonuniform else "")

    def infer(a, s):
        _square(name, s[0])
        n = s[0][0]
        if nonuniform and tuple(s[1]) != (n,):
            raise MXNetError("{}: probability must have shape ({},) (one per vertex), got {}".format(
                name, n, tuple(s[1])))
        seeds = s[lead:]
        if not seeds:
            raise MXNetError("{}: no seed arrays given".format(name))
        mnv = a.max_num_vertices
        for x in seeds:
            _vertex_list(name, x)
            if x[0] > mnv:
                raise MXNetError("{}: max_num_vertices ({}) must be at least the number of seeds ({})".format(
                    name, mnv, x[0]))
        k = len(seeds)
        shapes = [(mnv + 1,)] * k + [(mnv, n)] * k + [(mnv,)] * k
        return shapes + [(mnv,)] * k if nonuniform else shapes
    return infer


def _sampler_type(nonuniform):
    lead = 2 if nonuniform else 1
    name = "_contrib_dgl_csr_neighbor_{}uniform_sample".format("non_" if nonuniform else "")

    def infer(a, t):
        _dtype_is(name, "the csr matrix (edge ids)", t[0], _I64)
        if nonuniform:
            _dtype_is(name, "probability", t[1], _F32)
        for x in t[lead:]:
            _dtype_is(name, "seed arrays", x, _I64)
        k = len(t) - lead
        return [_I64] * (2 * k) + ([_F32] * k if nonuniform else []) + [_I64] * k
    return infer


_SAMPLE_PARAMS = (Param("num_args", _NumArgs, doc="Number of input NDArray."),
                  Param("num_hops", Int, 1, "Number of hops."),
                  Param("num_neighbor", Int, 2, "Number of neighbor."),
                  Param("max_num_vertices", Int, 100, "Max number of vertices."))


def _register_sampler(nonuniform):
    lead = 2 if nonuniform else 1
    sets = 4 if nonuniform else 3
    first = ("csr_matrix", "probability") if nonuniform else ("csr_matrix",)
    kind = "non_uniform" if nonuniform else "uniform"
    doc = ("Samples subgraphs from a csr graph by breadth-first search from each array of seed vertices, "
           "drawing up to num_neighbor neighbours of each vertex {} (without replacement), for num_hops "
           "layers and at most max_num_vertices vertices. For k seed arrays the outputs are k vertex "
           "arrays (max_num_vertices + 1,) (sampled vertex ids in increasing order, padded with -1; the last "
           "element is their number), k csr matrices (max_num_vertices, N) (row i: the sampled edges of "
           "vertex i, columns are parent vertex ids, values parent edge ids), {}k layer arrays "
           "(max_num_vertices,) (the hop at which each vertex was reached, padded with -1)."
           ).format("with the given probabilities (indexed by vertex)" if nonuniform else "uniformly",
                    "k probability arrays (max_num_vertices,) (each vertex's probability, padded with 0), "
                    if nonuniform else "")
    op = register(OpDef(
        "_contrib_dgl_csr_neighbor_{}_sample".format(kind), None, params=_SAMPLE_PARAMS,
        inputs=lambda a: list(first) + ["seed_arrays%d" % i for i in range(a.num_args - lead)],
        all_inputs=first + ("seed_arrays",), key_var_num_args="num_args",
        outputs=lambda a: _out_names(sets * (a.num_args - lead)),
        infer_shape=_sampler_shape(nonuniform), infer_type=_sampler_type(nonuniform), needs_rng=True,
        doc=doc))
    k_of = lambda a: range(a.num_args - lead, 2 * (a.num_args - lead))    # noqa: E731
    csr_kernel(op, _sampler(nonuniform), lambda a: (0,), k_of)


_register_sampler(False)
_register_sampler(True)


# -- dgl_subgraph ---------------------------------------------------------------------------------

def _subgraph_kernel(env, a, inputs):
    xp = env.xp
    g = inputs[0]
    indptr, indices, data = _host_graph(g)
    n = g.shape[0]
    news, maps = [], []
    for vs in inputs[1:]:
        v = to_numpy(vs).astype(np.int64)
        if v.size and (v.min() < 0 or v.max() >= n):
            raise MXNetError("_contrib_dgl_subgraph: vertex ids must lie in [0, {}), got {}".format(n, v.tolist()))
        if np.any(np.diff(v) < 0):
            raise MXNetError("_contrib_dgl_subgraph: The input vertex list has to be sorted, got {}".format(v.tolist()))
        m = v.size
        lookup = np.full(n, -1, dtype=np.int64)
        lookup[v] = np.arange(m)
        starts = indptr[v]
        deg = indptr[v + 1] - starts
        owner = np.repeat(np.arange(m), deg)
        pos = np.arange(int(deg.sum()), dtype=np.int64) - (np.cumsum(deg) - deg)[owner] + starts[owner]
        cols = lookup[indices[pos]]
        keep = cols >= 0
        ptr = np.zeros(m + 1, dtype=np.int64)
        ptr[1:] = np.cumsum(np.bincount(owner[keep], minlength=m))
        ptr, cols = xp.asarray(ptr), xp.asarray(cols[keep])
        news.append(CSR(xp.arange(cols.shape[0], dtype=np.int64), cols, ptr, (m, m)))
        maps.append(CSR(xp.asarray(data[pos[keep]]), cols, ptr, (m, m)))
    return news + maps if a.return_mapping else news


def _subgraph_shape(a, s):
    _square("_contrib_dgl_subgraph", s[0])
    if len(s) < 2:
        raise MXNetError("_contrib_dgl_subgraph: no vertex arrays given")
    for x in s[1:]:
        _vertex_list("_contrib_dgl_subgraph", x)
        if x[0] == 0:
            raise MXNetError("_contrib_dgl_subgraph: a vertex array is empty")
    shapes = [(x[0], x[0]) for x in s[1:]]
    return shapes * 2 if a.return_mapping else shapes


def _subgraph_type(a, t):
    _dtype_is("_contrib_dgl_subgraph", "the graph (edge ids)", t[0], _I64)
    for x in t[1:]:
        _dtype_is("_contrib_dgl_subgraph", "vertex arrays", x, _I64)
    return [_I64] * ((len(t) - 1) * (2 if a.return_mapping else 1))


_n_sub = lambda a: (a.num_args - 1) * (2 if a.return_mapping else 1)    # noqa: E731
csr_kernel(register(OpDef(
    "_contrib_dgl_subgraph", None,
    params=(Param("num_args", _NumArgs, doc="Number of input arguments, including all symbol inputs."),
            Param("return_mapping", Bool, doc="Return mapping of vid and eid between the subgraph and the "
                  "parent graph.")),
    inputs=lambda a: ["graph"] + ["data%d" % i for i in range(a.num_args - 1)], all_inputs=("graph", "data"),
    key_var_num_args="num_args", outputs=lambda a: _out_names(_n_sub(a)),
    infer_shape=_subgraph_shape, infer_type=_subgraph_type,
    doc="Constructs the subgraph induced by each given (sorted) vertex array of a csr graph: row and column i "
        "stand for vertex v[i]. The first outputs hold new edge ids (0, 1, ... in storage order); with "
        "return_mapping, as many more outputs follow holding the same edges with their parent edge ids.")),
    _subgraph_kernel, lambda a: (0,), lambda a: range(_n_sub(a)))


# -- dgl_graph_compact ----------------------------------------------------------------------------

def _compact_kernel(env, a, inputs):
    xp = env.xp
    ng = a.num_args // 2
    outs = []
    for g, vids, size in zip(inputs[:ng], inputs[ng:], a.graph_sizes):
        indptr, indices, _ = _host_graph(g)
        ids = to_numpy(vids).astype(np.int64)
        if int(ids[-1]) != size:
            raise MXNetError("_contrib_dgl_graph_compact: the vertex array says {} vertices, graph_sizes says {}"
                             .format(int(ids[-1]), size))
        ids = ids[:size]
        if np.any(ids == -1):
            raise MXNetError("_contrib_dgl_graph_compact: vertex id -1 among the first {} vertices".format(size))
        uniq, first = np.unique(ids, return_index=True)      # the first of repeated ids wins
        nnz = int(indptr[size])
        cols = indices[:nnz]
        at = np.minimum(np.searchsorted(uniq, cols), max(uniq.size - 1, 0))
        if nnz and (uniq.size == 0 or np.any(uniq[at] != cols)):
            raise MXNetError("_contrib_dgl_graph_compact: an edge ends at a vertex missing from the vertex array")
        new_cols = first[at] if nnz else np.zeros(0, np.int64)
        outs.append(CSR(xp.arange(nnz, dtype=np.int64), xp.asarray(new_cols.astype(np.int64)),
                        xp.asarray(indptr[:size + 1]), (size, size)))
    if a.return_mapping:       # MXNet allocates these outputs but never fills them
        outs += [CSR(xp.zeros(0, np.int64), xp.zeros(0, np.int64), xp.zeros(s + 1, np.int64), (s, s))
                 for s in a.graph_sizes]
    return outs


def _compact_shape(a, s):
    name = "_contrib_dgl_graph_compact"
    if a.num_args % 2:
        raise MXNetError("{}: num_args must be even (graphs, then as many vertex arrays), got {}".format(
            name, a.num_args))
    ng = a.num_args // 2
    if len(a.graph_sizes) != ng:
        raise MXNetError("{}: graph_sizes has {} entries for {} graphs".format(name, len(a.graph_sizes), ng))
    for g, v, size in zip(s[:ng], s[ng:], a.graph_sizes):
        if len(g) != 2:
            raise MXNetError("{}: graphs must be 2-D csr matrices, got shape {}".format(name, tuple(g)))
        _vertex_list(name, v)
        if v[0] != g[0] + 1:
            raise MXNetError("{}: a graph with {} rows needs a vertex array of length {}, got {}".format(
                name, g[0], g[0] + 1, v[0]))
        if not 0 <= size <= g[0]:
            raise MXNetError("{}: graph size {} out of range for a graph with {} rows".format(name, size, g[0]))
    shapes = [(size, size) for size in a.graph_sizes]
    return shapes * 2 if a.return_mapping else shapes


def _compact_type(a, t):
    for x in t:
        _dtype_is("_contrib_dgl_graph_compact", "graphs and vertex arrays", x, _I64)
    return [_I64] * (len(t) // 2 * (2 if a.return_mapping else 1))


_n_compact = lambda a: a.num_args // 2 * (2 if a.return_mapping else 1)    # noqa: E731
csr_kernel(register(OpDef(
    "_contrib_dgl_graph_compact", None,
    params=(Param("num_args", _NumArgs, doc="Number of input arguments."),
            Param("return_mapping", Bool, doc="Return mapping of vid and eid between the subgraph and the "
                  "parent graph."),
            Param("graph_sizes", Shape, doc="the number of vertices in each graph.")),
    inputs=lambda a: ["graph_data%d" % i for i in range(a.num_args)], all_inputs=("graph_data",),
    key_var_num_args="num_args", outputs=lambda a: _out_names(_n_compact(a)),
    infer_shape=_compact_shape, infer_type=_compact_type,
    doc="Compacts csr graphs made by the neighbour samplers: given the graphs, then their vertex arrays "
        "(sampled ids, last element the count), each graph becomes (graph_size, graph_size) with columns "
        "renumbered to positions in its vertex array and edge ids 0, 1, ... in storage order. With "
        "return_mapping as many empty csr outputs follow (MXNet never fills them).")),
    _compact_kernel, lambda a: range(a.num_args // 2), lambda a: range(_n_compact(a)))


# -- dgl_adjacency: the csr kernel of ops/legacy_ops.py's operator ----------------------------------

def _adjacency_kernel(env, a, inputs):
    g = inputs[0]
    return [CSR(env.xp.ones(g.data.shape, dtype=np.float32), g.indices, g.indptr, g.shape)]


csr_kernel(get_op("_contrib_dgl_adjacency"), _adjacency_kernel, lambda a: (0,), lambda a: (0,),
           dense_forward=False)


# -- edge_id / getnnz: the csr kernels of ops/legacy_ops.py's operators ----------------------------

def _edge_id_kernel(env, a, inputs):
    """data[u[i], v[i]] of each vertex pair: the value stored there (explicit 0 included: edge id
    0), -1 where nothing is stored or the pair is out of range; the first one stored in a row
    that stores a column twice (MXNet's linear search)."""
    g, u, v = inputs
    n, m = g.shape
    indptr, indices, data = _host_graph(g)
    ui = to_numpy(u).astype(np.int64)     # (float ids truncate toward zero, as MXNet casts them)
    vi = to_numpy(v).astype(np.int64)
    out = np.full(ui.shape, -1, dtype=data.dtype)
    if data.size and ui.size:
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        keys = rows * m + indices
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        ok = (ui >= 0) & (ui < n) & (vi >= 0) & (vi < m)
        want = np.where(ok, ui * m + vi, -1)
        pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        hit = ok & (keys[pos] == want)
        out[hit] = data[order[pos[hit]]]
    return [env.xp.asarray(out)]


csr_kernel(get_op("_contrib_edge_id"), _edge_id_kernel, lambda a: (0,), lambda a: ())


def _getnnz_kernel(env, a, inputs):
    """The number of stored values (explicit zeros included), in all or per row (axis=1)."""
    g = inputs[0]
    xp = env.xp
    if a.axis is None:
        return [xp.asarray([g.data.shape[0]], dtype=_I64)]
    return [xp.diff(xp.asarray(g.indptr, dtype=_I64))]


_getnnz = csr_kernel(get_op("_contrib_getnnz"), _getnnz_kernel, lambda a: (0,), lambda a: ())
_getnnz_shape = _getnnz.infer_shape


def _getnnz_axis_shape(a, s):
    if a.axis is not None and a.axis not in (0, 1):
        raise MXNetError("Unexpected value for axis({}). Candidates are None, 0, and 1".format(a.axis))
    return _getnnz_shape(a, s)


_getnnz.infer_shape = _getnnz_axis_shape
