#!/usr/bin/python3
"""Reference values for packages/core/src/stats, computed independently with scipy and statsmodels.

Writes packages/core/test/fixtures/stats-reference.json, which the Vitest suites read (they do not
need Python). Regenerate after changing the inputs below:

    apt-get install -y python3-scipy python3-statsmodels python3-pandas   # Debian
    /usr/bin/python3 scripts/stats-reference.py [path/to/hillstrom.csv]

The Hillstrom data defaults to ../shared/data/hillstrom.csv next to the repository.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import optimize, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "packages/core/test/fixtures/stats-reference.json"
HILLSTROM = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/data/hillstrom.csv"

DFS = [0.7, 1, 1.5, 3, 7.3, 30, 100.5, 1e4, 1e6]


def number(value):
    """A plain float for JSON; NaN would not survive the trip, so fail loudly instead."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"non-finite reference value {value}")
    return value


def t_quantile(p, df):
    """scipy's t.ppf, polished by root finding on t.cdf / t.sf: ppf alone is off by ~1e-9 in far tails."""
    if p == 0.5:
        return 0.0
    guess = stats.t.ppf(p, df)
    if p < 0.5:
        gap = lambda t: math.log(stats.t.cdf(t, df)) - math.log(p)
    else:
        gap = lambda t: math.log(stats.t.sf(t, df)) - math.log1p(-p)
    low, high = guess - abs(guess) * 1e-4 - 1e-9, guess + abs(guess) * 1e-4 + 1e-9
    if gap(low) * gap(high) > 0:
        return guess
    return optimize.brentq(gap, low, high, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def distributions():
    normal_cdf = [
        {"x": x, "expected": number(stats.norm.cdf(x))}
        for x in [-37, -30, -20, -10, -6, -3, -1.96, -1, -0.25, 0, 0.3, 1, 1.644853627, 1.96, 3, 5, 8.5]
    ]
    normal_quantile = [
        {"p": p, "expected": number(stats.norm.ppf(p))}
        for p in [1e-300, 1e-50, 1e-10, 1e-6, 0.001, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.999,
                  1 - 1e-6, 1 - 1e-10]
    ]
    t_cdf = [
        {"t": t, "df": df, "expected": number(stats.t.cdf(t, df))}
        for df in DFS
        for t in [-1e4, -50, -10, -3, -2, -1, -0.1, 0, 0.5, 1.5, 2.5, 7]
    ]
    t_ppf = [
        {"p": p, "df": df, "expected": number(t_quantile(p, df))}
        for df in DFS
        for p in [1e-10, 1e-6, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999, 1 - 1e-6]
    ]
    chi_square = [
        {"x": x, "df": df, "expected": number(stats.chi2.sf(x, df))}
        for df in [0.5, 1, 1.5, 2, 3, 10, 100, 1e4]
        for x in [0.001, 0.5, 1, 3.84, 10, 50, 200, 1000, 9800, 10200]
    ]
    return {
        "normalCdf": normal_cdf,
        "normalQuantile": normal_quantile,
        "studentTCdf": t_cdf,
        "studentTQuantile": t_ppf,
        "chiSquareSf": chi_square,
    }


def two_proportion(treatment_n, treatment_successes, control_n, control_successes, confidence=0.95):
    alpha = 1 - confidence
    statistic, p_value = proportions_ztest(
        [treatment_successes, control_successes], [treatment_n, control_n], alternative="two-sided"
    )
    low, high = confint_proportions_2indep(
        treatment_successes, treatment_n, control_successes, control_n,
        method="wald", compare="diff", alpha=alpha,
    )
    treatment_mean = treatment_successes / treatment_n
    control_mean = control_successes / control_n
    z = stats.norm.ppf(1 - alpha / 2)
    treatment_variance = treatment_mean * (1 - treatment_mean) / treatment_n
    control_variance = control_mean * (1 - control_mean) / control_n
    return {
        "treatmentMean": number(treatment_mean),
        "controlMean": number(control_mean),
        "lift": number(treatment_mean - control_mean),
        **relative(treatment_mean, control_mean, treatment_variance, control_variance, z),
        "ci": [number(low), number(high)],
        "statistic": number(statistic),
        "pValue": number(p_value),
    }


def relative(treatment_mean, control_mean, treatment_variance, control_variance, critical):
    """Delta method on the ratio of means: Var(t/c) = Var(t)/c² + t² Var(c)/c⁴."""
    if control_mean == 0:
        return {"liftRelative": None, "relativeCi": None}
    ratio = treatment_mean / control_mean
    spread = critical * math.sqrt(
        treatment_variance / control_mean**2 + treatment_mean**2 * control_variance / control_mean**4
    )
    return {"liftRelative": number(ratio - 1), "relativeCi": [number(ratio - 1 - spread), number(ratio - 1 + spread)]}


def welch_from_stats(treatment, control, confidence=0.95):
    n_t, mean_t, var_t = treatment
    n_c, mean_c, var_c = control
    result = stats.ttest_ind_from_stats(
        mean_t, math.sqrt(var_t), n_t, mean_c, math.sqrt(var_c), n_c, equal_var=False
    )
    return welch_result(result, treatment, control, confidence)


def welch_result(result, treatment, control, confidence):
    n_t, mean_t, var_t = treatment
    n_c, mean_c, var_c = control
    se_t, se_c = var_t / n_t, var_c / n_c
    df = (se_t + se_c) ** 2 / (se_t**2 / (n_t - 1) + se_c**2 / (n_c - 1))
    critical = t_quantile(1 - (1 - confidence) / 2, df)
    spread = critical * math.sqrt(se_t + se_c)
    lift = mean_t - mean_c
    return {
        "treatmentMean": number(mean_t),
        "controlMean": number(mean_c),
        "lift": number(lift),
        **relative(mean_t, mean_c, se_t, se_c, critical),
        "ci": [number(lift - spread), number(lift + spread)],
        "statistic": number(result.statistic),
        "pValue": number(result.pvalue),
        "df": number(df),
    }


def hypothesis_tests():
    proportion_cases = [
        (1000, 120, 1000, 100, 0.95),
        (50, 7, 48, 2, 0.95),
        (21307, 3894, 21306, 2262, 0.95),
        (2_000_000, 61_000, 500_000, 15_000, 0.9),
        (10, 10, 12, 6, 0.99),
        (10, 0, 12, 3, 0.95),
        (300, 15, 200, 0, 0.95),
        (5_000_000, 5_000, 5_000_000, 4_700, 0.95),
    ]
    two_proportion_cases = [
        {
            "treatment": {"n": nt, "successes": st},
            "control": {"n": nc, "successes": sc},
            "confidence": conf,
            "expected": two_proportion(nt, st, nc, sc, conf),
        }
        for nt, st, nc, sc, conf in proportion_cases
    ]
    mean_cases = [
        ((100, 12.5, 16.0), (90, 10.0, 25.0), 0.95),
        ((5, 3.0, 2.5), (3, 1.0, 0.5), 0.95),
        ((2, 10.0, 8.0), (40, 1.0, 4.0), 0.99),
        ((21307, 1.422617, 315.211799), (21306, 0.652789, 134.286372), 0.95),
        ((1_000_000, 50.2, 900.0), (100_000, 50.0, 1000.0), 0.9),
        ((30, 0.0, 1.0), (30, 5.0, 0.0), 0.95),
    ]
    welch_cases = [
        {
            "treatment": {"n": t[0], "mean": t[1], "variance": t[2]},
            "control": {"n": c[0], "mean": c[1], "variance": c[2]},
            "confidence": conf,
            "expected": welch_from_stats(t, c, conf),
        }
        for t, c, conf in mean_cases
    ]
    ratio_cases = [
        ([5000, 5000], [1, 1]),
        ([5100, 4900], [0.5, 0.5]),
        ([900, 100], [0.9, 0.1]),
        ([21307, 21387, 21306], [1, 1, 1]),
        ([50_000, 49_000, 1_200], [0.49, 0.49, 0.02]),
        ([10, 0, 3, 7], [1, 2, 3, 4]),
        ([1_000_000, 998_000], [1, 1]),
    ]
    srm_cases = []
    for observed, shares in ratio_cases:
        total = sum(observed)
        expected_counts = [total * share / sum(shares) for share in shares]
        result = stats.chisquare(observed, f_exp=expected_counts)
        srm_cases.append({
            "observed": observed,
            "expectedShares": shares,
            "expected": {"statistic": number(result.statistic), "df": len(observed) - 1,
                         "pValue": number(result.pvalue)},
        })
    return {"twoProportionTest": two_proportion_cases, "welchTest": welch_cases, "sampleRatioMismatch": srm_cases}


def z_sum(alpha, power):
    return stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)


