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
from .plots import figure

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
        steps, beyond, centre, hit = [], [], [], []
        budget = 20 * math.ceil(len(y) / 32)
        for seed in seeds:
            model = _build(kind, seed)
            # a run that never gets there counts as the whole budget (20 epochs), so the comparison stays finite
            steps.append(min(_steps_to(model, x, y, lr, 32, 20, seed, reached, 2), budget))
            hit.append(steps[-1] < budget)
            pre, _ = _hidden(model, x)
            beyond.append(float(np.mean([np.mean(np.abs(p) > CROSSOVER) for p in pre])))
            centre.append(_mean_activation(model, x, 0.5 if kind == "sigmoid" else 0.0))
        out[kind] = {
            "lr": lr,
            "tuning": tuning,
            "steps": lab.estimate(steps, seeds),
            "beyond": lab.estimate(beyond, seeds),
            "trained_mean": tuple(lab.estimate(v, seeds) for v in zip(*centre)),
            "reached": hit,
        }
    return {"lrs": lrs, **out}


def _mean_activation(model: nn.Module, x: np.ndarray, centre: float) -> tuple[float, float]:
    """Mean hidden activation over units and samples, and the mean |per-unit mean - centre|."""
    post = _hidden(model, x)[1]
    overall = float(np.mean([a.mean() for a in post]))
    per_unit = float(np.mean([np.abs(a.mean(axis=0) - centre).mean() for a in post]))
    return overall, per_unit


