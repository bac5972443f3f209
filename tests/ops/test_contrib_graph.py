"""DGL graph operators of ops/contrib_graph.py (and the csr kernel of ``_contrib_dgl_adjacency``).

Deterministic results (subgraph, compact, adjacency, and the samplers when every vertex has at
most num_neighbor edges) are compared with MXNet 1.9.1 outputs written here as constants, and
with a plain-Python breadth-first reference; random sampling is checked through invariants and
a seeded frequency test against the exact probabilities of drawing without replacement. MXNet
leaves the samplers' padding uninitialised: only the valid part is compared with it.
"""
import itertools
import math

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op

I64 = np.int64


def csr(data, indices, indptr, shape):
    return mx.nd.sparse.csr_matrix((np.array(data, I64), np.array(indices, I64), np.array(indptr, I64)),
                                   shape=shape)


def parts(c):
    assert c.stype == "csr"
    return c.shape, c.indptr.asnumpy().tolist(), c.indices.asnumpy().tolist(), c.data.asnumpy().tolist()


def ids(*vals):
    return mx.nd.array(vals, dtype=I64)


# a 6-vertex graph, edge ids 0 .. 10 in storage order (edge 0 is 0 -> 1); the columns of each row:
# 0: [1, 2], 1: [0], 2: [3, 4, 1] (unsorted), 3: [5, 0], 4: [2], 5: [3, 4]
G6 = ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 0, 3, 4, 1, 5, 0, 2, 3, 4], [0, 2, 3, 6, 8, 9, 11], (6, 6))


def g6():
    return csr(*G6)


# -- MXNet's docstring examples ---------------------------------------------------------------------

def _doc_graph():
    return csr(range(1, 21), [1, 2, 3, 4, 0, 2, 3, 4, 0, 1, 3, 4, 0, 1, 2, 4, 0, 1, 2, 3],
               [0, 4, 8, 12, 16, 20], (5, 5))


def test_uniform_sample_doc_example():
    # MXNet 1.9.1 runs the documented call (max_num_vertices=5 = the number of seeds) this way: the
    # seeds fill the vertex budget, so no vertex is expanded and the sampled graph has no edge
    out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(_doc_graph(), ids(0, 1, 2, 3, 4), num_args=2,
                                                        num_hops=1, num_neighbor=2, max_num_vertices=5)
    assert len(out) == 3
    assert out[0].dtype == I64 and out[0].asnumpy().tolist() == [0, 1, 2, 3, 4, 5]
    assert parts(out[1]) == ((5, 5), [0] * 6, [], [])
    assert out[2].asnumpy().tolist() == [0] * 5


def test_subgraph_doc_example():
    x = np.array([[1, 0, 0, 2], [3, 0, 4, 0], [0, 5, 0, 0], [0, 6, 7, 0]], I64)
    g = mx.nd.array(x, dtype=I64).tostype("csr")
    new, old = mx.nd.contrib.dgl_subgraph(g, ids(0, 1, 2), return_mapping=True)
    assert parts(new) == ((3, 3), [0, 1, 3, 4], [0, 0, 2, 1], [0, 1, 2, 3])     # MXNet 1.9.1
    assert parts(old) == ((3, 3), [0, 1, 3, 4], [0, 0, 2, 1], [1, 3, 4, 5])
    one = mx.nd.contrib.dgl_subgraph(g, ids(0, 1, 2), return_mapping=False)
    assert isinstance(one, mx.nd.sparse.CSRNDArray) and parts(one) == parts(new)


def test_adjacency_keeps_edge_id_zero():
    out = mx.nd.contrib.dgl_adjacency(g6())
    assert out.stype == "csr" and out.dtype == np.float32
    assert parts(out) == ((6, 6), G6[2], G6[1], [1.0] * 11)                   # MXNet 1.9.1
    assert out.asnumpy()[0, 1] == 1.0                                        # edge id 0
    rect = mx.nd.contrib.dgl_adjacency(csr([0, 1, 2], [1, 0, 2], [0, 1, 3], (2, 3)))
    assert rect.asnumpy().tolist() == [[0, 1, 0], [1, 0, 1]]
    # dense input: the registry kernel (zeros are no edges there)
    dense = mx.nd.contrib.dgl_adjacency(mx.nd.array([[0, 3], [4, 0]]))
    assert dense.stype == "default" and dense.asnumpy().tolist() == [[0, 1], [1, 0]]


