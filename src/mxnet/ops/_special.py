"""Special functions written once against ``xp`` (NumPy has no erf/gamma; SciPy is not a
dependency). erf, erfinv, gamma and gammaln are good to ~1e-15 (erf) / 1e-12 (gamma) in float64,
and float32 inputs are computed in float64 and rounded once, as the C library's functions that
MXNet calls; digamma agrees to about 1e-9."""
import math



def erf(xp, x):
    """Error function to double precision (float32 inputs are computed in float64 and rounded):
    below |x| = 2.5 the positive series ``2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (2n+1)!!``,
    above it ``1 - erfc`` from erfc's continued fraction (fixed term counts: no loop per element)."""
    if x.dtype.kind == "f" and x.dtype.itemsize < 8:
        return erf(xp, x.astype(xp.float64)).astype(x.dtype)
    z = xp.abs(x)
    near = xp.minimum(z, 2.5)
    term = near
    total = near
    two_z2 = 2.0 * near * near
    for n in range(1, 70):
        term = term * two_z2 / (2 * n + 1)
        total = total + term
    small = (2.0 / math.sqrt(math.pi)) * xp.exp(-near * near) * total
    far = xp.maximum(z, 2.5)
    frac = far
    for k in range(80, 0, -1):
        frac = far + (0.5 * k) / frac
    large = 1.0 - xp.exp(-far * far) / (math.sqrt(math.pi) * frac)
    out = xp.where(z < 2.5, small, large)
    return xp.where(x < 0, -out, out)


def erfinv(xp, y):
    """Inverse error function: Giles' single-precision fit refined by two Newton steps."""
    w = -xp.log((1.0 - y) * (1.0 + y))
    ws = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p1 = c + p1 * ws
    wl = xp.sqrt(xp.maximum(w, 5.0)) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p2 = c + p2 * wl
    x = xp.where(w < 5.0, p1, p2) * y
    k = 2.0 / math.sqrt(math.pi)
    for _ in range(2):
        err = erf(xp, x) - y
        x = x - err / (k * xp.exp(-x * x))
    return xp.where(xp.abs(y) >= 1.0, xp.sign(y) * xp.inf, x)


def _lgamma_positive(xp, x):
    """log Gamma(x) for x >= 0.5: shifted up to x >= 10 by the recurrence (a fixed 10 steps
    over the whole array), then Stirling's series to x**-13 (error below 1e-16 there)."""
    shift = xp.zeros_like(x)
    z = x
    for _ in range(10):
        low = z < 10.0
        shift = shift + xp.where(low, xp.log(xp.where(low, z, 1.0)), 0.0)
        z = xp.where(low, z + 1.0, z)
    inv = 1.0 / z
    inv2 = inv * inv
    series = inv * (1.0 / 12 + inv2 * (-1.0 / 360 + inv2 * (1.0 / 1260 + inv2 * (
        -1.0 / 1680 + inv2 * (1.0 / 1188 + inv2 * (-691.0 / 360360 + inv2 / 156))))))
    return (z - 0.5) * xp.log(z) - z + 0.5 * math.log(2 * math.pi) + series - shift


def _in_float64(f):
    """Run ``f`` in float64 and round once to the input's float dtype (the approximation is
    good to ~1e-15 there, so float32 results come out as the C library's)."""
    def wrapped(xp, x):
        if x.dtype.kind != "f" or x.dtype.itemsize >= 8:
            return f(xp, x)
        with xp.errstate(all="ignore"):
            return f(xp, x.astype(xp.float64)).astype(x.dtype)
    wrapped.__doc__ = f.__doc__
    return wrapped


@_in_float64
def gammaln(xp, x):
    """log|Gamma(x)| (Stirling's series after the recurrence; reflection for x < 0.5); +inf at both
    infinities, as C's lgamma."""
    small = x < 0.5
    xs = xp.where(small, 1.0 - x, x)
    lg = _lgamma_positive(xp, xs)
    refl = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * x))) - lg
    return xp.where(xp.isinf(x), xp.inf, xp.where(small, refl, lg))


@_in_float64
def gamma(xp, x):
    """Gamma function (Stirling's series after the recurrence; reflection for x < 0.5); Gamma(+inf) = inf,
    as C's tgamma."""
    small = x < 0.5
    xs = xp.where(small, 1.0 - x, x)
    g = xp.exp(_lgamma_positive(xp, xs))
    return xp.where(x == xp.inf, xp.inf, xp.where(small, math.pi / (xp.sin(math.pi * x) * g), g))


def digamma(xp, x):
    """Digamma psi(x): recurrence up to x >= 6, then the asymptotic series."""
    small = x < 0.5
    y = xp.where(small, 1.0 - x, x)
    acc = xp.zeros_like(y)
    for _ in range(6):
        lo = y < 6.0
        acc = acc - xp.where(lo, 1.0 / y, 0.0)
        y = xp.where(lo, y + 1.0, y)
    inv = 1.0 / y
    inv2 = inv * inv
    series = xp.log(y) - 0.5 * inv - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (
        1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))))
    psi = acc + series
    return xp.where(small, psi - math.pi / xp.tan(math.pi * x), psi)
