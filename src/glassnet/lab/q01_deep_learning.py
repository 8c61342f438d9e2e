"""Q01. What is deep learning?

Every number here comes from trained networks, so each is measured once per seed and judged by its 95%
interval; probe accuracies on the fixed digits test set add the test images' sampling error. Claims
about what training builds are judged only once the probed network has learned the spirals.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..data import Standardizer, train_test_split, two_spirals
from ..train import fit
from . import framework as lab
from .common import accuracy, correct, digits_split, hidden_activations, make_optimizer, mlp, train
from .plots import figure, titled

# Two spirals of two turns: no line separates them (a linear probe on the raw points is at chance).
SPIRAL = dict(noise=0.05, turns=2.0)
SPIRAL_WIDTH, SPIRAL_DEPTH = 32, 3  # the probed network: 2-32-32-32-2 tanh, 2,274 parameters
_LAYER = ("input", "h1", "h2", "h3")  # metric names of the probed layers
SPIRAL_LR, SPIRAL_STEPS = 0.01, 600  # full-batch Adam; every depth of the sweep gets the same budget
BUDGET = 2_300  # parameters per network in the depth sweep (within 5%)
DIGITS_SIZES = (64, 64, 64, 64, 10)
PROBE_L2 = 1e-3
# A layer "adds" if its probe surely beats the one below by two points. One point on the 597 digits test images is
# six images, well inside the test set's own sampling error on a difference: with a one-point bar no digits step
# could be told apart from it.
STEP_GAIN = 0.02
LEARNED = 0.8  # test accuracy the probed 3-layer network must reach on the spirals (chance: 0.5)
MANY = 6  # "many" hidden layers, compared with SPIRAL_DEPTH ("a few")
DEPTH_GAIN = 0.03  # test accuracy that more layers must add to matter
DIGITS_LEARNED = 0.8  # and the digits network on digits (chance: 0.1)
# Depth at equal parameters with each arm tuned: the 3-layer and the one-layer network of the sweep, each trained on
# the same training half with every rate of its grid (full-batch Adam) for its own step budget, long enough for it to
# fit its training set (the one wide layer needs five times the sweep's steps). Every TUNE_EVERY steps the run is
# scored on a fresh validation draw; per seed and arm the (rate, step) with the best validation accuracy is kept and
# scored on a fresh test draw, large so that the test points' sampling error does not swamp a gap of a few points.
# The sweep's own run (rate SPIRAL_LR) is the first run of each grid, continued past the sweep's budget.
# Grids, from trials at seeds 0-4: the 3-layer net fits its data at all three rates (0.1 diverges); the wide layer
# does not fit it within 2,000 steps at 0.003 (training accuracy 0.77-0.96), and 0.03 already fits it in ~1,500.
TUNE_LRS = {1: (SPIRAL_LR, 0.03), SPIRAL_DEPTH: (SPIRAL_LR, 0.003, 0.03)}
# Full-mode budgets: in trials the wide layer's validation accuracy stops rising by ~3,000 steps (training accuracy
# >= 0.99 at rate 0.01), the 3-layer net's by ~1,000 (at 0.003; by 600 at the larger rates).
TUNE_STEPS = {1: 3_000, SPIRAL_DEPTH: 1_200}
TUNE_EVERY = 300  # divides the sweep's steps in both modes
TUNE_VAL, TUNE_TEST = 1_000, 2_000  # points in the fresh validation and test draws
TUNED_DEPTH_LARGE = 0.10  # a tuned gain this large means depth matters a lot (the untuned sweep shows ~0.3)
CONVERGED = 0.97  # training accuracy the tuned one-layer network must reach on every seed: it has fitted its data


def _hidden(model: nn.Sequential, x: np.ndarray) -> list[np.ndarray]:
    """The input and the output of every activation layer, in order: the levels a probe reads."""
    return [x, *hidden_activations(model, x)]


def _logistic_probe(f_train: np.ndarray, y_train: np.ndarray, f_test: np.ndarray, y_test: np.ndarray):
    """Per-item test correctness (1.0 / 0.0) and test scores (n, targets) of an L2-regularised logistic
    regression on frozen features.

    One-vs-rest for more than two classes. Each binary problem is solved to convergence by Newton's
    method (IRLS) in float64 on standardised features, so the number measures the features, not how
    well an optimiser happened to fit the probe. Minimises mean log-loss + (PROBE_L2 / 2) ||w||^2.
    """
    scaler = Standardizer().fit(f_train.astype(np.float64))
    a = np.hstack([scaler.transform(f_train.astype(np.float64)), np.ones((len(f_train), 1))])
    b = np.hstack([scaler.transform(f_test.astype(np.float64)), np.ones((len(f_test), 1))])
    n, d = a.shape
    penalty = PROBE_L2 * np.eye(d)
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    classes = np.unique(y_train)
    targets = classes[1:] if len(classes) == 2 else classes
    scores = np.empty((len(b), len(targets)))
    for j, c in enumerate(targets):
        t, w = (y_train == c).astype(np.float64), np.zeros(d)
        for _ in range(50):
            p = 0.5 * (1.0 + np.tanh(0.5 * (a @ w)))  # the logistic function, without overflow
            grad = a.T @ (p - t) / n + penalty @ w
            hessian = (a * (p * (1 - p))[:, None]).T @ a / n + penalty
            step = np.linalg.solve(hessian, grad)
            w -= step
            if np.abs(step).max() < 1e-10:
                break
        scores[:, j] = b @ w
    predicted = (scores[:, 0] > 0).astype(int) if len(classes) == 2 else scores.argmax(axis=1)
    return (classes[predicted] == y_test).astype(np.float64), scores


def _probe_layers(model: nn.Sequential, x_train, y_train, x_test, y_test) -> tuple[list, list[np.ndarray]]:
    """Per-item probe correctness and test scores on the input (entry 0) and on every hidden layer."""
    probes = [_logistic_probe(a, y_train, b, y_test) for a, b in zip(_hidden(model, x_train), _hidden(model, x_test))]
    return [hits for hits, _ in probes], [scores for _, scores in probes]


def _width(depth: int, budget: int) -> int:
    """Width w of a 2-w-...-w-2 network with ``depth`` hidden layers and about ``budget`` parameters.

    Parameters: 3w + (depth - 1)(w^2 + w) + 2w + 2; solve the quadratic in w.
    """
    a, b, c = depth - 1, depth + 4, 2 - budget
    return int(round(-c / b if a == 0 else (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)))


def _spirals(seed: int, n: int):
    x, y = two_spirals(n, seed=seed, **SPIRAL)
    return train_test_split(x, y, test_size=0.5, stratify=y, seed=seed)


def _spiral_run(seed: int, n: int, steps: int, depths, tune: dict | None = None) -> dict:
    """Probes of the 3-layer net before and after training, test accuracy at each depth (same budget), and, given
    ``tune`` ({"steps": budget per depth, "lrs": rates per depth}), the tuned arms' best checkpoints."""
    x_train, x_test, y_train, y_test = _spirals(seed, n)
    out = {"depth_acc": {}, "tuned": {}}
    if tune:
        # Fresh draws of the same spirals (their own seeds, far from any block's) for validation and test.
        val = two_spirals(TUNE_VAL, seed=1_000_000 + seed, **SPIRAL)
        test = two_spirals(TUNE_TEST, seed=2_000_000 + seed, **SPIRAL)
        data = ((x_train, y_train), val, test)

    def fresh(depth):
        width = _width(depth, BUDGET)
        return mlp([2] + [width] * depth + [2], activation="tanh", rng=np.random.default_rng([seed, depth]))

    for depth in depths:
        model = fresh(depth)
        probed = depth == SPIRAL_DEPTH
        if probed:
            out["untrained"], _ = _probe_layers(model, x_train, y_train, x_test, y_test)
        arm = bool(tune) and depth in tune["steps"]
        if arm:  # the sweep's run is this arm's first tuning run
            optimizer = make_optimizer(model, "adam", SPIRAL_LR)
            best = _advance(model, optimizer, seed, data, 0, steps, SPIRAL_LR, None)
        else:
            train(model, x_train, y_train, epochs=steps, batch_size=None, lr=SPIRAL_LR, optimizer="adam", seed=seed)
        out["depth_acc"][depth] = accuracy(model, x_test, y_test)
        if probed:
            out["trained"], out["scores"] = _probe_layers(model, x_train, y_train, x_test, y_test)
            out["hidden"] = _hidden(model, x_test)
            out["labels"] = y_test
        if arm:
            budget = tune["steps"][depth]
            best = _advance(model, optimizer, seed, data, steps, budget, SPIRAL_LR, best)
            for lr in tune["lrs"][depth][1:]:
                model = fresh(depth)
                best = _advance(model, make_optimizer(model, "adam", lr), seed, data, 0, budget, lr, best)
            out["tuned"][depth] = best
    return out