def test_edge_id_finds_edge_id_zero():
    # MXNet 1.9.1 on G6 (row 2 stores its columns unsorted): edge 0 -> 1 is edge id 0
    u = ids(0, 0, 2, 2, 2, 3, 5, 1, 4, 0)
    v = ids(1, 2, 3, 4, 1, 0, 4, 1, 2, 0)
    out = mx.nd.contrib.edge_id(g6(), u, v)
    assert out.stype == "default" and out.dtype == I64
    assert out.asnumpy().tolist() == [0, 1, 3, 4, 5, 7, 10, -1, 8, -1]
    # float ids truncate toward zero (MXNet 1.9.1: [0, -1, 5])
    gf = mx.nd.sparse.csr_matrix((np.array(G6[0], np.float32), np.array(G6[1], I64), np.array(G6[2], I64)),
                                 shape=G6[3])
    out = mx.nd.contrib.edge_id(gf, mx.nd.array([0, 0.9, 2.5]), mx.nd.array([1, 0.2, 1.7]))
    assert out.dtype == np.float32 and out.asnumpy().tolist() == [0, -1, 5]
    # vertices out of range have no edge (MXNet reads out of bounds)
    assert mx.nd.contrib.edge_id(g6(), ids(-1, 6, 0), ids(1, 0, 6)).asnumpy().tolist() == [-1, -1, -1]
    # a row storing a column twice: the first one stored (MXNet's linear search)
    dup = csr([4, 9, 5], [1, 1, 0], [0, 2, 3], (2, 2))
    assert mx.nd.contrib.edge_id(dup, ids(0, 1), ids(1, 0)).asnumpy().tolist() == [4, 5]
    # dense input: the registry kernel (zeros are no edges there)
    dense = mx.nd.contrib.edge_id(mx.nd.array([[0, 3], [4, 0]]), mx.nd.array([0, 0]), mx.nd.array([0, 1]))
    assert dense.asnumpy().tolist() == [-1, 3]


def test_getnnz_counts_stored_zeros():
    # MXNet 1.9.1 counts every stored value, the explicit 0 (edge id 0) included
    out = mx.nd.contrib.getnnz(g6())
    assert out.dtype == I64 and out.asnumpy().tolist() == [11]
    assert mx.nd.contrib.getnnz(g6(), axis=1).asnumpy().tolist() == [2, 1, 3, 2, 1, 2]
    rect = csr([0, 5], [3, 0], [0, 1, 2], (2, 4))
    assert mx.nd.contrib.getnnz(rect).asnumpy().tolist() == [2]
    assert mx.nd.contrib.getnnz(rect, axis=1).asnumpy().tolist() == [1, 1]
    assert mx.nd.contrib.getnnz(mx.nd.sparse.zeros("csr", (3, 3)), axis=1).asnumpy().tolist() == [0, 0, 0]
    assert mx.nd.contrib.getnnz(mx.nd.array([[0, 3], [4, 0]])).asnumpy().tolist() == [2]   # dense: non-zeros
    for axis in (-1, 2, -2):           # MXNet 1.9.1's message
        with pytest.raises(mx.base.MXNetError, match=r"Unexpected value for axis\({}\)\. Candidates are None, "
                           r"0, and 1".format(axis)):
            mx.nd.contrib.getnnz(g6(), axis=axis)
    with pytest.raises(mx.base.MXNetError, match="getnnz with axis = 0 is not supported yet"):
        mx.nd.contrib.getnnz(g6(), axis=0).asnumpy()


# -- outputs checked against MXNet 1.9.1 -------------------------------------------------------------