def _initial_means(seeds, x_std, x_raw) -> dict:
    """Mean hidden activations of freshly initialised 64-64-64-10 nets, on standardised and on raw inputs."""
    out = {}
    for kind, centre in (("sigmoid", 0.5), ("tanh", 0.0)):
        for name, x in (("standardised", x_std), ("raw", x_raw)):
            pairs = [_mean_activation(_build(kind, s), x, centre) for s in seeds]
            out[(kind, name)] = tuple(lab.estimate(v, seeds) for v in zip(*pairs))
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
    out = {}
    for kind in ("sigmoid", "tanh"):
        ratios, saturated, trained = [], [], []
        for seed in seeds:
            model, done, r, sat = _build(kind, seed, depth=TRAINED_DEPTH), 0, [], []
            for epoch in CHECKPOINTS:
                if epoch > done:
                    train(model, x, y, epochs=epoch - done, batch_size=32, lr=0.1, seed=100 * seed + epoch)
                    done = epoch
                profile = _hidden_gradients(model, x[:256], y[:256])
                r.append(float(np.log10(profile[0] / profile[-1])))
                sat.append(_saturated(kind, _hidden(model, x)[1]))
            ratios.append(r)
            saturated.append(sat)
            trained.append(accuracy(model, x, y))
        out[kind] = {
            "log10_ratio": [lab.estimate(v, seeds) for v in zip(*ratios)],
            "saturated": [lab.estimate(v, seeds) for v in zip(*saturated)],
            "accuracy": lab.estimate(trained, seeds),
        }
    return out


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
        profiles = []
        for seed in seeds:
            profiles.append(_hidden_gradients(_build(kind, seed, depth=depth, init=init), x[:256], y[:256]))
        profiles = np.array(profiles)
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

    trained = {k: race[k]["trained_mean"][0].mean for k in ("sigmoid", "tanh")}
    steps = {k: race[k]["steps"] for k in NAMES}
    metrics = {
        "identity_max_error": ident["identity"],
        "shift_only_max_error": ident["shift_only"],
        "tanh_mean_init": initial[("tanh", "standardised")][0],
        "tanh_mean_trained": race["tanh"]["trained_mean"][0],
        "sigmoid_mean_init": initial[("sigmoid", "standardised")][0],
        "sigmoid_mean_trained": race["sigmoid"]["trained_mean"][0],
        "race_runs_reaching_target": lab.proportion(
            [hit for kind in NAMES for hit in race[kind]["reached"]], [s for _ in NAMES for s in seeds]
        ),
        "centring_runs_reaching_target": centring["reached"],
        "steps_saved_by_centring": lab.paired_difference(centring["steps"]["raw"], centring["steps"]["centred"]),
        "steps_saved_by_tanh": lab.paired_difference(steps["sigmoid"], steps["tanh"]),
        "steps_saved_by_tanh_over_centred_sigmoid": lab.paired_difference(steps["centred_sigmoid"], steps["tanh"]),
        "share_beyond_crossover": race["tanh"]["beyond"],
        "log10_ratio_sigmoid": vanish["sigmoid, Glorot"]["log10_ratio"],
        "log10_ratio_tanh": vanish["tanh, Glorot"]["log10_ratio"],
        "log10_ratio_tanh_default_init": vanish["tanh, default init"]["log10_ratio"],
        "log10_ratio_sigmoid_trained": training["sigmoid"]["log10_ratio"][-1],
        "log10_ratio_tanh_trained": training["tanh"]["log10_ratio"][-1],
        "saturated_sigmoid_trained": training["sigmoid"]["saturated"][-1],
        "saturated_tanh_trained": training["tanh"]["saturated"][-1],
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
            race["sigmoid"]["trained_mean"],
            race["tanh"]["trained_mean"],
        )
    )
    for label, inputs, sig_est, tanh_est in rows:
        means.add(label, inputs, sig_est[0].mean, tanh_est[0].mean, sig_est[1].mean, tanh_est[1].mean)
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
            lo, hi = lab.low(t["log10_ratio"][k]), lab.high(t["log10_ratio"][k])
            during.add(
                kind,
                epoch,
                t["log10_ratio"][k].mean,
                f"{lo:.2f} to {hi:.2f}",
                t["saturated"][k].mean,
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
    a.set_xlabel("x")
    a.set_ylabel("value")
    a.set_title("tanh(x) = 2 sigmoid(2x) - 1")
    a.legend(fontsize=7, loc="upper left")
    for kind, color in (("sigmoid", "#c44e52"), ("centred_sigmoid", "#dd8452"), ("tanh", "#4c72b0")):
        tuning = np.array(race[kind]["tuning"], dtype=float)
        ok = np.isfinite(tuning)
        b.plot(np.array(race["lrs"])[ok], tuning[ok], "o-", color=color, label=NAMES[kind])
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_yticks([30, 50, 100, 200, 500], ["30", "50", "100", "200", "500"])
    b.yaxis.set_minor_formatter(NullFormatter())
    b.set_xlabel("learning rate (SGD, batch 32)")
    b.set_ylabel(f"steps to {TARGET_ACCURACY:.0%} training accuracy")
    b.set_title("speed against learning rate (tuning seed)")
    b.legend(fontsize=8)

    fig2, (c, d) = figure(1, 2, width=11, height=4)
    names = ("raw", "centred", "standardised")
    c.bar(
        ["raw (pixels / 16)", "centred", "standardised"],
        [centring["steps"][n].mean for n in names],
        yerr=[centring["steps"][n].sd for n in names],
        color=["#c44e52", "#4c72b0", "#55a868"],
        capsize=4,
    )
    c.set_ylabel(f"steps to training loss {TARGET_LOSS}")
    c.set_title("softmax regression: centring the inputs")
    layers = np.arange(1, depth + 1)
    for label, v in vanish.items():
        d.plot(layers, v["profile"], marker="o", ms=3, label=label)
    d.set_yscale("log")
    d.set_xlabel("hidden layer (1 = nearest the input)")
    d.set_ylabel("||dL/dW|| at initialisation")
    d.set_title(f"gradient flow through {depth} layers")
    d.legend(fontsize=8)

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
            f"{kind}: log10 ratio {training[kind]['log10_ratio'][-1]}, saturated share "
            f"{training[kind]['saturated'][-1]}, training accuracy {training[kind]['accuracy'].mean:.2f}"
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


def _near(metric, centre: float, tol: float) -> bool | None:
    """Whether the interval lies within ``tol`` of ``centre`` (True), wholly outside it (False), or neither."""
    lo, hi = lab.low(metric), lab.high(metric)
    if centre - tol <= lo and hi <= centre + tol:
        return True
    if hi < centre - tol or lo > centre + tol:
        return False
    return None


def _shifted(m: dict) -> lab.Judgement:
    identity, shift = m["identity_max_error"], m["shift_only_max_error"]
    if lab.low(identity) > 1e-6:
        return lab.Judgement(lab.Verdict.REFUTED)
    if lab.high(shift) <= 1e-6:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.low(shift) > 1e-6 and lab.high(identity) <= 1e-12:
        return lab.Judgement(lab.Verdict.PARTLY, "no shift matches; a scaling of both axes is needed as well")
    if lab.low(shift) > 1e-6 and lab.low(identity) > 1e-12 and lab.high(identity) <= 1e-6:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, "identity_max_error", "shift_only_max_error")