def _digits_run(seed: int, epochs: int, data) -> dict:
    x_train, x_test, y_train, y_test = data
    model = mlp(DIGITS_SIZES, activation="relu", init="he", rng=np.random.default_rng([seed, 64]))
    untrained, _ = _probe_layers(model, x_train, y_train, x_test, y_test)
    train(model, x_train, y_train, epochs=epochs, batch_size=32, lr=0.05, seed=seed)
    trained, _ = _probe_layers(model, x_train, y_train, x_test, y_test)
    return {"untrained": untrained, "trained": trained, "correct": correct(model, x_test, y_test)}


def _advance(model, optimizer, seed: int, data, start: int, stop: int, lr: float, best: dict | None) -> dict | None:
    """Full-batch steps ``start`` to ``stop`` of a tuning run, scored on the validation draw every TUNE_EVERY steps;
    returns the best checkpoint so far (validation accuracy; ties keep the earlier run and step) with its test and
    training accuracy, rate and step. The same steps as one ``train`` call: full batch, nothing random."""
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data
    for done in range(start + TUNE_EVERY, stop + 1, TUNE_EVERY):
        fit(model, nn.CrossEntropyLoss(), optimizer, (x_train, y_train), TUNE_EVERY, None, seed=seed, verbose=0)
        val = accuracy(model, x_val, y_val)
        if best is None or val > best["val"]:
            best = {"val": val, "lr": lr, "step": done, "test": accuracy(model, x_test, y_test),
                    "train": accuracy(model, x_train, y_train)}  # fmt: skip
    return best