def test_uniform_sample_matches_mxnet_when_deterministic():
    # every vertex has at most 3 edges: num_neighbor=3 takes them all, no random choice is made
    out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g6(), ids(0), ids(3, 5, 3), num_hops=2, num_neighbor=3,
                                                        max_num_vertices=6)
    assert len(out) == 6 and [o.stype for o in out] == ["default"] * 2 + ["csr"] * 2 + ["default"] * 2
    assert out[0].asnumpy().tolist() == [0, 1, 2, 3, 4, -1, 5]
    assert out[1].asnumpy().tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert parts(out[2]) == ((6, 6), [0, 2, 3, 6, 6, 6, 6], [1, 2, 0, 3, 4, 1], [0, 1, 2, 3, 4, 5])
    assert parts(out[3]) == ((6, 6), [0, 2, 2, 2, 4, 4, 6], [1, 2, 5, 0, 3, 4], [0, 1, 6, 7, 9, 10])
    assert out[4].asnumpy().tolist() == [0, 1, 1, 2, 2, -1]
    assert out[5].asnumpy().tolist() == [1, 2, 2, 0, 1, 0]
    # one hop, a budget of 4 vertices: the seeds' neighbours stop at 4, the last ones are not expanded
    out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g6(), ids(0), ids(3, 5, 3), num_hops=1, num_neighbor=3,
                                                        max_num_vertices=4)
    assert out[0].asnumpy().tolist() == [0, 1, 2, -1, 3] and out[1].asnumpy().tolist() == [0, 3, 4, 5, 4]
    assert parts(out[2]) == ((4, 6), [0, 2, 2, 2, 2], [1, 2], [0, 1])
    assert parts(out[3]) == ((4, 6), [0, 0, 2, 2, 4], [5, 0, 3, 4], [6, 7, 9, 10])
    assert out[4].asnumpy().tolist()[:3] == [0, 1, 1] and out[5].asnumpy().tolist() == [1, 0, 1, 0]
    # a budget of 3: truncated while expanding
    out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g6(), ids(0), ids(3, 5, 3), num_hops=3, num_neighbor=3,
                                                        max_num_vertices=3)
    assert out[0].asnumpy().tolist() == [0, 1, 2, 3] and out[1].asnumpy().tolist() == [0, 3, 5, 3]
    assert parts(out[2]) == ((3, 6), [0, 2, 2, 2], [1, 2], [0, 1])
    assert parts(out[3]) == ((3, 6), [0, 0, 2, 2], [5, 0], [6, 7])
    assert out[4].asnumpy().tolist() == [0, 1, 1] and out[5].asnumpy().tolist() == [1, 0, 0]


def test_non_uniform_sample_and_compact_match_mxnet():
    prob = mx.nd.array([0.5, 0.25, 1, 2, 0.125, 4])
    out = mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(g6(), prob, ids(3, 5, 3), num_hops=2, num_neighbor=3,
                                                            max_num_vertices=6)
    assert len(out) == 4 and [o.dtype for o in out] == [I64, I64, np.float32, I64]
    assert out[0].asnumpy().tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert parts(out[1]) == ((6, 6), [0, 2, 2, 2, 4, 4, 6], [1, 2, 5, 0, 3, 4], [0, 1, 6, 7, 9, 10])
    assert out[2].asnumpy().tolist() == [0.5, 0.25, 1.0, 2.0, 0.125, 4.0]
    assert out[3].asnumpy().tolist() == [1, 2, 2, 0, 1, 0]
    comp = mx.nd.contrib.dgl_graph_compact(out[1], out[0], graph_sizes=(6,), return_mapping=False)
    assert parts(comp) == ((6, 6), [0, 2, 2, 2, 4, 4, 6], [1, 2, 5, 0, 3, 4], [0, 1, 2, 3, 4, 5])


