"""OpenDP as an independent peer for test/opendp-crosscheck.test.ts (tests only).

Reads one JSON request on stdin, {"queries": [{"kind": ..., ...}, ...]}, answers each
with OpenDP and prints {"opendp": <version>, "results": [...]} on stdout. The version is
pinned in requirements.txt beside this file; the test checks it. OpenDP's integer-domain
Laplace and Gaussian measurements are its exact discrete samplers (CKS20), so they are
the counterparts of src/privacy/discrete-laplace.ts and discrete-gaussian.ts.
"""

import json
import sys
from importlib.metadata import version

import opendp.prelude as dp

dp.enable_features("contrib")

INT = dp.i64


def scalar_space():
    return dp.atom_domain(T=INT), dp.absolute_distance(T=INT)


def vector_space(metric):
    return dp.vector_domain(dp.atom_domain(T=INT)), metric(T=INT)


def laplace(q):
    """Scale OpenDP picks for an integer query of L1 sensitivity d at epsilon, and what it charges for ours.

    JSON numbers arrive as int or float; OpenDP infers its types from Python's, so each is cast.
    """
    d, eps, ours = int(q["sensitivity"]), float(q["epsilon"]), float(q["scale"])
    searched = dp.binary_search_param(lambda s: dp.m.make_laplace(*scalar_space(), scale=s), d_in=d, d_out=eps)
    return {
        "scale": searched,
        "epsilonAtOurScale": dp.m.make_laplace(*scalar_space(), scale=ours).map(d),
        # The C groups of one user as a vector with L1 distance C x bound: the same charge.
        "epsilonAtOurScaleVector": dp.m.make_laplace(*vector_space(dp.l1_distance), scale=ours).map(d),
        "accuracy95": dp.discrete_laplacian_scale_to_accuracy(scale=ours, alpha=0.05),
    }


def gaussian_approx(sigma, delta):
    zcdp = dp.m.make_gaussian(*scalar_space(), scale=sigma)
    return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), delta)


def gaussian(q):
    """sigma OpenDP picks for (epsilon, delta) through zCDP, and what it charges for ours."""
    d, eps, delta, ours = int(q["sensitivity"]), float(q["epsilon"]), float(q["delta"]), float(q["sigma"])
    searched = dp.binary_search_param(lambda s: gaussian_approx(s, delta), d_in=d, d_out=(eps, delta))
    zcdp = dp.m.make_gaussian(*scalar_space(), scale=ours)
    profile = dp.c.make_zCDP_to_approxDP(zcdp).map(d)
    return {
        "sigma": searched,
        "rhoAtOurSigma": zcdp.map(d),
        "epsilonAtOurSigma": profile.epsilon(delta),
        "deltaAtOurSigma": profile.delta(eps),
        "accuracy95": dp.discrete_gaussian_scale_to_accuracy(scale=ours, alpha=0.05),
    }


def samples(q):
    """n draws of OpenDP's discrete Laplace (scale) or discrete Gaussian (sigma) noise."""
    if q["distribution"] == "laplace":
        m = dp.m.make_laplace(*vector_space(dp.l1_distance), scale=float(q["scale"]))
    else:
        m = dp.m.make_gaussian(*vector_space(dp.l2_distance), scale=float(q["scale"]))
    return m([0] * q["n"])


def threshold_space():
    return dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=INT)), dp.l01inf_distance(dp.absolute_distance(T=INT))


def threshold_map(scale, threshold, groups):
    m = dp.m.make_laplace_threshold(*threshold_space(), scale=scale, threshold=threshold)
    # One user: in at most `groups` keys (l0), +1 in each (l-infinity 1), so L1 = groups.
    return m.map((groups, groups, 1))


def threshold(q):
    """OpenDP's smallest Laplace threshold for delta, and its (epsilon, delta) at ours."""
    scale, groups, delta, ours = float(q["scale"]), int(q["groups"]), float(q["delta"]), int(q["threshold"])
    lo, hi = 1, 2
    while threshold_map(scale, hi, groups)[1] > delta:
        lo, hi = hi, hi * 2
    while lo < hi:  # smallest hi with delta(hi) <= delta; the map is monotone in the threshold
        mid = (lo + hi) // 2
        if threshold_map(scale, mid, groups)[1] <= delta:
            hi = mid
        else:
            lo = mid + 1
    out = {"threshold": hi, "atOurThreshold": list(threshold_map(scale, ours, groups)), "atItsThreshold": list(threshold_map(scale, hi, groups))}
    if q.get("keys"):
        # Run OpenDP's own mechanism at its threshold on keys held by one user each.
        m = dp.m.make_laplace_threshold(*threshold_space(), scale=scale, threshold=hi)
        out["released"] = len(m({str(i): 1 for i in range(q["keys"])}))
    return out


HANDLERS = {"laplace": laplace, "gaussian": gaussian, "samples": samples, "threshold": threshold}


def main():
    request = json.load(sys.stdin)
    results = [HANDLERS[q["kind"]](q) for q in request["queries"]]
    json.dump({"opendp": version("opendp"), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