def _layers_needed(depth_acc: dict[int, lab.Estimate]) -> list[int]:
    """Per seed, the fewest hidden layers whose test accuracy is within 1 point of that seed's best depth."""
    depths = list(depth_acc)
    acc = np.array([depth_acc[d].values for d in depths])  # depth x seed
    return [min(d for d, a in zip(depths, column) if a >= column.max() - 0.01) for column in acc.T]


def run(ctx: lab.Context) -> lab.Result:
    # Quick mode: smaller spirals, half the steps, a depth sweep of 1, 3 and 6 layers, and fewer digits epochs; as
    # many seeds as the full lab, since the effects are judged against their smallest size that matters.
    seeds = ctx.seeds(full=5, quick=5)
    n = ctx.pick(600, 400)
    steps = ctx.pick(SPIRAL_STEPS, 300)
    depths = ctx.pick((1, 2, 3, 4, 6, 8), (1, SPIRAL_DEPTH, MANY))
    # Quick mode tunes on three seeds with two rates per arm and shorter budgets: wider intervals, and its
    # convergence gate fails rather than let an under-trained wide layer pass for a depth effect.
    tune_seeds = seeds[: ctx.pick(len(seeds), 3)]
    budgets = ctx.pick(TUNE_STEPS, {1: 1_200, SPIRAL_DEPTH: 600})
    tune = {"steps": budgets, "lrs": ctx.pick(TUNE_LRS, {d: lrs[:2] for d, lrs in TUNE_LRS.items()})}
    spiral = [_spiral_run(s, n, steps, depths, tune if s in tune_seeds else None) for s in seeds]
    tuned = [r["tuned"] for r in spiral if r["tuned"]]
    digits_data = digits_split()
    digits = [_digits_run(s, ctx.pick(20, 5), digits_data) for s in seeds]

    def hits(runs, kind, layer) -> np.ndarray:  # (seeds, test items): 1 where the layer's probe was right
        return np.array([r[kind][layer] for r in runs])

    # Each seed draws its own spirals, so the spread over seeds already covers the test points' sampling; the
    # digits test set is fixed, so its probes go through over_items.
    def spirals(kind, layer):
        return lab.estimate(hits(spiral, kind, layer).mean(axis=1), seeds)

    def digit(kind, layer):
        return lab.over_items(hits(digits, kind, layer), seeds)

    top = SPIRAL_DEPTH
    sp_trained = [spirals("trained", k) for k in range(top + 1)]
    sp_untrained = [spirals("untrained", k) for k in range(top + 1)]
    dg_depth = len(DIGITS_SIZES) - 2
    dg_trained = [digit("trained", k) for k in range(dg_depth + 1)]
    dg_untrained = [digit("untrained", k) for k in range(dg_depth + 1)]
    depth_acc = {d: lab.estimate([r["depth_acc"][d] for r in spiral], seeds) for d in depths}
    tuned_acc = {d: lab.estimate([r[d]["test"] for r in tuned], tune_seeds) for d in budgets}

    # Each step from one layer to the next, in both tasks, paired seed by seed (and, on digits, item by item).
    steps_gain = {}
    for k in range(top):
        steps_gain[f"spirals_gain_{_LAYER[k]}_to_{_LAYER[k + 1]}"] = lab.paired_difference(
            sp_trained[k + 1], sp_trained[k]
        )
    for k in range(dg_depth):
        change = hits(digits, "trained", k + 1) - hits(digits, "trained", k)
        steps_gain[f"digits_gain_{_LAYER[k]}_to_{_LAYER[k + 1]}"] = lab.over_items(change, seeds)
    step_gains = np.array([e.mean for e in steps_gain.values()])
    digits_top = hits(digits, "trained", dg_depth)
    metrics = {
        "spirals_probe_gain_over_input": lab.paired_difference(sp_trained[top], sp_trained[0]),
        "spirals_top_trained_minus_untrained": lab.paired_difference(sp_trained[top], sp_untrained[top]),
        "digits_top_trained_minus_untrained": lab.over_items(digits_top - hits(digits, "untrained", dg_depth), seeds),
        "digits_probe_gain_over_input": lab.over_items(digits_top - hits(digits, "trained", 0), seeds),
        **steps_gain,
        "deep_minus_one_layer_acc": lab.paired_difference(depth_acc[SPIRAL_DEPTH], depth_acc[1]),
        "tuned_deep_minus_one_layer_acc": lab.paired_difference(tuned_acc[SPIRAL_DEPTH], tuned_acc[1]),
        "tuned_deep_test_acc": tuned_acc[SPIRAL_DEPTH],
        "tuned_one_layer_train_acc": lab.estimate([r[1]["train"] for r in tuned], tune_seeds),
        "many_minus_few_layers_acc": lab.paired_difference(depth_acc[MANY], depth_acc[SPIRAL_DEPTH]),
        "hidden_layers_needed": lab.estimate(_layers_needed(depth_acc), seeds),
        "spirals_deep_test_acc": depth_acc[SPIRAL_DEPTH],
        "spirals_many_layers_test_acc": depth_acc[MANY],
        "digits_net_test_acc": lab.over_items([r["correct"] for r in digits], seeds),
    }

    probe_table = lab.Table(
        "Linear-probe test accuracy per layer (mean over seeds)",
        ["task", "network", "input", *[f"hidden {k}" for k in range(1, dg_depth + 1)]],
    )
    for task, trained, untrained in (
        ("two spirals", sp_trained, sp_untrained),
        ("digits", dg_trained, dg_untrained),
    ):
        pad = [""] * (dg_depth + 1 - len(trained))
        probe_table.add(task, "trained", *[e.mean for e in trained], *pad)
        probe_table.add(task, "untrained", *[e.mean for e in untrained], *pad)
    depth_table = lab.Table(
        f"Two spirals, about {BUDGET:,} parameters per network, {steps} full-batch Adam steps",
        ["hidden layers", "width", "parameters", "test accuracy (mean)", "lowest seed", "highest seed"],
    )
    for d, e in depth_acc.items():
        w = _width(d, BUDGET)
        params = 3 * w + (d - 1) * (w * w + w) + 2 * w + 2
        depth_table.add(d, w, params, e.mean, min(e.values), max(e.values))
    tuned_table = lab.Table(
        f"Two spirals, each network tuned: rate and step count (every {TUNE_EVERY}) picked on {TUNE_VAL:,} fresh "
        f"validation points, scored on {TUNE_TEST:,} fresh test points",
        ["hidden layers", "width", "rates tried", "step budget", "test accuracy (mean)", "lowest seed",
         "highest seed", "rates picked", "steps picked", "training accuracy (lowest seed)"],
    )  # fmt: skip
    for d, e in tuned_acc.items():
        picked = [r[d] for r in tuned]
        tuned_table.add(
            d, _width(d, BUDGET), " ".join(f"{lr:g}" for lr in tune["lrs"][d]), budgets[d],
            e.mean, min(e.values), max(e.values),
            " ".join(f"{p['lr']:g}" for p in picked), " ".join(str(p["step"]) for p in picked),
            min(p["train"] for p in picked),
        )  # fmt: skip

    figures = {
        "linear probes per layer": _probe_figure(sp_trained, sp_untrained, dg_trained, dg_untrained),
        "depth at a fixed parameter budget": _depth_figure(depth_acc, steps),
        "spiral representations layer by layer": _representation_figure(spiral[0]),
    }
    deepest = depth_acc[max(depths)]
    notes = [
        "Probes are logistic regressions solved exactly (Newton's method) on frozen, standardised features, "
        "fitted on the training half and scored on the test half.",
        f"On the spirals the first hidden layer is barely easier to read out than the raw points "
        f"({sp_trained[1].mean:.0%} against {sp_trained[0].mean:.0%}); the jump comes at the second layer "
        f"({sp_trained[2].mean:.0%}). The gain is made in one or two big steps, not spread evenly over the layers.",
        "Mean probe gain per layer-to-layer step, in points: spirals "
        + ", ".join(f"{100 * g:+.1f}" for g in step_gains[:top])
        + "; digits "
        + ", ".join(f"{100 * g:+.1f}" for g in step_gains[top:])
        + f". A step counts as gaining {100 * STEP_GAIN:g} points only if its whole interval does. "
        + _digits_total_note(metrics),
        f"On digits the raw pixels are already {dg_trained[0].mean:.1%} linearly separable, so training can add "
        f"little (last hidden layer {dg_trained[-1].mean:.1%}); the untrained network's layers lose separability "
        f"with depth (last hidden layer {dg_untrained[-1].mean:.1%}).",
        f"The depth sweep fixes the parameter count and the training budget. Beyond a few layers nothing is gained "
        f"and the deepest networks ({max(depths)} layers) start to fail to train in this budget (mean "
        f"{deepest.mean:.0%}, lowest seed {min(deepest.values):.0%}).",
    ]
    gap, fixed = metrics["tuned_deep_minus_one_layer_acc"], metrics["deep_minus_one_layer_acc"]
    notes.append(
        f"With the same {steps} steps at rate {SPIRAL_LR:g}, {SPIRAL_DEPTH} layers beat one wide layer by "
        f"{100 * fixed.mean:.1f} points. Tuned separately (rate and step count picked on validation data, the wide "
        f"layer given {budgets[1]:,} steps to fit its training set), the one wide layer reaches "
        f"{tuned_acc[1].mean:.1%} and the {SPIRAL_DEPTH}-layer net {tuned_acc[SPIRAL_DEPTH].mean:.1%}: a gap of "
        f"{100 * gap.mean:.1f} points (95% CI {100 * lab.low(gap):+.1f} to {100 * lab.high(gap):+.1f}). Most of what "
        "depth buys at the fixed budget is easier optimisation; one wide layer can represent the spirals too "
        "(universal approximation). Seeds whose pick is the last step of its budget: "
        + ", ".join(
            f"{d} layer{'s' if d > 1 else ''} {sum(r[d]['step'] == budgets[d] for r in tuned)} of {len(tuned)}"
            for d in budgets
        )
        + "."
    )
    return lab.Result(metrics=metrics, figures=figures, tables=[probe_table, depth_table, tuned_table], notes=notes)