def test_compact_several_graphs_matches_mxnet():
    out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g6(), ids(0), ids(3, 5, 3), num_hops=2, num_neighbor=3,
                                                        max_num_vertices=6)
    sizes = (int(out[0].asnumpy()[-1]), int(out[1].asnumpy()[-1]))
    assert sizes == (5, 6)
    res = mx.nd.contrib.dgl_graph_compact(out[2], out[3], out[0], out[1], graph_sizes=sizes, return_mapping=True)
    assert len(res) == 4
    assert parts(res[0]) == ((5, 5), [0, 2, 3, 6, 6, 6], [1, 2, 0, 3, 4, 1], [0, 1, 2, 3, 4, 5])
    assert parts(res[1]) == ((6, 6), [0, 2, 2, 2, 4, 4, 6], [1, 2, 5, 0, 3, 4], [0, 1, 2, 3, 4, 5])
    # MXNet never fills the mapping outputs (they read as all zeros): empty csr matrices here
    for r, n in zip(res[2:], sizes):
        assert r.shape == (n, n) and r.data.shape == (0,) and not r.asnumpy().any()


def test_compact_renumbers_columns():
    # vertex array [0, 1, 5, 3(pad), -7(pad), count 3]; columns are parent ids 5, 0, 5, 1 (MXNet 1.9.1)
    sub = csr([11, 12, 13, 14], [5, 0, 5, 1], [0, 2, 2, 4, 4, 4], (5, 8))
    out = mx.nd.contrib.dgl_graph_compact(sub, ids(0, 1, 5, 3, -7, 3), graph_sizes=(3,), return_mapping=False)
    assert parts(out) == ((3, 3), [0, 2, 2, 4], [2, 0, 2, 1], [0, 1, 2, 3])


def test_subgraph_matches_mxnet():
    new0, new1, old0, old1 = mx.nd.contrib.dgl_subgraph(g6(), ids(0, 2, 3), ids(1, 4, 5), return_mapping=True)
    assert parts(new0) == ((3, 3), [0, 1, 2, 3], [1, 2, 0], [0, 1, 2])
    assert parts(new1) == ((3, 3), [0, 0, 0, 1], [1], [0])
    assert parts(old0) == ((3, 3), [0, 1, 2, 3], [1, 2, 0], [1, 3, 7])
    assert parts(old1) == ((3, 3), [0, 0, 0, 1], [1], [10])
    # rows keep their storage order; an edge with id 0 is kept
    g = csr([7, 0, 5, 3, 9, 4, 2, 8], [3, 1, 0, 2, 0, 1, 0, 2], [0, 3, 5, 6, 8], (4, 4))
    new, old = mx.nd.contrib.dgl_subgraph(g, ids(0, 1, 3), return_mapping=True)
    assert parts(new) == ((3, 3), [0, 3, 4, 5], [2, 1, 0, 0, 0], [0, 1, 2, 3, 4])
    assert parts(old) == ((3, 3), [0, 3, 4, 5], [2, 1, 0, 0, 0], [7, 0, 5, 9, 2])


# -- a plain-Python breadth-first reference (all edges taken: num_neighbor >= every degree) ----------

def _bfs_reference(indptr, indices, data, seeds, hops, mnv):
    seen, queue = set(), []
    for s in seeds:
        if s not in seen:
            seen.add(s)
            queue.append((s, 0))
    rows, i = {}, 0
    while i < len(queue) and len(seen) < mnv:
        v, level = queue[i]
        i += 1
        if level >= hops:
            continue
        lo, hi = indptr[v], indptr[v + 1]
        rows[v] = (indices[lo:hi], data[lo:hi])
        for c in indices[lo:hi]:
            if len(seen) >= mnv:
                break
            if c not in seen:
                seen.add(c)
                queue.append((c, level + 1))
    queue.sort()
    ptr, cols, vals = [0], [], []
    for v, _ in queue:
        c, d = rows.get(v, ([], []))
        cols += list(c)
        vals += list(d)
        ptr.append(len(cols))
    ptr += [ptr[-1]] * (mnv + 1 - len(ptr))
    return [v for v, _ in queue], [lv for _, lv in queue], ptr, cols, vals


