"""Q08. tanh or sigmoid: how do they differ?"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import NullFormatter

from .. import Tensor, nn, no_grad
from ..data import Standardizer
from ..diagnostics import GradientFlow
from ..nn import functional as F
from ..train import Callback, fit
from . import framework as lab
from .common import accuracy, digits_split, make_optimizer, mlp, train
from .plots import figure, titled

# tanh'(x) = sigmoid'(x) where cosh(x) = 2 cosh(x / 2), i.e. cosh(x / 2) = (1 + sqrt(3)) / 2.
CROSSOVER = 2 * math.acosh((1 + math.sqrt(3)) / 2)
TARGET_ACCURACY = 0.97  # training-set accuracy that counts as "trained" for the MLPs
TARGET_LOSS = 0.2  # training cross-entropy that counts as "trained" for softmax regression
NAMES = {"sigmoid": "sigmoid", "centred_sigmoid": "sigmoid - 1/2", "tanh": "tanh"}
SATURATED = 0.97  # a tanh unit with |a| > 0.97, or a sigmoid unit outside [0.03, 0.97], sits on a flat end
TRAINED_DEPTH = 8  # hidden layers of the net whose gradients are followed through training
CHECKPOINTS = (0, 5, 20)  # epochs of SGD (lr 0.1, batch 32) after which its gradients are measured


class CentredSigmoid(nn.Module):
    """sigmoid(x) - 1/2 = tanh(x / 2) / 2: the sigmoid's slope (at most 1/4), centred on 0 like tanh."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x) - 0.5


class _StopAtTarget(Callback):
    """Stop ``fit`` once a condition holds; remember the optimizer step at which it did."""

    def __init__(self, reached, every: int):
        self.reached, self.every, self.step = reached, every, None

    def on_batch_end(self, state) -> None:
        if state.iteration % self.every == 0 and self.reached(state.model):
            self.step = state.iteration
            state.stop("target reached")


def _steps_to(model, x, y, lr: float, batch_size, max_epochs: int, seed: int, reached, every: int) -> float:
    """Optimizer steps of plain SGD until ``reached(model)``; inf if it never happens (or the loss blows up)."""
    stop = _StopAtTarget(reached, every)
    with np.errstate(over="ignore", invalid="ignore"):
        fit(
            model,
            nn.CrossEntropyLoss(),
            make_optimizer(model, "sgd", lr),
            (x, y),
            epochs=max_epochs,
            batch_size=batch_size,
            callbacks=[stop],
            seed=seed,
            verbose=0,
        )
    return math.inf if stop.step is None else float(stop.step)


def _build(kind: str, seed: int, depth: int = 2, width: int = 64, init: str = "glorot") -> nn.Sequential:
    model = mlp(
        (64,) + (width,) * depth + (10,),
        "tanh" if kind == "centred_sigmoid" else kind,
        init,
        rng=np.random.default_rng([seed, 8]),
    )
    if kind == "centred_sigmoid":
        layers = [CentredSigmoid() if isinstance(m, nn.Tanh) else m for m in model]
        model = nn.Sequential(*layers)
    return model