def planning():
    rate_cases = [
        (0.05, 100_000, 0.1, 0.05, 0.8),
        (0.02, 1_000_000, 0.05, 0.05, 0.8),
        (0.3, 2_000, 0.5, 0.01, 0.9),
        (0.106, 64_000, 1 / 3, 0.05, 0.8),
        (0.001, 3_000_000, 0.02, 0.1, 0.95),
    ]
    mde = []
    for base, audience, share, alpha, power in rate_cases:
        n_c, n_t = audience * share, audience * (1 - share)
        absolute = z_sum(alpha, power) * math.sqrt(base * (1 - base) * (1 / n_t + 1 / n_c))
        # Independent check with statsmodels: a standardized effect absolute/σ reaches the power
        # (its two-sided power adds the wrong-direction tail, so only nearly).
        achieved = NormalIndPower().power(
            effect_size=absolute / math.sqrt(base * (1 - base)), nobs1=n_t, ratio=n_c / n_t,
            alpha=alpha, alternative="two-sided",
        )
        assert abs(achieved - power) < 1e-3, (achieved, power)
        mde.append({
            "input": {"baseRate": base, "audience": audience, "controlShare": share, "alpha": alpha, "power": power},
            "expected": {"absolute": number(absolute), "relative": number(absolute / base)},
        })
    share_cases = [
        (0.05, 100_000, 0.005, 0.05, 0.8),
        (0.02, 1_000_000, 0.001, 0.05, 0.8),
        (0.3, 2_000, 0.01, 0.05, 0.8),
        (0.106, 64_000, 0.02, 0.05, 0.8),
        (0.001, 3_000_000, 0.0005, 0.1, 0.95),
    ]
    control_share = []
    for base, audience, effect, alpha, power in share_cases:
        target = lambda c: z_sum(alpha, power) * math.sqrt(
            base * (1 - base) * (1 / (audience * (1 - c)) + 1 / (audience * c))
        ) - effect
        expected = None if target(0.5) > 0 else optimize.brentq(target, 1e-12, 0.5, xtol=1e-15, rtol=1e-15)
        control_share.append({
            "input": {"baseRate": base, "audience": audience, "mde": effect, "alpha": alpha, "power": power},
            "expected": None if expected is None else number(expected),
        })
    size_cases = [
        (0.05, 0.005, 0.1, 0.05, 0.8),
        (0.02, 0.001, 0.5, 0.05, 0.8),
        (0.3, 0.01, 0.2, 0.01, 0.9),
        (0.106, 0.02, 1 / 3, 0.05, 0.8),
    ]
    sample_size = []
    for base, effect, share, alpha, power in size_cases:
        exact = z_sum(alpha, power) ** 2 * base * (1 - base) * (1 / (1 - share) + 1 / share) / effect**2
        assert abs(exact - round(exact)) > 1e-6, "too close to a whole number to compare rounded sizes"
        sample_size.append({
            "input": {"baseRate": base, "mde": effect, "controlShare": share, "alpha": alpha, "power": power},
            "expected": math.ceil(exact),
        })
    mean_cases = [
        (15.0, 100_000, 0.1, 0.05, 0.8),
        (250.0, 20_000, 0.5, 0.01, 0.9),
        (14.5, 64_000, 1 / 3, 0.05, 0.8),
    ]
    mde_mean = []
    for sd, audience, share, alpha, power in mean_cases:
        n_c, n_t = audience * share, audience * (1 - share)
        expected = z_sum(alpha, power) * sd * math.sqrt(1 / n_t + 1 / n_c)
        mde_mean.append({
            "input": {"standardDeviation": sd, "audience": audience, "controlShare": share, "alpha": alpha,
                      "power": power},
            "expected": number(expected),
        })
    return {
        "minimumDetectableEffect": mde,
        "controlShareFor": control_share,
        "sampleSizeFor": sample_size,
        "minimumDetectableEffectMean": mde_mean,
    }