def _random_graph(rs, n, p):
    rows, cols = [], []
    for r in range(n):
        row = [c for c in range(n) if rs.rand() < p]
        rs.shuffle(row)                      # rows need not be sorted
        rows += [r] * len(row)
        cols += row
    indptr = [0]
    for r in range(n):
        indptr.append(indptr[-1] + rows.count(r))
    data = [int(x) for x in rs.permutation(len(cols))]     # edge ids 0 .. nnz-1
    return data, cols, indptr


@pytest.mark.parametrize("seed", range(4))
def test_samplers_match_reference_when_deterministic(seed):
    rs = np.random.RandomState(seed)
    for _ in range(15):
        n = rs.randint(2, 16)
        data, cols, indptr = _random_graph(rs, n, rs.rand() * 0.5)
        g = csr(data, cols, indptr, (n, n))
        seeds = [int(s) for s in rs.choice(n, rs.randint(1, min(n, 4) + 1))]
        mnv, hops = rs.randint(len(seeds), n + 3), rs.randint(0, 4)
        nonuniform = rs.rand() < 0.5
        if nonuniform:
            prob = mx.nd.array(rs.rand(n) + 0.1)
            out = mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(g, prob, mx.nd.array(seeds, dtype=I64),
                                                                    num_hops=hops, num_neighbor=n,
                                                                    max_num_vertices=mnv)
        else:
            out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g, mx.nd.array(seeds, dtype=I64), num_hops=hops,
                                                                num_neighbor=n, max_num_vertices=mnv)
        verts, layers, ptr, c, d = _bfs_reference(indptr, cols, data, seeds, hops, mnv)
        k = len(verts)
        assert out[0].asnumpy().tolist() == verts + [-1] * (mnv - k) + [k]
        assert parts(out[1]) == ((mnv, n), ptr, c, d)
        assert out[-1].asnumpy().tolist() == layers + [-1] * (mnv - k)
        if nonuniform:
            p = prob.asnumpy()
            assert out[2].asnumpy().tolist() == [float(p[v]) for v in verts] + [0.0] * (mnv - k)


# -- random sampling: invariants --------------------------------------------------------------------

def _check_sample(indptr, cols, data, seeds, hops, k, mnv, out_v, sub, out_l):
    n_graph = len(indptr) - 1
    count = int(out_v[-1])
    verts, layers = out_v[:count].tolist(), out_l[:count].tolist()
    assert count <= mnv and verts == sorted(set(verts)) and set(seeds) <= set(verts)
    assert out_v[count:mnv].tolist() == [-1] * (mnv - count) and out_l[count:].tolist() == [-1] * (mnv - count)
    layer = dict(zip(verts, layers))
    assert all(layer[s] == 0 for s in seeds) and all(0 < layer[v] <= max(hops, 0) for v in verts if v not in seeds)
    shape, ptr, scols, sdata = sub
    assert shape == (mnv, n_graph) and ptr[count:] == [ptr[count]] * (mnv + 1 - count)
    truncated = count == mnv
    found_by = {}
    for r, v in enumerate(verts):
        got = list(zip(scols[ptr[r]:ptr[r + 1]], sdata[ptr[r]:ptr[r + 1]]))
        row = list(zip(cols[indptr[v]:indptr[v + 1]], data[indptr[v]:indptr[v + 1]]))
        it = iter(row)
        assert all(e in it for e in got), "row {} is not a subsequence of vertex {}'s edges".format(r, v)
        want = min(len(row), k) if layer[v] < hops else 0
        assert len(got) == want or (truncated and len(got) == 0 and layer[v] < hops)
        for c, _ in got:
            found_by.setdefault(c, []).append(layer[v])
            if not truncated:
                assert c in layer and layer[c] <= layer[v] + 1
    for v in verts:      # a vertex of layer L > 0 was drawn by a vertex of layer L - 1
        if layer[v] > 0:
            assert layer[v] - 1 in found_by.get(v, [])