def _hidden(model: nn.Module, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations and activations of every hidden layer on ``x`` (no graph)."""
    pre, post, h = [], [], Tensor(x)
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Linear):
                pre.append(h.numpy())
            elif not isinstance(layer, nn.Identity):
                post.append(h.numpy())
    return pre[: len(post)], post


# ------------------------------------------------------------------------------ the parts
def _identity() -> dict:
    """tanh against sigmoid, shifted only, then scaled and shifted, on a fine grid (float64)."""
    x = np.linspace(-20, 20, 400_001)
    tanh = np.tanh(x)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    identity = float(np.max(np.abs(tanh - (2 * sig(2 * x) - 1))))
    xt = Tensor(x)
    library = float(np.max(np.abs(F.tanh(xt).numpy() - (2 * F.sigmoid(2 * xt).numpy() - 1))))
    # Best shift of both axes: for a shift c of x, the best shift d of the output is the midrange of
    # tanh - sigmoid(x + c), leaving half its range as the error. The sigmoid's range is 1 wide and tanh's 2,
    # so no shift gets below 1/2; the best is about 0.59.
    shift_only = min(float(np.ptp(tanh - sig(x + c))) / 2 for c in np.linspace(-2, 2, 81))
    # Output scaled and shifted, input untouched: 2 sigmoid(x) - 1 = tanh(x / 2).
    out_only = float(np.max(np.abs(tanh - (2 * sig(x) - 1))))
    return {"identity": max(identity, library), "shift_only": shift_only, "output_scale_only": out_only}


def _centring(ctx: lab.Context, seeds) -> dict:
    """Softmax regression by full-batch gradient descent: raw pixels / 16 vs the same pixels centred."""
    lrs = ctx.pick([1.0, 3.0, 10.0, 30.0, 100.0], [10.0, 30.0])
    results = {"raw": [], "centred": [], "standardised": []}
    best_lr = {k: [] for k in results}
    both_reached = []  # per seed: raw and centred inputs both reached the target loss within the budget
    for seed in seeds:
        x, _, y, _ = digits_split(seed=seed, n_train=1000)
        inputs = {"raw": x, "centred": x - x.mean(axis=0), "standardised": Standardizer().fit_transform(x)}
        for name, xs in inputs.items():

            def reached(model, xs=xs, y=y):
                with no_grad():
                    return F.cross_entropy(model(Tensor(xs)), y).item() <= TARGET_LOSS

            steps = []
            for lr in lrs:
                model = nn.Sequential(nn.Linear(64, 10, rng=np.random.default_rng([seed, 3])))
                steps.append(_steps_to(model, xs, y, lr, None, 400, seed, reached, every=1))
            results[name].append(min(*steps, 400))  # 400 steps is the budget: a miss counts as 400
            best_lr[name].append(lrs[int(np.argmin(steps))])
        both_reached.append(results["raw"][-1] < 400 and results["centred"][-1] < 400)
    x, _, _, _ = digits_split()
    x = x[:, x.std(axis=0) > 0].astype(np.float64)
    kappa = {}
    for name, xs in (("raw", x), ("centred", x - x.mean(axis=0))):
        # Hessian of softmax regression at equal class probabilities: (I - 11^T/K)/K kron E[x~ x~^T], x~ = (x, 1).
        xa = np.hstack([xs, np.ones((len(xs), 1))])
        eig = np.linalg.eigvalsh(xa.T @ xa / len(xa))
        kappa[name] = (float(eig[-1]), float(eig[0]))
    return {
        "steps": {k: lab.estimate(v, seeds) for k, v in results.items()},
        "best_lr": best_lr,
        "kappa": kappa,
        "reached": lab.proportion(both_reached, seeds),
    }


def _race(ctx: lab.Context, seeds, x, y) -> dict:
    """Steps of SGD to TARGET_ACCURACY for sigmoid, centred sigmoid and tanh MLPs, each at its own best rate."""
    lrs = ctx.pick([0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0], [0.5, 2.0, 5.0])

    def reached(model):
        return accuracy(model, x, y) >= TARGET_ACCURACY

    tuning_seed = 10_000 + seeds[0]  # tune on a seed the comparison does not use
    out = {}
    for kind in NAMES:
        tuning = [_steps_to(_build(kind, tuning_seed), x, y, lr, 32, 20, tuning_seed, reached, 2) for lr in lrs]
        lr = lrs[int(np.argmin(tuning))]
        budget = 20 * math.ceil(len(y) / 32)

        def measure(seed, kind=kind, lr=lr, budget=budget):
            model = _build(kind, seed)
            # a run that never gets there counts as the whole budget (20 epochs), so the comparison stays finite
            steps = min(_steps_to(model, x, y, lr, 32, 20, seed, reached, 2), budget)
            pre, _ = _hidden(model, x)
            return {
                "steps": steps,
                "reached": steps < budget,
                "beyond": float(np.mean([np.mean(np.abs(p) > CROSSOVER) for p in pre])),
                **_mean_activation(model, x, 0.5 if kind == "sigmoid" else 0.0),
            }

        out[kind] = {"lr": lr, "tuning": tuning, **lab.over_seeds(seeds, measure)}
    return {"lrs": lrs, **out}


def _mean_activation(model: nn.Module, x: np.ndarray, centre: float) -> dict:
    """Mean hidden activation over units and samples, and the mean |per-unit mean - centre|."""
    post = _hidden(model, x)[1]
    return {
        "mean": float(np.mean([a.mean() for a in post])),
        "unit_mean": float(np.mean([np.abs(a.mean(axis=0) - centre).mean() for a in post])),
    }


def _initial_means(seeds, x_std, x_raw) -> dict:
    """Mean hidden activations of freshly initialised 64-64-64-10 nets, on standardised and on raw inputs."""
    out = {}
    for kind, centre in (("sigmoid", 0.5), ("tanh", 0.0)):
        for name, x in (("standardised", x_std), ("raw", x_raw)):
            out[(kind, name)] = lab.over_seeds(
                seeds, lambda s, k=kind, x=x, c=centre: _mean_activation(_build(k, s), x, c)
            )
    return out


def _hidden_gradients(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """||dL/dW|| of each hidden layer, nearest the input first, on the batch ``(x, y)``: shape (depth,)."""
    with GradientFlow(model) as flow:
        F.cross_entropy(model(Tensor(x)), y).backward()
    return np.array([values[-1] for values in flow.norms.values()][:-1])  # the output layer is not hidden


def _saturated(kind: str, post: list[np.ndarray]) -> float:
    """Share of hidden activations on a flat end of the curve: |a| > 0.97 for tanh, a outside [0.03, 0.97]
    for the sigmoid (|2a - 1| > 0.94)."""
    a = np.concatenate(post, axis=1)
    return float(np.mean(np.abs(a) > SATURATED if kind == "tanh" else np.abs(2 * a - 1) > 2 * SATURATED - 1))


def _in_training(seeds, x, y) -> dict:
    """log10(||dL/dW_1|| / ||dL/dW_top||) (batch of 256) and the saturated share of the hidden units, for
    TRAINED_DEPTH-hidden-layer sigmoid and tanh nets (Glorot init) at each of CHECKPOINTS epochs of SGD."""

    def measure(seed, kind):
        model, done, out = _build(kind, seed, depth=TRAINED_DEPTH), 0, {}
        for epoch in CHECKPOINTS:
            if epoch > done:
                train(model, x, y, epochs=epoch - done, batch_size=32, lr=0.1, seed=100 * seed + epoch)
                done = epoch
            profile = _hidden_gradients(model, x[:256], y[:256])
            out["log10_ratio", epoch] = float(np.log10(profile[0] / profile[-1]))
            out["saturated", epoch] = _saturated(kind, _hidden(model, x)[1])
        return {**out, "accuracy": accuracy(model, x, y)}

    return {kind: lab.over_seeds(seeds, lambda s, kind=kind: measure(s, kind)) for kind in ("sigmoid", "tanh")}


def _vanishing(seeds, x, y, depth: int) -> dict:
    """||dL/dW|| per hidden layer at initialisation (batch of 256), for several activation/initialisation pairs."""
    configs = {
        "sigmoid, Glorot": ("sigmoid", "glorot"),
        "tanh, Glorot": ("tanh", "glorot"),
        "tanh, default init": ("tanh", "default"),
        "ReLU, He": ("relu", "he"),
    }
    out = {}
    for label, (kind, init) in configs.items():
        profiles = np.array(
            [_hidden_gradients(_build(kind, seed, depth=depth, init=init), x[:256], y[:256]) for seed in seeds]
        )
        out[label] = {
            "profile": np.exp(np.log(profiles).mean(axis=0)),
            "log10_ratio": lab.estimate(np.log10(profiles[:, 0] / profiles[:, -1]), seeds),
        }
    return out


def run(ctx: lab.Context) -> lab.Result:
    seeds = ctx.seeds(full=6, quick=3)
    x_raw, _, y, _ = digits_split()
    x = Standardizer().fit_transform(x_raw)
    ident = _identity()
    centring = _centring(ctx, seeds)
    race = _race(ctx, seeds, x, y)
    initial = _initial_means(seeds, x, x_raw)
    depth = 20
    vanish = _vanishing(seeds, x, y, depth)
    training = _in_training(seeds, x, y)

    trained = {k: race[k]["mean"].mean for k in ("sigmoid", "tanh")}
    steps = {k: race[k]["steps"] for k in NAMES}
    metrics = {
        "identity_max_error": ident["identity"],
        "shift_only_max_error": ident["shift_only"],
        "tanh_mean_init": initial[("tanh", "standardised")]["mean"],
        "tanh_mean_trained": race["tanh"]["mean"],
        "sigmoid_mean_init": initial[("sigmoid", "standardised")]["mean"],
        "sigmoid_mean_trained": race["sigmoid"]["mean"],
        "race_runs_reaching_target": lab.proportion(
            [hit for kind in NAMES for hit in race[kind]["reached"].values], [s for _ in NAMES for s in seeds]
        ),
        "centring_runs_reaching_target": centring["reached"],
        "steps_saved_by_centring": lab.paired_difference(centring["steps"]["raw"], centring["steps"]["centred"]),
        "steps_saved_by_tanh": lab.paired_difference(steps["sigmoid"], steps["tanh"]),
        "steps_saved_by_tanh_over_centred_sigmoid": lab.paired_difference(steps["centred_sigmoid"], steps["tanh"]),
        "share_beyond_crossover": race["tanh"]["beyond"],
        "log10_ratio_sigmoid": vanish["sigmoid, Glorot"]["log10_ratio"],
        "log10_ratio_tanh": vanish["tanh, Glorot"]["log10_ratio"],
        "log10_ratio_tanh_default_init": vanish["tanh, default init"]["log10_ratio"],
        "log10_ratio_sigmoid_trained": training["sigmoid"]["log10_ratio", CHECKPOINTS[-1]],
        "log10_ratio_tanh_trained": training["tanh"]["log10_ratio", CHECKPOINTS[-1]],
        "saturated_sigmoid_trained": training["sigmoid"]["saturated", CHECKPOINTS[-1]],
        "saturated_tanh_trained": training["tanh"]["saturated", CHECKPOINTS[-1]],
    }

    # ------------------------------------------------------------------ tables
    shape = lab.Table("tanh written with the sigmoid (float64, x in [-20, 20])", ["form", "max |tanh(x) - form|"])
    shape.add("sigmoid(x + c) + d, best shifts c and d", ident["shift_only"])
    shape.add("2 sigmoid(x) - 1 (output scaled and shifted)", ident["output_scale_only"])
    shape.add("2 sigmoid(2x) - 1 (input and output scaled, shifted)", ident["identity"])
    shape.add(f"derivatives: tanh'(0) = 1, sigmoid'(0) = 1/4; tanh' > sigmoid' only for |x| < {CROSSOVER:.4f}", "")
    means = lab.Table(
        "Hidden activations of a 64-64-64-10 net on the training images: mean over units and images, and the "
        "mean distance of each unit's own mean from the centre (0.5 for sigmoid, 0 for tanh)",
        ["network", "inputs", "sigmoid mean", "tanh mean", "sigmoid |unit mean - 0.5|", "tanh |unit mean|"],
    )
    rows = [("at initialisation", n, initial[("sigmoid", n)], initial[("tanh", n)]) for n in ("standardised", "raw")]
    rows.append(
        (
            f"trained to {TARGET_ACCURACY:.0%}",
            "standardised",
            race["sigmoid"],
            race["tanh"],
        )
    )
    for label, inputs, sig_est, tanh_est in rows:
        means.add(label, inputs, *(e[k].mean for k in ("mean", "unit_mean") for e in (sig_est, tanh_est)))
    cent = lab.Table(
        f"Softmax regression, full-batch gradient descent, steps until training loss <= {TARGET_LOSS} "
        f"(best of the learning-rate grid per run; {len(seeds)} training subsets of 1,000 images)",
        ["inputs", "steps (mean)", "sd", "best learning rates", "Hessian at start: largest eigenvalue", "smallest"],
    )
    for name in ("raw", "centred", "standardised"):
        k = centring["kappa"].get(name, ("", ""))
        est = centring["steps"][name]
        cent.add(name, est.mean, est.sd, ", ".join(f"{v:g}" for v in centring["best_lr"][name]), *k)
    race_table = lab.Table(
        f"64-64-64-10 MLP, standardised inputs, Glorot init, SGD batch 32: steps until training accuracy >= "
        f"{TARGET_ACCURACY:.0%}; learning rate tuned on a separate seed",
        ["activation", "learning rate", "steps (mean)", "sd", f"pre-activations with |x| > {CROSSOVER:.3f}"],
    )
    for kind, name in NAMES.items():
        r = race[kind]
        race_table.add(name, r["lr"], r["steps"].mean, r["steps"].sd, r["beyond"].mean)
    grad = lab.Table(
        f"Gradient norms at initialisation, {depth} hidden layers of 64: log10(||dL/dW_1|| / ||dL/dW_{depth}||)",
        ["activation, init", "log10 ratio (mean)", "sd"],
    )
    for label, v in vanish.items():
        grad.add(label, v["log10_ratio"].mean, v["log10_ratio"].sd)
    during = lab.Table(
        f"Through training: 64-(64 x {TRAINED_DEPTH})-10 MLP, standardised inputs, Glorot init, SGD lr 0.1 batch "
        f"32; log10(||dL/dW_1|| / ||dL/dW_{TRAINED_DEPTH}||) on 256 training images and the share of hidden "
        f"activations on a flat end (tanh: |a| > {SATURATED}; sigmoid: outside [{1 - SATURATED:.2f}, {SATURATED}])",
        ["activation", "epochs of SGD", "log10 ratio (mean)", "95% CI", "saturated share (mean)", "training accuracy"],
    )
    for kind in ("sigmoid", "tanh"):
        t = training[kind]
        for k, epoch in enumerate(CHECKPOINTS):
            last = k == len(CHECKPOINTS) - 1
            lo, hi = lab.low(t["log10_ratio", epoch]), lab.high(t["log10_ratio", epoch])
            during.add(
                kind,
                epoch,
                t["log10_ratio", epoch].mean,
                f"{lo:.2f} to {hi:.2f}",
                t["saturated", epoch].mean,
                t["accuracy"].mean if last else "",
            )

    # ------------------------------------------------------------------ figures
    fig1, (a, b) = figure(1, 2, width=11, height=4)
    xs = np.linspace(-5, 5, 501)
    sig = 1 / (1 + np.exp(-xs))
    a.plot(xs, np.tanh(xs), color="#4c72b0", label="tanh")
    a.plot(xs, sig, color="#c44e52", label="sigmoid")
    a.plot(xs, sig - 0.5, ":", color="#c44e52", label="sigmoid - 1/2 (shift only)")
    a.plot(xs, 1 - np.tanh(xs) ** 2, "--", color="#4c72b0", label="tanh'")
    a.plot(xs, sig * (1 - sig), "--", color="#c44e52", label="sigmoid'")
    for side in (-1, 1):
        a.axvline(side * CROSSOVER, color="grey", lw=0.6)
    a.text(CROSSOVER + 0.1, -0.9, f"|x| = {CROSSOVER:.2f}:\nderivatives equal", fontsize=8)
    titled(a, "tanh(x) = 2 sigmoid(2x) - 1", x="x", y="value")
    a.legend(fontsize=7, loc="upper left")
    for kind, color in (("sigmoid", "#c44e52"), ("centred_sigmoid", "#dd8452"), ("tanh", "#4c72b0")):
        tuning = np.array(race[kind]["tuning"], dtype=float)
        ok = np.isfinite(tuning)
        b.plot(np.array(race["lrs"])[ok], tuning[ok], "o-", color=color, label=NAMES[kind])
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_yticks([30, 50, 100, 200, 500], ["30", "50", "100", "200", "500"])
    b.yaxis.set_minor_formatter(NullFormatter())
    titled(
        b,
        "speed against learning rate (tuning seed)",
        x="learning rate (SGD, batch 32)",
        y=f"steps to {TARGET_ACCURACY:.0%} training accuracy",
        legend=True,
    )

    fig2, (c, d) = figure(1, 2, width=11, height=4)
    names = ("raw", "centred", "standardised")
    c.bar(
        ["raw (pixels / 16)", "centred", "standardised"],
        [centring["steps"][n].mean for n in names],
        yerr=[centring["steps"][n].sd for n in names],
        color=["#c44e52", "#4c72b0", "#55a868"],
        capsize=4,
    )
    titled(c, "softmax regression: centring the inputs", y=f"steps to training loss {TARGET_LOSS}")
    layers = np.arange(1, depth + 1)
    for label, v in vanish.items():
        d.plot(layers, v["profile"], marker="o", ms=3, label=label)
    d.set_yscale("log")
    titled(
        d,
        f"gradient flow through {depth} layers",
        x="hidden layer (1 = nearest the input)",
        y="||dL/dW|| at initialisation",
        legend=True,
    )

    notes = [
        f"After training, the sigmoid net's mean hidden output is {trained['sigmoid']:.2f}, no longer 0.5, while "
        f"tanh's stays at {trained['tanh']:.3f}: tanh's centring holds up under training, the sigmoid's midpoint "
        "does not.",
        "Every learning rate is the best of a grid for that activation or input, so no variant loses for want "
        "of a step size. 'sigmoid - 1/2' has the sigmoid's derivative and tanh's centring: going from sigmoid to "
        "it measures centring, from it to tanh the larger slope.",
        f"The claims on trained networks are judged only if every MLP of the race reached {TARGET_ACCURACY:.0%} "
        f"training accuracy within 20 epochs, and the centring claim only if every softmax regression reached "
        f"loss {TARGET_LOSS} within 400 steps: a run that missed would enter the comparison at the budget, not "
        "at its real speed.",
        f"Vanishing is judged in two regimes, both with Glorot's initialisation: at initialisation ({depth} hidden "
        f"layers) and after {CHECKPOINTS[-1]} epochs of SGD ({TRAINED_DEPTH} hidden layers), the regime in which "
        "Glorot & Bengio (2010) saw tanh units saturate layer by layer. After training, "
        + "; ".join(
            f"{kind}: log10 ratio {training[kind]['log10_ratio', CHECKPOINTS[-1]]}, saturated share "
            f"{training[kind]['saturated', CHECKPOINTS[-1]]}, training accuracy {training[kind]['accuracy'].mean:.2f}"
            for kind in ("sigmoid", "tanh")
        )
        + ". The sigmoid's gradient vanishes without saturating: its slope, at most 1/4, shrinks it at every layer. "
        "Recurrent nets, where one weight matrix acts at every step, are another regime (see q13).",
    ]
    return lab.Result(
        metrics=metrics,
        figures={"shapes and speed": fig1, "centring and gradient flow": fig2},
        tables=[shape, means, cent, race_table, grad, during],
        notes=notes,
    )


# ------------------------------------------------------------------ rules
MIN_STEPS = 5  # optimizer steps: a smaller difference in training speed does not matter


def _near(metric: str, centre: float, tol: float) -> lab.Test:
    """The metric's whole interval lies within ``tol`` of ``centre``."""
    return lab.Above(metric, centre - tol) & lab.Below(metric, centre + tol)


def _far(metric: str, centre: float, tol: float) -> lab.Test:
    """The metric's whole interval lies more than ``tol`` from ``centre`` (on one side)."""
    return lab.Below(metric, centre - tol, strict=True) | lab.Above(metric, centre + tol, strict=True)


_SHIFTED = lab.Decide(
    (lab.Verdict.REFUTED, lab.Above("identity_max_error", 1e-6, strict=True)),
    (lab.Verdict.SUPPORTED, lab.Below("shift_only_max_error", 1e-6)),
    (lab.Verdict.PARTLY, lab.Below("identity_max_error", 1e-12)),
    otherwise=lab.Verdict.NOT_SUPPORTED,
    note="Float64 errors on a fine grid (exact): identity_max_error is max |tanh(x) - (2 sigmoid(2x) - 1)|, "
    "shift_only_max_error the best that shifting the sigmoid in x and y alone achieves; partly means a scaling of "
    "both axes is needed as well",
)
_TANH_CENTRED = _near("tanh_mean_init", 0.0, 0.05) & _near("tanh_mean_trained", 0.0, 0.05)
_CENTRED = lab.Decide(
    (lab.Verdict.REFUTED, _far("sigmoid_mean_init", 0.5, 0.25) | _far("tanh_mean_init", 0.0, 0.25)),
    (
        lab.Verdict.SUPPORTED,
        _TANH_CENTRED & _near("sigmoid_mean_init", 0.5, 0.05) & _near("sigmoid_mean_trained", 0.5, 0.05),
    ),
    (
        lab.Verdict.PARTLY,
        _TANH_CENTRED & _near("sigmoid_mean_init", 0.5, 0.05) & _far("sigmoid_mean_trained", 0.5, 0.05),
    ),
    (
        lab.Verdict.NOT_SUPPORTED,
        _far("tanh_mean_init", 0.0, 0.05) | _far("tanh_mean_trained", 0.0, 0.05) | _far("sigmoid_mean_init", 0.5, 0.05),
    ),
    note=f"Mean hidden output on standardised inputs, fresh nets and nets trained to {TARGET_ACCURACY:.0%}, over "
    "seeds; partly means the fresh nets are centred but the trained sigmoid net drifts from 0.5",
)
_FASTER = lab.Decide(
    (lab.Verdict.REFUTED, lab.Below("steps_saved_by_tanh", 0.0, strict=True)),
    (
        lab.Verdict.NOT_SUPPORTED,
        lab.Above("steps_saved_by_tanh", -MIN_STEPS, strict=True)
        & lab.Below("steps_saved_by_tanh", MIN_STEPS, strict=True),
    ),
    (
        lab.Verdict.SUPPORTED,
        lab.Above("steps_saved_by_tanh", 0.0, strict=True)
        & lab.Above("steps_saved_by_tanh_over_centred_sigmoid", 0.0, strict=True)
        & lab.Below("share_beyond_crossover", 0.05),
    ),
    (
        lab.Verdict.PARTLY,
        lab.Above("steps_saved_by_tanh", 0.0, strict=True)
        & (
            lab.Below("steps_saved_by_tanh_over_centred_sigmoid", 0.0)
            | lab.Above("share_beyond_crossover", 0.05, strict=True)
        ),
    ),
    note="Steps of SGD to the target saved by tanh, paired over seeds, against the sigmoid and against sigmoid - 1/2 "
    f"(centred like tanh, so beating it credits the slope); share_beyond_crossover is the share of tanh's "
    f"pre-activations where the sigmoid is the steeper one (|x| > {CROSSOVER:.3f})",
)


def _vanishes(metric: str) -> lab.Test:
    """The first hidden layer's gradient is at least 100x below the last one's (log10 ratio <= -2)."""
    return lab.Below(metric, -2.0)


def _keeps(metric: str) -> lab.Test:
    return lab.Above(metric, -2.0, strict=True)


_SIGMOID_VANISHES = _vanishes("log10_ratio_sigmoid") | _vanishes("log10_ratio_sigmoid_trained")
_BOTH_VANISH = lab.Decide(
    (
        lab.Verdict.SUPPORTED,
        _SIGMOID_VANISHES & (_vanishes("log10_ratio_tanh") | _vanishes("log10_ratio_tanh_trained")),
    ),
    (
        lab.Verdict.PARTLY,
        _SIGMOID_VANISHES
        & _keeps("log10_ratio_tanh")
        & _keeps("log10_ratio_tanh_trained")
        & _vanishes("log10_ratio_tanh_default_init"),
    ),
    (
        lab.Verdict.REFUTED,
        _keeps("log10_ratio_sigmoid")
        & _keeps("log10_ratio_sigmoid_trained")
        & _keeps("log10_ratio_tanh")
        & _keeps("log10_ratio_tanh_trained")
        & _keeps("log10_ratio_tanh_default_init"),
    ),
    otherwise=lab.Verdict.NOT_SUPPORTED,
    note="log10 of the first hidden layer's gradient norm over the last one's, with Glorot's initialisation at "
    "initialisation (20 hidden layers) and after 20 epochs of SGD (8 hidden layers), and for tanh also with the "
    "default initialisation; an activation vanishes if it does in either regime; partly means tanh only vanishes "
    "with the default initialisation",
)
_RACE_GATE = lab.Gate(
    "race_runs_reaching_target",
    f"every MLP of the race reached {TARGET_ACCURACY:.0%} training accuracy within its budget",
    at_least=1.0,
)


EXPERIMENT = lab.described(
    "q08",
    claims=(
        lab.Claim(
            "tanh_is_shifted_sigmoid",
            "tanh is a shifted version of the sigmoid.",
            _SHIFTED,
        ),
        lab.Claim(
            "zero_centred",
            "tanh outputs are centred on 0, sigmoid outputs on 0.5.",
            _CENTRED,
            gates=(_RACE_GATE,),
        ),
        lab.Claim(
            "centred_inputs_converge_faster",
            "Gradient descent converges faster when the inputs have mean zero.",
            lab.Effect("steps_saved_by_centring", sign=+1, min_effect=2.0, unit=" steps"),
            gates=(
                lab.Gate(
                    "centring_runs_reaching_target",
                    f"softmax regression reached training loss {TARGET_LOSS} within 400 steps on raw and on centred "
                    "inputs, every seed",
                    at_least=1.0,
                ),
            ),
        ),
        lab.Claim(
            "larger_derivative_faster",
            "tanh has larger derivatives than the sigmoid, so networks using it train faster.",
            _FASTER,
            gates=(_RACE_GATE,),
        ),
        lab.Claim(
            "both_vanish",
            "Both tanh and sigmoid suffer from vanishing gradients.",
            _BOTH_VANISH,
        ),
    ),
    run=run,
)