def _digits_total_note(metrics: dict) -> str:
    """What the digits steps' total says about its smallest step (the pigeonhole argument of the rule)."""
    total = metrics["digits_probe_gain_over_input"]
    span = f"95% CI {100 * lab.low(total):+.1f} to {100 * lab.high(total):+.1f} points"
    k, bar = len(DIGITS_SIZES) - 2, 100 * STEP_GAIN
    if lab.high(total) < k * STEP_GAIN:
        return (
            f"The digits steps are too close to {bar:g} points to settle one by one, but their total over {k} steps "
            f"lies below {k * bar:g} points ({span}), so at least one of them gains less than {bar:g} points."
        )
    return f"The digits steps' total over {k} steps ({span}) does not settle whether one of them gains less."


def _probe_figure(sp_trained, sp_untrained, dg_trained, dg_untrained):
    fig, axes = figure(1, 2, width=10, height=3.8)
    for ax, title, trained, untrained, chance in (
        (axes[0], "two spirals, 2-32-32-32-2 tanh", sp_trained, sp_untrained, 0.5),
        (axes[1], "digits, 64-64-64-64-10 ReLU", dg_trained, dg_untrained, None),
    ):
        layers = np.arange(len(trained))
        for estimates, label, color in ((trained, "trained", "#4c72b0"), (untrained, "untrained", "#c44e52")):
            values = np.array([e.values for e in estimates])  # layer x seed
            ax.plot(layers, values, color=color, alpha=0.25, lw=1)
            ax.plot(layers, values.mean(axis=1), color=color, lw=2.5, marker="o", label=f"{label} (mean)")
        if chance is not None:
            ax.axhline(chance, color="grey", ls=":", lw=1, label="chance")
        ax.set_xticks(layers, ["input"] + [f"hidden {k}" for k in layers[1:]])
        titled(ax, title, y="linear-probe test accuracy")
        ax.legend(loc="best", fontsize=8)
    return fig