HILLSTROM_CONTROL = "No E-Mail"
HILLSTROM_METRICS = [("visit", "binary"), ("conversion", "binary"), ("spend", "money")]


def compare(frame):
    """The measureExperiment shape for one set of rows: every group against the control."""
    control = frame[frame["segment"] == HILLSTROM_CONTROL]
    groups = sorted(group for group in frame["segment"].unique() if group != HILLSTROM_CONTROL)
    report = {
        "control": {
            "group": HILLSTROM_CONTROL,
            "n": int(len(control)),
            "metrics": {metric: {"mean": number(control[metric].mean())} for metric, _ in HILLSTROM_METRICS},
        },
        "groups": [],
    }
    for group in groups:
        treatment = frame[frame["segment"] == group]
        metrics = {}
        for metric, kind in HILLSTROM_METRICS:
            if kind == "binary":
                result = two_proportion(len(treatment), int(treatment[metric].sum()), len(control),
                                        int(control[metric].sum()))
            else:
                values_t, values_c = treatment[metric].to_numpy(), control[metric].to_numpy()
                welch = stats.ttest_ind(values_t, values_c, equal_var=False)
                result = welch_result(
                    welch,
                    (len(values_t), values_t.mean(), values_t.var(ddof=1)),
                    (len(values_c), values_c.mean(), values_c.var(ddof=1)),
                    0.95,
                )
            metrics[metric] = {
                "mean": result["treatmentMean"],
                "lift": result["lift"],
                "liftRelative": result["liftRelative"],
                "ci95": result["ci"],
                "statistic": result["statistic"],
                "pValue": result["pValue"],
            }
        report["groups"].append({"group": group, "n": int(len(treatment)), "metrics": metrics})
    return report