@pytest.mark.parametrize("nonuniform", [False, True])
def test_random_sampling_invariants(nonuniform):
    rs = np.random.RandomState(7)
    mx.random.seed(11)
    for _ in range(25):
        n = rs.randint(3, 30)
        data, cols, indptr = _random_graph(rs, n, rs.uniform(0.1, 0.6))
        g = csr(data, cols, indptr, (n, n))
        seed_lists = [[int(s) for s in rs.choice(n, rs.randint(1, 4))] for _ in range(rs.randint(1, 3))]
        mnv = rs.randint(max(len(s) for s in seed_lists), n + 2)
        hops, k = rs.randint(1, 4), rs.randint(1, 4)
        seeds = [mx.nd.array(s, dtype=I64) for s in seed_lists]
        if nonuniform:
            w = rs.rand(n) * (rs.rand(n) < 0.8)
            out = mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(g, mx.nd.array(w), *seeds, num_hops=hops,
                                                                    num_neighbor=k, max_num_vertices=mnv)
        else:
            out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g, *seeds, num_hops=hops, num_neighbor=k,
                                                                max_num_vertices=mnv)
        m = len(seeds)
        assert len(out) == (4 if nonuniform else 3) * m
        for j, s in enumerate(seed_lists):
            out_v, sub, out_l = out[j].asnumpy(), parts(out[m + j]), out[-m + j].asnumpy()
            if not nonuniform:
                _check_sample(indptr, cols, data, s, hops, k, mnv, out_v, sub, out_l)
                continue
            # zero-probability neighbours are drawn only when a vertex has at most k neighbours
            shape, ptr, scols, _ = sub
            count = int(out_v[-1])
            for r, v in enumerate(out_v[:count]):
                deg = indptr[v + 1] - indptr[v]
                drawn = scols[ptr[r]:ptr[r + 1]]
                if deg > k:
                    assert all(w[c] > 0 for c in drawn)
                    assert len(drawn) == min(k, sum(w[c] > 0 for c in cols[indptr[v]:indptr[v + 1]])) or \
                        len(drawn) == 0
            assert out[2 * m + j].asnumpy()[:count].tolist() == [np.float32(w[v]) for v in out_v[:count]]
            if all(w[c] > 0 for c in range(n)):
                _check_sample(indptr, cols, data, s, hops, k, mnv, out_v, sub, out_l)


def test_sampling_is_seeded():
    g = csr(*_random_graph(np.random.RandomState(3), 12, 0.6), (12, 12))
    runs = []
    for _ in range(2):
        mx.random.seed(5)
        out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g, ids(0, 4), num_hops=2, num_neighbor=2,
                                                            max_num_vertices=12)
        runs.append((out[0].asnumpy().tolist(), parts(out[1])))
    assert runs[0] == runs[1]


# -- random sampling: frequencies ---------------------------------------------------------------------

STAR = ([10, 11, 12, 13, 14], [3, 1, 5, 2, 4], [0, 5, 5, 5, 5, 5, 5], (6, 6))   # 0 -> 3, 1, 5, 2, 4


def _pair_counts(out, m):
    counts = {}
    for sub in out[m:2 * m]:
        key = tuple(sub.indices.asnumpy().tolist())
        counts[key] = counts.get(key, 0) + 1
    return counts


def _draw_pairs(nonuniform, prob=None, rounds=8, per_call=250):
    mx.random.seed(1)
    counts = {}
    seeds = [ids(0)] * per_call
    for _ in range(rounds):
        if nonuniform:
            out = mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(csr(*STAR), mx.nd.array(prob), *seeds,
                                                                    num_neighbor=2, max_num_vertices=6)
        else:
            out = mx.nd.contrib.dgl_csr_neighbor_uniform_sample(csr(*STAR), *seeds, num_neighbor=2,
                                                                max_num_vertices=6)
        for key, c in _pair_counts(out, per_call).items():
            counts[key] = counts.get(key, 0) + c
    return counts, rounds * per_call