def _depth_figure(depth_acc: dict, steps: int):
    fig, ax = figure(1, 1, width=6, height=3.8)
    depths = list(depth_acc)
    values = np.array([depth_acc[d].values for d in depths])
    for j in range(values.shape[1]):
        ax.plot(depths, values[:, j], color="#4c72b0", alpha=0.25, lw=1, marker=".")
    ax.plot(depths, values.mean(axis=1), color="#4c72b0", lw=2.5, marker="o", label="mean over seeds")
    ax.axhline(0.5, color="grey", ls=":", lw=1, label="chance")
    ax.set_xticks(depths)
    titled(
        ax,
        f"two spirals after {steps} Adam steps",
        x=f"hidden layers (about {BUDGET:,} parameters each)",
        y="test accuracy",
    )
    ax.legend(loc="lower right", fontsize=8)
    return fig


def _representation_figure(run: dict):
    """Test points of each layer, placed by the probe's score (x) and the main other direction (y)."""
    hidden, labels = run["hidden"], run["labels"]
    fig, axes = figure(1, len(hidden), width=3 * len(hidden), height=3.2)
    for k, (ax, h) in enumerate(zip(axes, hidden)):
        score = run["scores"][k][:, 0]
        centred, s = h - h.mean(axis=0), score - score.mean()
        residual = centred - np.outer(s, centred.T @ s / (s @ s))  # what the score does not explain
        _, _, vt = np.linalg.svd(residual, full_matrices=False)
        other = residual @ vt[0]
        for c, color in ((0, "#4c72b0"), (1, "#dd8452")):
            ax.scatter(score[labels == c], other[labels == c], s=4, color=color, label=f"class {c}")
        ax.axvline(0, color="black", lw=0.8, ls="--")
        ax.set_title(f"{'input' if k == 0 else f'hidden {k}'}: probe {run['trained'][k].mean():.0%}", fontsize=10)
        ax.set_xlabel("probe score (boundary at 0)")
        ax.set_ylabel("main remaining direction")
        ax.set_yticks([])
    axes[0].legend(loc="upper right", fontsize=7, markerscale=2)
    return fig