def hillstrom():
    if not HILLSTROM.exists():
        sys.exit(f"{HILLSTROM} not found: pass the path of hillstrom.csv as the first argument")
    frame = pd.read_csv(HILLSTROM)
    by_zip = [{"value": value, **compare(frame[frame["zip_code"] == value])}
              for value in sorted(frame["zip_code"].unique())]
    return {
        "file": "hillstrom.csv (shared/data next to the repository)",
        "groupColumn": "segment",
        "control": HILLSTROM_CONTROL,
        "metrics": [{"column": metric, "kind": kind} for metric, kind in HILLSTROM_METRICS],
        "report": compare(frame),
        "byZipCode": {"by": "zip_code", "slices": by_zip},
    }


def main():
    fixture = {
        "regenerate": "/usr/bin/python3 scripts/stats-reference.py [path/to/hillstrom.csv] "
                      "(needs scipy, statsmodels, pandas; see the script's docstring)",
        "generatedWith": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                          "numpy": np.__version__, "pandas": pd.__version__},
        **distributions(),
        **hypothesis_tests(),
        **planning(),
        "hillstrom": hillstrom(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=2) + "\n")
    # The repository's formatter has the last word on layout, so `biome check` stays clean.
    try:
        subprocess.run(["npx", "biome", "format", "--write", str(OUT)], cwd=ROOT, check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"could not format with Biome ({error}); run: npx biome format --write {OUT.relative_to(ROOT)}")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