def _centred(m: dict) -> lab.Judgement:
    tanh = [_near(m[k], 0.0, 0.05) for k in ("tanh_mean_init", "tanh_mean_trained")]
    fresh, trained = _near(m["sigmoid_mean_init"], 0.5, 0.05), _near(m["sigmoid_mean_trained"], 0.5, 0.05)
    if _near(m["sigmoid_mean_init"], 0.5, 0.25) is False or _near(m["tanh_mean_init"], 0.0, 0.25) is False:
        return lab.Judgement(lab.Verdict.REFUTED)
    if all(tanh) and fresh:
        if trained:
            return lab.Judgement(lab.Verdict.SUPPORTED)
        if trained is False:
            return lab.Judgement(lab.Verdict.PARTLY, "the trained sigmoid net drifts more than 0.05 from 0.5")
    if False in tanh or fresh is False:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, *_CENTRE)


def _faster(m: dict) -> lab.Judgement:
    over_sigmoid, over_centred = m["steps_saved_by_tanh"], m["steps_saved_by_tanh_over_centred_sigmoid"]
    if lab.high(over_sigmoid) < 0:
        return lab.Judgement(lab.Verdict.REFUTED)
    if lab.low(over_sigmoid) > -MIN_STEPS and lab.high(over_sigmoid) < MIN_STEPS:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED, "tanh and the sigmoid take about as many steps")
    if not lab.low(over_sigmoid) > 0:
        return lab.undecided(m, "steps_saved_by_tanh")
    slope = lab.low(over_centred) > 0  # faster than a sigmoid centred like tanh: the slope itself helps
    where_steeper = lab.lies_below(m["share_beyond_crossover"], 0.05)  # its units sit where tanh is the steeper one
    if slope and where_steeper:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.high(over_centred) <= 0 or where_steeper is False:
        return lab.Judgement(
            lab.Verdict.PARTLY,
            "tanh beats the sigmoid, but "
            + (
                "not a centred sigmoid"
                if lab.high(over_centred) <= 0
                else "many of its units sit where the sigmoid is steeper"
            ),
        )
    return lab.undecided(m, "steps_saved_by_tanh_over_centred_sigmoid", "share_beyond_crossover")


def _either(*tests: bool | None) -> bool | None:
    """Three-valued or: True if any test is True, False if all are False, else None (cannot tell)."""
    if True in tests:
        return True
    return False if all(t is False for t in tests) else None


def _regimes(init: bool | None, trained: bool | None) -> str:
    """The regimes in which a test came out True, in words ("at initialisation and after training")."""
    return " and ".join(name for name, v in (("at initialisation", init), ("after training", trained)) if v)


def _both_vanish(m: dict) -> lab.Judgement:
    sig_init, tanh_init, tanh_default, sig_trained, tanh_trained = (lab.lies_below(m[k], -2) for k in _VANISH)
    sigmoid, tanh = _either(sig_init, sig_trained), _either(tanh_init, tanh_trained)
    if sigmoid and tanh:
        return lab.Judgement(
            lab.Verdict.SUPPORTED,
            f"with Glorot's initialisation the sigmoid vanishes {_regimes(sig_init, sig_trained)}, tanh "
            f"{_regimes(tanh_init, tanh_trained)}",
        )
    if sigmoid and tanh is False and tanh_default:
        return lab.Judgement(
            lab.Verdict.PARTLY,
            f"the sigmoid vanishes {_regimes(sig_init, sig_trained)}; tanh only with the default initialisation, "
            "not with Glorot's, neither at initialisation nor after training",
        )
    if _either(sigmoid, tanh, tanh_default) is False:
        return lab.Judgement(lab.Verdict.REFUTED)
    if None not in (sigmoid, tanh, tanh_default):
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, *_VANISH)


MIN_STEPS = 5  # optimizer steps: a smaller difference in training speed does not matter
_SHIFT = ("identity_max_error", "shift_only_max_error")
_CENTRE = ("tanh_mean_init", "tanh_mean_trained", "sigmoid_mean_init", "sigmoid_mean_trained")
_FAST = ("steps_saved_by_tanh", "steps_saved_by_tanh_over_centred_sigmoid", "share_beyond_crossover")
_VANISH = (
    "log10_ratio_sigmoid",
    "log10_ratio_tanh",
    "log10_ratio_tanh_default_init",
    "log10_ratio_sigmoid_trained",
    "log10_ratio_tanh_trained",
)
_e = lab.estimate_of
_vanish_case = lab.synthetic(*_VANISH)
_YES, _NO = [-4.0, -3.0, -3.5], [0.1, 0.0, 0.05]  # log10 ratios that vanish / clearly do not
_RACE_GATE = lab.Gate(
    "race_runs_reaching_target",
    f"every MLP of the race reached {TARGET_ACCURACY:.0%} training accuracy within its budget",
    at_least=1.0,
)