_STEPS = tuple(
    [f"spirals_gain_{_LAYER[k]}_to_{_LAYER[k + 1]}" for k in range(SPIRAL_DEPTH)]
    + [f"digits_gain_{_LAYER[k]}_to_{_LAYER[k + 1]}" for k in range(len(DIGITS_SIZES) - 2)]
)


# Each task's gain from the input to its top hidden layer, and the steps it is made of.
_TOTALS = {
    "spirals_probe_gain_over_input": _STEPS[:SPIRAL_DEPTH],
    "digits_probe_gain_over_input": _STEPS[SPIRAL_DEPTH:],
}


# A step surely gains if its interval lies >= STEP_GAIN, and surely gains less if it lies below; a task whose k steps
# together surely gain less than k x STEP_GAIN has a step that gains less (the steps sum to the total).
_ADDS = [lab.Above(k, STEP_GAIN) for k in _STEPS]
_SHORT = [lab.Below(k, STEP_GAIN, strict=True) for k in _STEPS] + [
    lab.Below(total, len(steps) * STEP_GAIN, strict=True) for total, steps in _TOTALS.items()
]
_MAY_LOSE = [lab.Below(total, -STEP_GAIN) for total in _TOTALS]  # the top layer surely worse than the input
_NO_LOSS = lab.some(lab.Above(total, -STEP_GAIN, strict=True) for total in _TOTALS)