def _close(counts, total, probs):
    for key, p in probs.items():
        got = counts.get(key, 0) / total
        assert abs(got - p) <= 4.5 * math.sqrt(p * (1 - p) / total) + 1e-12, (key, got, p)
    assert set(counts) <= {k for k, p in probs.items() if p > 0}


def test_uniform_sampling_frequencies():
    counts, total = _draw_pairs(False)
    # drawn edges keep their storage order: the pair of positions (i < j) of row 0
    cols = STAR[1]
    _close(counts, total, {(cols[i], cols[j]): 0.1 for i, j in itertools.combinations(range(5), 2)})


def test_non_uniform_sampling_frequencies():
    w = [0.0, 0.5, 0.0, 1.0, 2.0, 0.0]      # neighbours 5 and 2 have probability 0
    counts, total = _draw_pairs(True, w)
    cols = STAR[1]
    total_w = sum(w[c] for c in cols)
    probs = {}
    for i, j in itertools.combinations(range(5), 2):
        a, b = w[cols[i]], w[cols[j]]
        # one draw after the other, without replacement, proportional to the probabilities
        p = a / total_w * b / (total_w - a) + b / total_w * a / (total_w - b) if a and b else 0.0
        probs[(cols[i], cols[j])] = p
    assert abs(sum(probs.values()) - 1) < 1e-12
    _close(counts, total, probs)    # MXNet 1.9.1 drew {3,4} 64%, {1,4} 27%, {1,3} 9% in 400 runs
    # at most num_neighbor edges: all of them, whatever their probabilities
    out = mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(csr(*STAR), mx.nd.array(w), ids(0), num_neighbor=5,
                                                            max_num_vertices=6)
    assert parts(out[1])[2] == [3, 1, 5, 2, 4]


# -- shapes, types, graphs, errors ------------------------------------------------------------------------

def test_symbol_shapes_and_types_match_mxnet():
    g, s, s2, p = (mx.sym.var(n) for n in ("g", "s", "s2", "p"))
    o = mx.sym.contrib.dgl_csr_neighbor_uniform_sample(g, s, s2, num_hops=2, max_num_vertices=7)
    assert o.list_outputs() == ["dgl_csr_neighbor_uniform_sample0_output%d" % i for i in range(6)]
    assert o.infer_shape(g=(10, 10), s=(3,), s2=(2,))[1] == [(8,), (8,), (7, 10), (7, 10), (7,), (7,)]
    assert o.infer_type(g=I64, s=I64, s2=I64)[1] == [I64] * 6
    o = mx.sym.contrib.dgl_csr_neighbor_non_uniform_sample(g, p, s, max_num_vertices=7)
    assert o.list_arguments() == ["g", "p", "s"]
    assert o.infer_shape(g=(10, 10), s=(3,), p=(10,))[1] == [(8,), (7, 10), (7,), (7,)]
    assert o.infer_type(g=I64, s=I64, p=np.float32)[1] == [I64, I64, np.float32, I64]
    o = mx.sym.contrib.dgl_subgraph(g, s, s2, return_mapping=True)
    assert o.infer_shape(g=(10, 10), s=(3,), s2=(2,))[1] == [(3, 3), (2, 2), (3, 3), (2, 2)]
    assert len(mx.sym.contrib.dgl_subgraph(g, s, s2, return_mapping=False).list_outputs()) == 2
    o = mx.sym.contrib.dgl_graph_compact(g, s, return_mapping=False, graph_sizes=(4,))
    assert o.list_outputs() == ["dgl_graph_compact0_output"]
    assert o.infer_shape(g=(10, 10), s=(11,))[1] == [(4, 4)]
    o = mx.sym.contrib.dgl_graph_compact(g, s2, s, p, return_mapping=True, graph_sizes=(4, 5))
    assert o.infer_shape(g=(10, 10), s2=(10, 10), s=(11,), p=(11,))[1] == [(4, 4), (5, 5), (4, 4), (5, 5)]