EXPERIMENT = lab.Experiment(
    id="q08",
    question="How do tanh and sigmoid differ?",
    answer=(
        "They are the same curve up to an affine change of both axes: tanh(x) = 2 sigmoid(2x) - 1. tanh maps "
        "onto (-1, 1) and is odd, so for inputs symmetric about 0 its outputs average near 0; the sigmoid maps "
        "onto (0, 1) and its outputs average near 1/2. Outputs that all share one sign make every weight of the "
        "next layer move in the same direction on a step, which slows gradient descent; centring the inputs "
        "(LeCun et al. 1998) and using a zero-centred activation both help. tanh's slope at 0 is 1, four times "
        "the sigmoid's, but it is steeper only for |x| < 1.66; past that the sigmoid has the larger derivative. "
        "Both flatten out for large |x|, so both can make gradients vanish in deep stacks: the sigmoid always "
        "shrinks them (its slope is at most 1/4), tanh only when the initialisation or the weights let its units "
        "saturate or shrink the signal. With Glorot's initialisation a deep feedforward tanh net keeps its "
        "gradient at initialisation, and through training by SGD, where few of its units saturate; the sigmoid's "
        "gradient vanishes in both regimes. In recurrent nets, where the same weights act at every step, tanh's "
        "gradient does vanish over long lags."
    ),
    claims=(
        lab.Claim(
            "tanh_is_shifted_sigmoid",
            "tanh is a shifted version of the sigmoid.",
            lab.Custom(
                _shifted,
                "float64 errors on a fine grid (exact computations): supported if some shift of the sigmoid "
                "matches tanh within 1e-6; partly if no shift does but 2 sigmoid(2x) - 1 matches it within 1e-12 "
                "(a scaling is needed as well); refuted if even that misses by more than 1e-6; not supported in "
                "between; an interval across a bar (never here) is inconclusive",
                _SHIFT,
                {
                    lab.Verdict.SUPPORTED: {"identity_max_error": 1e-16, "shift_only_max_error": 1e-7},
                    lab.Verdict.PARTLY: {"identity_max_error": 1e-16, "shift_only_max_error": 0.5},
                    lab.Verdict.NOT_SUPPORTED: {"identity_max_error": 1e-9, "shift_only_max_error": 0.5},
                    lab.Verdict.REFUTED: {"identity_max_error": 0.1, "shift_only_max_error": 0.5},
                    lab.Verdict.INCONCLUSIVE: {"identity_max_error": 1e-16, "shift_only_max_error": _e(0.5)},
                },
            ),
        ),
        lab.Claim(
            "zero_centred",
            "tanh outputs are centred on 0, sigmoid outputs on 0.5.",
            lab.Custom(
                _centred,
                "mean hidden output on standardised inputs, fresh nets and nets trained to "
                f"{TARGET_ACCURACY:.0%}, judged by 95% CIs over seeds: supported if tanh's lies within 0.05 of 0 and "
                "the sigmoid's within 0.05 of 0.5 in both; partly if so for the fresh nets and tanh's trained net "
                "but the trained sigmoid net's lies more than 0.05 from 0.5; refuted if a fresh net's lies more "
                "than 0.25 from its centre; not supported if tanh or the fresh sigmoid misses by more than 0.05; "
                "otherwise inconclusive",
                _CENTRE,
                {
                    lab.Verdict.SUPPORTED: dict(
                        zip(_CENTRE, (_e(0.01, 0, 0.02), _e(0.01, 0, 0.02), _e(0.5, 0.51, 0.49), _e(0.48, 0.49, 0.5)))
                    ),
                    lab.Verdict.PARTLY: dict(
                        zip(_CENTRE, (_e(0.01, 0, 0.02), _e(0.01, 0, 0.02), _e(0.5, 0.51, 0.49), _e(0.3, 0.32, 0.35)))
                    ),
                    lab.Verdict.NOT_SUPPORTED: dict(
                        zip(_CENTRE, (_e(0.1, 0.12, 0.11), _e(0.01, 0, 0.02), _e(0.5, 0.51, 0.49), _e(0.3, 0.32, 0.35)))
                    ),
                    lab.Verdict.REFUTED: dict(
                        zip(_CENTRE, (_e(0.01, 0, 0.02), _e(0.01, 0, 0.02), _e(0.2, 0.21, 0.19), _e(0.3, 0.32, 0.35)))
                    ),
                    lab.Verdict.INCONCLUSIVE: dict(
                        zip(_CENTRE, (_e(0.01, 0, 0.02), _e(0.01, 0, 0.02), _e(0.5, 0.51, 0.49), _e(0.3, 0.5, 0.4)))
                    ),
                },
            ),
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
            lab.Custom(
                _faster,
                "steps saved by tanh, paired over seeds (95% CIs): supported if tanh needs fewer steps than both "
                "sigmoid and sigmoid - 1/2 (CIs of the paired differences > 0) and at most 5% of its "
                f"pre-activations sit where the sigmoid is steeper (|x| > {CROSSOVER:.3f}; CI <= 0.05); partly if it "
                "beats the sigmoid but clearly fails one of the other two; refuted if it is slower than the sigmoid "
                f"(CI < 0); not supported if the two differ by less than {MIN_STEPS} steps (CI within ±{MIN_STEPS}); "
                "otherwise inconclusive",
                _FAST,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_FAST, (_e(50, 60, 55), _e(20, 25, 22), _e(0.01, 0.02, 0.015)))),
                    lab.Verdict.PARTLY: dict(zip(_FAST, (_e(50, 60, 55), _e(20, 25, 22), _e(0.2, 0.21, 0.19)))),
                    lab.Verdict.NOT_SUPPORTED: dict(zip(_FAST, (_e(1, -1, 0), _e(20, 25, 22), _e(0.2, 0.21, 0.19)))),
                    lab.Verdict.REFUTED: dict(zip(_FAST, (_e(-50, -60, -55), _e(20, 25, 22), _e(0.2, 0.21, 0.19)))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_FAST, (_e(50, 60, 55), _e(20, -25, 2), _e(0.01, 0.2, 0.1)))),
                },
            ),
            gates=(_RACE_GATE,),
        ),
        lab.Claim(
            "both_vanish",
            "Both tanh and sigmoid suffer from vanishing gradients.",
            lab.Custom(
                _both_vanish,
                "vanishing = gradient norm of the first hidden layer at least 100x below the last one's (95% CI "
                "of the log10 ratio <= -2; not vanishing: CI above -2), in two regimes with Glorot initialisation: "
                "at initialisation (20 hidden layers) and after 20 epochs of SGD (8 hidden layers); an activation "
                "vanishes if it does in either regime. Supported if both the sigmoid and tanh vanish; partly if "
                "the sigmoid does and tanh only with the default (uniform 1/sqrt(fan_in)) initialisation; refuted "
                "if neither vanishes in any setting; not supported for the other decided cases; otherwise "
                "inconclusive",
                _VANISH,
                {
                    lab.Verdict.SUPPORTED: _vanish_case(_NO, _NO, _YES, _YES, _YES),
                    lab.Verdict.PARTLY: _vanish_case(_YES, _NO, _YES, _YES, _NO),
                    lab.Verdict.NOT_SUPPORTED: _vanish_case(_NO, _NO, _YES, _NO, _NO),
                    lab.Verdict.REFUTED: _vanish_case(_NO, _NO, _NO, _NO, _NO),
                    lab.Verdict.INCONCLUSIVE: _vanish_case(_YES, _NO, _YES, _YES, [-3.0, 1.0, -1.0]),
                },
            ),
        ),
    ),
    data=(
        "scikit-learn digits (8x8 images, pixels / 16), stratified 1,200 train / 597 test; 1,000-image "
        "training subsets for softmax regression; 64-64-64-10 MLPs (standardised inputs, Glorot init, SGD batch "
        "32); gradient flow in width-64 MLPs: 20 hidden layers at initialisation, 8 hidden layers through 20 "
        "epochs of SGD (lr 0.1, batch 32)"
    ),
    references=(
        "LeCun, Bottou, Orr & Mueller (1998). Efficient BackProp. In Neural Networks: Tricks of the Trade, "
        "LNCS 1524, Springer.",
        "LeCun, Kanter & Solla (1991). Eigenvalues of covariance matrices: application to neural-network "
        "learning. Physical Review Letters 66(18).",
        "Glorot & Bengio (2010). Understanding the difficulty of training deep feedforward neural networks. AISTATS.",
        "Hochreiter (1991). Untersuchungen zu dynamischen neuronalen Netzen. Diploma thesis, TU Munich.",
    ),
    run=run,
)