EVERY_LAYER_ADDS = lab.Decide(
    (lab.Verdict.REFUTED, lab.every(_MAY_LOSE)),
    (lab.Verdict.SUPPORTED, lab.every(_ADDS)),
    (lab.Verdict.PARTLY, lab.some(_ADDS) & lab.some(_SHORT) & _NO_LOSS),
    (lab.Verdict.NOT_SUPPORTED, lab.every(_SHORT[: len(_STEPS)]) & _NO_LOSS),
    note=f"per layer-to-layer step of both tasks ({len(_STEPS)} steps), the probe's gain, with {STEP_GAIN:.0%} as the "
    "gain that counts; a task's total over its k steps below k times that shows one of its steps gains less",
)

_MANY_GAIN, _FEW_GAIN = "many_minus_few_layers_acc", "deep_minus_one_layer_acc"
MANY_LAYERS = lab.Decide(
    (lab.Verdict.SUPPORTED, lab.Above(_MANY_GAIN, DEPTH_GAIN)),
    (lab.Verdict.PARTLY, lab.Below(_MANY_GAIN, DEPTH_GAIN, strict=True) & lab.Above(_FEW_GAIN, DEPTH_GAIN)),
    (
        lab.Verdict.REFUTED,
        lab.Below(_MANY_GAIN, DEPTH_GAIN, strict=True) & lab.Below(_FEW_GAIN, DEPTH_GAIN, strict=True),
    ),
    note=f"test accuracy at a fixed parameter budget, paired over seeds: {MANY} hidden layers minus {SPIRAL_DEPTH}, "
    f"and {SPIRAL_DEPTH} minus 1; partly when a few layers beat one but many do not beat a few (deep means more "
    "than one layer, not many)",
)