def test_graph_runs_on_dense_arrays():
    # executors run on dense arrays (as elsewhere in this project): zeros are not edges there
    x = np.array([[1, 0, 0, 2], [3, 0, 4, 0], [0, 5, 0, 0], [0, 6, 7, 0]], I64)
    s = mx.sym.contrib.dgl_subgraph(mx.sym.var("g"), mx.sym.var("v"), return_mapping=True)
    ex = s.bind(mx.cpu(), {"g": mx.nd.array(x, dtype=I64), "v": ids(0, 1, 2)})
    new, old = [o.asnumpy().tolist() for o in ex.forward()]
    assert new == [[0, 0, 0], [1, 0, 2], [0, 3, 0]] and old == [[1, 0, 0], [3, 0, 4], [0, 5, 0]]


def test_csr_ops_under_both_engines(any_engine):
    new, old = mx.nd.contrib.dgl_subgraph(g6(), ids(0, 2, 3), return_mapping=True)
    adj = mx.nd.contrib.dgl_adjacency(new)      # chained on a csr result holding edge id 0
    assert parts(old)[3] == [1, 3, 7] and parts(adj) == ((3, 3), [0, 1, 2, 3], [1, 2, 0], [1.0, 1.0, 1.0])


def test_errors():
    g = g6()
    with pytest.raises(mx.MXNetError, match="max_num_vertices"):
        mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g, ids(0, 1, 2), max_num_vertices=2)
    with pytest.raises(mx.MXNetError, match="int64"):
        mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g, mx.nd.array([0]), max_num_vertices=3)
    with pytest.raises(mx.MXNetError, match="float32"):
        mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(g, mx.nd.ones(6, dtype="float64"), ids(0))
    with pytest.raises(mx.MXNetError, match="probability"):
        mx.nd.contrib.dgl_csr_neighbor_non_uniform_sample(g, mx.nd.ones(5), ids(0))
    with pytest.raises(mx.MXNetError, match="square"):
        mx.nd.contrib.dgl_csr_neighbor_uniform_sample(csr([1], [2], [0, 1, 1], (2, 3)), ids(0))
    with pytest.raises(mx.MXNetError, match="num_args"):
        mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g)
    with pytest.raises(mx.MXNetError, match="lie in"):
        mx.nd.contrib.dgl_csr_neighbor_uniform_sample(g, ids(9))[0].asnumpy()
    with pytest.raises(mx.MXNetError, match="sorted"):
        mx.nd.contrib.dgl_subgraph(g, ids(3, 1), return_mapping=False).asnumpy()
    with pytest.raises(mx.MXNetError, match="int64"):
        mx.nd.contrib.dgl_subgraph(g, mx.nd.array([0, 1]), return_mapping=False)
    with pytest.raises(mx.MXNetError, match="return_mapping"):
        mx.nd.contrib.dgl_subgraph(g, ids(0, 1))
    with pytest.raises(mx.MXNetError, match="graph_sizes says"):
        mx.nd.contrib.dgl_graph_compact(g, ids(0, 1, 2, 3, 4, 5, 3), graph_sizes=(2,),
                                        return_mapping=False).asnumpy()
    with pytest.raises(mx.MXNetError, match="missing"):
        mx.nd.contrib.dgl_graph_compact(g, ids(0, 1, 2, 3, 4, 5, 3), graph_sizes=(3,),
                                        return_mapping=False).asnumpy()
    with pytest.raises(mx.MXNetError, match="length 7"):
        mx.nd.contrib.dgl_graph_compact(g, ids(0, 1, 3), graph_sizes=(3,), return_mapping=False)


def test_registered_like_mxnet():
    for name in ("dgl_csr_neighbor_uniform_sample", "dgl_csr_neighbor_non_uniform_sample", "dgl_subgraph",
                 "dgl_graph_compact", "dgl_adjacency"):
        op = get_op("_contrib_" + name)
        assert getattr(mx.nd.contrib, name).op is op and getattr(mx.sym.contrib, name).op is op
        assert op.csr_forward is not None