_SPIRALS_LEARNED = lab.Gate(
    "spirals_deep_test_acc",
    f"the {SPIRAL_DEPTH}-layer network learned the spirals on every seed (test accuracy >= {LEARNED:.0%})",
    at_least=LEARNED,
    every_seed=True,
)

EXPERIMENT = lab.described(
    "q01",
    claims=(
        lab.Claim(
            "layers_build_features",
            "Successive layers turn raw inputs into features that are easier to read out (more abstract).",
            lab.Effect("spirals_probe_gain_over_input", sign=+1, min_effect=0.2),
            gates=(_SPIRALS_LEARNED,),
        ),
        lab.Claim(
            "features_are_learned",
            "Those features are learned from the data, not produced by the layered architecture itself.",
            # Training must add at least 10 points of read-out accuracy (a fifth of the way from chance to perfect).
            lab.Effect("spirals_top_trained_minus_untrained", sign=+1, min_effect=0.1),
            gates=(_SPIRALS_LEARNED,),
        ),
        lab.Claim(
            "every_layer_adds",
            "Every layer adds: each one is more abstract (easier to read out) than the one below it.",
            EVERY_LAYER_ADDS,
            gates=(
                _SPIRALS_LEARNED,
                lab.Gate(
                    "digits_net_test_acc",
                    f"the digits network learned (test accuracy >= {DIGITS_LEARNED:.0%})",
                    at_least=DIGITS_LEARNED,
                ),
            ),
        ),
        lab.Claim(
            "depth_not_size",
            "Depth itself matters: with the same number of parameters, several layers learn more than one wide layer "
            f"(tested on two spirals with about {BUDGET:,} parameters, {SPIRAL_DEPTH} tanh layers against one, each "
            "with its own learning rate and step count tuned on validation data, and trained until it fits its "
            "training set).",
            # Bars on the tuned test-accuracy gap: 10 points is a large effect (the untuned sweep shows ~30); below
            # 0 one layer is as good; DEPTH_GAIN is the least gain that matters.
            lab.AtLeast(
                "tuned_deep_minus_one_layer_acc",
                supported=TUNED_DEPTH_LARGE,
                partly=0.0,
                refuted_below=-DEPTH_GAIN,
            ),
            gates=(
                lab.Gate(
                    "tuned_deep_test_acc",
                    f"the tuned {SPIRAL_DEPTH}-layer network learned the spirals on every seed (test accuracy >= "
                    f"{LEARNED:.0%})",
                    at_least=LEARNED,
                    every_seed=True,
                ),
                lab.Gate(
                    "tuned_one_layer_train_acc",
                    f"the tuned one-layer network converged: it fits its training set on every seed (training "
                    f"accuracy >= {CONVERGED:.0%}), so its deficit is not a short training budget",
                    at_least=CONVERGED,
                    every_seed=True,
                ),
            ),
        ),
        lab.Claim(
            "many_layers",
            "'Deep' means a large number of layers.",
            MANY_LAYERS,
            gates=(
                _SPIRALS_LEARNED,
                lab.Gate(
                    "spirals_many_layers_test_acc",
                    f"the {MANY}-layer network trained in its budget on every seed (test accuracy >= {LEARNED:.0%}); "
                    "where it did not, its deficit says nothing about depth",
                    at_least=LEARNED,
                    every_seed=True,
                ),
            ),
        ),
    ),
    run=run,
    TUNE_VAL=TUNE_VAL,
    TUNE_TEST=TUNE_TEST,
)
