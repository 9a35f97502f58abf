"""Code export: the drawn network as a self-contained PyTorch or Keras 3 script.

:func:`export_script` writes three files: the script, ``<script>_weights.npz`` (the
current weights, ``W1, b1, W2, b2, ...`` with W of shape (inputs, units)) and
``<script>_data.npz`` (the train/validation/test arrays exactly as nnviz prepared them:
split, features, flattening and normalization already applied — the simplest exact way to
train on the same data). The script defines ``load_data()`` and ``build_model()`` (the
network with the exported weights loaded), ``predict``, ``train`` and ``evaluate``, and
trains only under ``if __name__ == "__main__":``, so it can be imported.

The exported training follows nnviz step for step: the same batch size, the same sample
order (each epoch a permutation from ``numpy.random.default_rng(seed)``, none when one
batch holds the whole set), the loss computed from the output layer's z where nnviz does
(sigmoid + binary cross-entropy, softmax + categorical cross-entropy), L1/L2 penalties
added to the loss, and clipping of the global gradient norm.

Optimizer formulas. nnviz follows PyTorch's ``torch.optim`` update rules with Keras'
argument names (see :mod:`nnviz.engine.optimizers`), so the PyTorch script uses
``torch.optim`` as it is. Keras 3 differs, and the Keras script therefore defines small
optimizers that follow nnviz (and PyTorch) instead of using ``keras.optimizers``:

- Adam/AdamW: Keras adds ε to √v before bias correction, ``m̂ / (√v + ε)`` with
  lr·√(1-β₂ᵗ)/(1-β₁ᵗ); nnviz and PyTorch add it after: ``m̂ / (√v̂ + ε)``.
- RMSprop: Keras puts ε inside the root, ``g / √(v + ε)``; nnviz ``g / (√v + ε)``.
- Adagrad: Keras also puts ε inside the root; the initial accumulator (0.1) agrees.
- SGD: Keras' velocity v ← μv - lr·g equals PyTorch's b ← μb + g, p ← p - lr·b only
  while lr is constant (they differ under a schedule).
- weight_decay: Keras decays weights decoupled (p ← p - lr·wd·p) in every optimizer;
  nnviz adds wd·p to the gradient (PyTorch's coupled L2) except in AdamW.
- Initializers: Keras' glorot_normal, he_normal and lecun_normal draw truncated normals;
  nnviz draws plain ones (as ``torch.nn.init``), so the Keras script uses VarianceScaling
  with ``distribution="untruncated_normal"``. Only a fresh network is affected: the script
  loads nnviz's weights over the drawn ones.
- Keras' binary cross-entropy works on the clipped probabilities, nnviz on z; they agree
  except where σ(z) is within 1e-7 of 0 or 1.
- Precision: the PyTorch script computes in the spec's dtype and matches nnviz to rounding
  (about 1e-16 in float64). Keras 3 (torch backend, 3.x) promotes ``ops.matmul`` of two
  float64 tensors to float32, so the Keras script agrees to about 1e-7.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnviz.data import PreparedData
from nnviz.engine import optimizers as optimizers_module
from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.initializers import DEFAULT_RANDOM_SCALE, INITIALIZERS
from nnviz.engine.losses import LOSSES
from nnviz.engine.optimizers import OPTIMIZERS
from nnviz.engine.schedules import SCHEDULES
from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.io.export import ExportError, atomic_open

FRAMEWORKS = ("pytorch", "keras")
DEFAULT_EPOCHS = 100

# -- what each framework calls nnviz's pieces ---------------------------------------------
TORCH_ACTIVATIONS = {
    "sigmoid": ("nn.Sigmoid()", "a = σ(z) = 1 / (1 + e^-z)"),
    "tanh": ("nn.Tanh()", "a = tanh(z)"),
    "relu": ("nn.ReLU()", "a = max(0, z)"),
    "leaky_relu": ("nn.LeakyReLU(0.01)", "a = z if z > 0 else 0.01·z"),
    "elu": ("nn.ELU(alpha=1.0)", "a = z if z > 0 else e^z - 1"),
    "softplus": ("nn.Softplus()", "a = log(1 + e^z)"),
    "swish": ("nn.SiLU()", "a = z·σ(z) (swish)"),
    "gelu": ('nn.GELU(approximate="tanh")', "a = GELU(z), tanh approximation"),
    "linear": ("nn.Identity()", "a = z (linear)"),
    "softmax": ("nn.Softmax(dim=1)", "a = softmax(z) = e^z / Σ e^z"),
}
KERAS_ACTIVATIONS = {
    "sigmoid": '"sigmoid"',
    "tanh": '"tanh"',
    "relu": '"relu"',
    # Keras' leaky_relu defaults to a slope of 0.2; nnviz (and PyTorch) use 0.01
    "leaky_relu": "leaky_relu_001",
    "elu": '"elu"',
    "softplus": '"softplus"',
    "swish": '"silu"',
    "gelu": "gelu_tanh",
    "linear": '"linear"',
    "softmax": '"softmax"',
}
TORCH_INITIALIZERS = {
    "zeros": "nn.init.zeros_({w})",
    "random_normal": "nn.init.normal_({w}, mean=0.0, std={scale})",
    "random_uniform": "nn.init.uniform_({w}, -{scale}, {scale})",
    "glorot_normal": "nn.init.xavier_normal_({w})",
    "glorot_uniform": "nn.init.xavier_uniform_({w})",
    "he_normal": 'nn.init.kaiming_normal_({w}, nonlinearity="relu")',
    "he_uniform": 'nn.init.kaiming_uniform_({w}, nonlinearity="relu")',
    "lecun_normal": "nn.init.normal_({w}, mean=0.0, std=(1.0 / {w}.shape[1]) ** 0.5)",
}
KERAS_INITIALIZERS = {
    "zeros": '"zeros"',
    "random_normal": "keras.initializers.RandomNormal(stddev={scale})",
    "random_uniform": "keras.initializers.RandomUniform(-{scale}, {scale})",
    "glorot_normal": 'keras.initializers.VarianceScaling(1.0, "fan_avg", "untruncated_normal")',
    "glorot_uniform": '"glorot_uniform"',
    "he_normal": 'keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")',
    "he_uniform": '"he_uniform"',
    "lecun_normal": 'keras.initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal")',
}
LOSS_WORDS = {
    "binary_crossentropy": "binary cross-entropy L = -mean(y·log a + (1 - y)·log(1 - a))",
    "categorical_crossentropy": (
        "categorical cross-entropy L = -mean over samples of Σ_k y_k·log a_k"
    ),
    "mse": "mean squared error L = mean((a - y)²)",
}
SCHEDULE_FORMULAS = {
    "constant": None,
    "step": "{rate!r} ** (t // {steps})",
    "exponential": "{rate!r} ** ({progress})",
    "inverse_time": "1.0 / (1.0 + {rate!r} * {progress})",
}


@dataclass(frozen=True)
class _Network:
    """What the templates need from a spec, with names resolved to the canonical ones."""

    spec: NetworkSpec
    loss: str
    optimizer: str
    options: dict[str, object]
    schedule: str
    schedule_options: dict[str, object]

    @classmethod
    def of(cls, spec: NetworkSpec) -> _Network:
        spec.validate()
        name = OPTIMIZERS.canonical(spec.optimizer.name)
        optimizer = optimizers_module.get(name, **dict(spec.optimizer.options))
        schedule = SCHEDULES.canonical(spec.schedule.name)
        schedule_options = SCHEDULES.get(schedule)(**dict(spec.schedule.options)).get_config()
        return cls(
            spec,
            LOSSES.canonical(spec.loss),
            name,
            optimizer.get_config(),
            schedule,
            schedule_options,
        )

    @property
    def output_activation(self) -> str:
        return ACTIVATIONS.canonical(self.spec.dense_layers[-1].activation)

    @property
    def from_logits(self) -> bool:
        return (self.loss, self.output_activation) in (
            ("binary_crossentropy", "sigmoid"),
            ("categorical_crossentropy", "softmax"),
        )

    @property
    def regularized(self) -> bool:
        return any(layer.l1 or layer.l2 for layer in self.spec.dense_layers)


def _fmt(value: object) -> str:
    return repr(float(value)) if isinstance(value, float) else repr(value)


def _units(layer: LayerSpec) -> str:
    return f"{layer.units} unit{'' if layer.units == 1 else 's'}"


def _scale(layer: LayerSpec) -> str:
    return _fmt(DEFAULT_RANDOM_SCALE if layer.init_scale is None else float(layer.init_scale))


def _layer_comments(spec: NetworkSpec) -> list[tuple[LayerSpec, str, int]]:
    """(layer, "hidden layer 2" / "output layer" / "dropout", fan-in) per layer."""
    rows = []
    inputs, number = spec.input_dim, 0
    count = len(spec.dense_layers)
    for layer in spec.layers:
        if not layer.is_dense():
            rows.append((layer, "dropout", inputs))
            continue
        number += 1
        role = "output layer" if number == count else f"hidden layer {number}"
        rows.append((layer, role, inputs))
        inputs = layer.units
    return rows


def _schedule_lambda(net: _Network) -> str | None:
    """The schedule as a Python expression of t (updates done so far), or None."""
    template = SCHEDULE_FORMULAS[net.schedule]
    if template is None:
        return None
    options = net.schedule_options
    steps = int(options["decay_steps"])
    progress = f"(t // {steps})" if options.get("staircase") else f"t / {steps}"
    return template.format(rate=float(options["decay_rate"]), steps=steps, progress=progress)


def _header(net: _Network, framework: str, stem: str, data: PreparedData, title: str) -> str:
    spec = net.spec
    sizes = "-".join(str(n) for n in (spec.input_dim, *(d.units for d in spec.dense_layers)))
    kind = "PyTorch" if framework == "pytorch" else "Keras 3"
    install = "pip install torch numpy" if framework == "pytorch" else "pip install keras numpy"
    n_train = len(data.x_train)
    n_test = 0 if data.x_test is None else len(data.x_test)
    about = textwrap.fill(
        "Every dense layer computes z = x·W + b (x: one sample per row, W: inputs x units), "
        f"then a = g(z) with its activation g. The loss is {LOSS_WORDS[net.loss]}. Training is "
        f"mini-batch gradient descent with {net.optimizer}: {n_train} training samples in "
        f"batches of {spec.batch_size or 'all of them (full batch)'}; {n_test} test samples.",
        88,
    )
    files = textwrap.fill(
        f"Files beside this script: {stem}_weights.npz (the weights nnviz had when you "
        f"exported) and {stem}_data.npz (the data exactly as nnviz prepared it: split, "
        "features and normalization already applied).",
        88,
    )
    return f'''"""{title}: a {sizes} network drawn in nnviz, in {kind}.

{about}

{files}

    python {stem}.py                 # train for EPOCHS epochs, printing the loss
    from {stem} import build_model, load_data   # or use the pieces yourself

Needs: {install}
"""'''


# -- PyTorch ------------------------------------------------------------------------------
def pytorch_script(spec: NetworkSpec, stem: str, data: PreparedData, title: str = "nnviz") -> str:
    """The PyTorch script for ``spec``, reading ``<stem>_weights.npz`` and
    ``<stem>_data.npz`` from its own folder."""
    net = _Network.of(spec)
    lines = [_header(net, "pytorch", stem, data, title), ""]
    lines += [
        "from pathlib import Path",
        "",
        "import numpy as np",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        "",
        "HERE = Path(__file__).resolve().parent",
        f'WEIGHTS_FILE = HERE / "{stem}_weights.npz"',
        f'DATA_FILE = HERE / "{stem}_data.npz"',
        f"DTYPE = torch.{spec.dtype}  # nnviz computed in {spec.dtype}",
        f"BATCH_SIZE = {spec.batch_size!r}  # None: the whole training set in every step",
        f"EPOCHS = {DEFAULT_EPOCHS}",
        f"SEED = {spec.seed}  # orders the samples as nnviz does",
        f"CLIPNORM = {spec.clipnorm!r}  # rescale the gradient to at most this norm (None: off)",
        "",
        "",
        "def load_data():",
        '    """The arrays nnviz trained on: x_* (samples, features) and y_* class ids',
        "    (samples,) for the train, validation and test splits (absent splits are left",
        '    out)."""',
        "    with np.load(DATA_FILE) as f:",
        "        return {name: f[name] for name in f.files}",
        "",
        "",
        "def build_model():",
        '    """The network, with the weights exported from nnviz loaded."""',
        "    torch.manual_seed(SEED)",
        "    model = nn.Sequential(",
    ]
    for layer, role, fan_in in _layer_comments(spec):
        if role == "dropout":
            lines.append(
                f"        nn.Dropout(p={layer.rate!r}),  # while training, zero each input with "
                f"probability {layer.rate:g}"
            )
            continue
        code, words = TORCH_ACTIVATIONS[ACTIVATIONS.canonical(layer.activation)]
        lines.append(f"        # {role}: z = x·W + b with {_units(layer)}, {words}")
        lines.append(f"        nn.Linear({fan_in}, {layer.units}),")
        lines.append(f"        {code},")
    lines += [
        "    ).to(DTYPE)",
        "    # how nnviz drew the first weights (replaced just below by the exported ones)",
        "    dense = [m for m in model if isinstance(m, nn.Linear)]",
    ]
    for number, layer in enumerate(spec.dense_layers):
        init = INITIALIZERS.canonical(layer.initializer)
        w = f"dense[{number}].weight"
        lines.append("    " + TORCH_INITIALIZERS[init].format(w=w, scale=_scale(layer)))
        lines.append(f"    nn.init.zeros_(dense[{number}].bias)")
    lines += [
        "    # nnviz keeps W as (inputs, units); nn.Linear keeps its transpose (units, inputs)",
        "    with np.load(WEIGHTS_FILE) as f, torch.no_grad():",
        "        for i, layer in enumerate(dense, start=1):",
        '            layer.weight.copy_(torch.from_numpy(f[f"W{i}"].T))',
        '            layer.bias.copy_(torch.from_numpy(f[f"b{i}"]))',
        "    return model",
        "",
        "",
        "def predict(model, x):",
        '    """The output a of the last layer for inputs x (a NumPy array); dropout off."""',
        "    model.eval()",
        "    with torch.no_grad():",
        "        return model(torch.as_tensor(x, dtype=DTYPE)).numpy()",
        "",
        "",
        "def targets(y):",
        '    """Class ids as the loss wants them."""',
    ]
    units = spec.output_units
    if net.loss == "categorical_crossentropy" and net.from_logits:
        lines.append("    return torch.as_tensor(y, dtype=torch.long)")
    elif units == 1:
        lines.append("    return torch.as_tensor(y, dtype=DTYPE).reshape(-1, 1)")
    else:
        lines.append(
            f"    return F.one_hot(torch.as_tensor(y, dtype=torch.long), {units}).to(DTYPE)"
        )
    lines += ["", "", "def compute_loss(model, x, y):"]
    lines += _torch_loss(net)
    lines += ["", "", "def make_optimizer(model):"]
    lines += _torch_optimizer(net)
    lines += _torch_training(net)
    return "\n".join(lines) + "\n"


def _torch_loss(net: _Network) -> list[str]:
    out: list[str] = []
    if net.loss == "binary_crossentropy" and net.from_logits:
        out += [
            '    """Binary cross-entropy from the output layer\'s z, exact even where σ(z)',
            '    rounds to 0 or 1: L = mean(log(1 + e^z) - y·z)."""',
            "    z = model[:-1](x)  # every layer but the final sigmoid",
            "    loss = F.binary_cross_entropy_with_logits(z, y)",
        ]
    elif net.loss == "categorical_crossentropy" and net.from_logits:
        out += [
            '    """Categorical cross-entropy from the output layer\'s z through log-softmax:',
            '    L = -mean over samples of log softmax(z)[true class]."""',
            "    z = model[:-1](x)  # every layer but the final softmax",
            "    loss = F.cross_entropy(z, y)",
        ]
    elif net.loss == "binary_crossentropy":
        out += [
            '    """Binary cross-entropy on a clipped to [1e-7, 1 - 1e-7], as nnviz and Keras."""',
            "    a = model(x).clamp(1e-7, 1 - 1e-7)",
            "    loss = -(y * torch.log(a) + (1 - y) * torch.log1p(-a)).mean()",
        ]
    elif net.loss == "categorical_crossentropy":
        out += [
            '    """Categorical cross-entropy on a clipped to [1e-7, 1 - 1e-7], as nnviz."""',
            "    a = model(x).clamp(1e-7, 1 - 1e-7)",
            "    loss = -(y * torch.log(a)).sum() / len(x)",
        ]
    else:
        out += [
            '    """Mean squared error L = mean((a - y)²)."""',
            "    loss = F.mse_loss(model(x), y)",
        ]
    if net.regularized:
        out.append("    # L1/L2 penalties on the kernels W (not the biases), added to the loss")
        out.append("    dense = [m for m in model if isinstance(m, nn.Linear)]")
        for i, layer in enumerate(net.spec.dense_layers):
            if layer.l1:
                out.append(f"    loss = loss + {layer.l1!r} * dense[{i}].weight.abs().sum()")
            if layer.l2:
                out.append(f"    loss = loss + {layer.l2!r} * dense[{i}].weight.pow(2).sum()")
    out.append("    return loss")
    return out


def _torch_optimizer(net: _Network) -> list[str]:
    o = net.options
    lr = float(net.spec.optimizer.learning_rate)
    wd = float(o.get("weight_decay") or 0.0)
    name = net.optimizer
    settings = [f"lr={lr!r}"]
    if name == "sgd":
        cls = "SGD"
        settings += [f"momentum={float(o['momentum'])!r}", f"nesterov={o['nesterov']!r}"]
        formula = "b ← μ·b + g; w ← w - lr·b (w ← w - lr·g without momentum)"
    elif name == "adagrad":
        cls = "Adagrad"
        settings += [
            f"initial_accumulator_value={float(o['initial_accumulator_value'])!r}",
            f"eps={float(o['epsilon'])!r}",
        ]
        formula = "s ← s + g²; w ← w - lr·g / (√s + ε)"
    elif name == "rmsprop":
        cls = "RMSprop"
        settings += [
            f"alpha={float(o['rho'])!r}  # Keras' rho",
            f"eps={float(o['epsilon'])!r}",
            f"momentum={float(o['momentum'])!r}",
            f"centered={o['centered']!r}",
        ]
        formula = "v ← ρ·v + (1 - ρ)·g²; w ← w - lr·g / (√v + ε)"
    else:
        cls = "Adam" if name == "adam" else "AdamW"
        settings += [
            f"betas=({float(o['beta_1'])!r}, {float(o['beta_2'])!r})",
            f"eps={float(o['epsilon'])!r}",
            f"amsgrad={o['amsgrad']!r}",
        ]
        formula = "m ← β₁·m + (1 - β₁)·g; v ← β₂·v + (1 - β₂)·g²; w ← w - lr·m̂ / (√v̂ + ε)"
    settings.append(f"weight_decay={wd!r}")
    body = [
        f"        {item.replace('  #', ',  #') if '  #' in item else item + ','}"
        for item in settings
    ]
    call = "\n".join([f"torch.optim.{cls}(", "        model.parameters(),", *body, "    )"])
    lines = [
        f'    """{name} and its learning-rate schedule (g: the gradient dL/dw):',
        "",
        f"    {formula}",
        '    """',
        f"    optimizer = {call}",
    ]
    factor = _schedule_lambda(net)
    if factor is None:
        lines.append("    # constant learning rate")
        lines.append("    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)")
    else:
        lines.append(f"    # lr_t = lr · {factor}, t = updates done so far")
        lines.append(
            f"    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: {factor})"
        )
    lines.append("    return optimizer, schedule")
    return lines


def _torch_training(net: _Network) -> list[str]:
    return [
        "",
        "",
        "def evaluate(model, x, y):",
        '    """(loss, accuracy) on x, y with dropout off."""',
        "    model.eval()",
        "    with torch.no_grad():",
        "        loss = compute_loss(model, torch.as_tensor(x, dtype=DTYPE), targets(y)).item()",
        "    a = predict(model, x)",
        "    guess = (a[:, 0] > 0.5).astype(int) if a.shape[1] == 1 else a.argmax(axis=1)",
        "    return loss, float((guess == y).mean())",
        "",
        "",
        "def train(model, data, epochs=EPOCHS, max_steps=None, verbose=True):",
        '    """Mini-batch gradient descent in nnviz\'s order: every epoch a new permutation',
        "    of the training samples from numpy's default_rng(SEED) (none when one batch holds",
        "    them all), cut into batches of BATCH_SIZE. Returns the loss of every step,",
        '    computed before its update."""',
        '    x = torch.as_tensor(data["x_train"], dtype=DTYPE)',
        '    y = targets(data["y_train"])',
        "    n = len(x)",
        "    batch = n if BATCH_SIZE is None else min(BATCH_SIZE, n)",
        "    rng = np.random.default_rng(SEED)",
        "    optimizer, schedule = make_optimizer(model)",
        "    step_losses = []",
        "    for epoch in range(1, epochs + 1):",
        "        order = torch.from_numpy(rng.permutation(n) if batch < n else np.arange(n))",
        "        model.train()",
        "        for start in range(0, n, batch):",
        "            rows = order[start : start + batch]",
        "            optimizer.zero_grad()",
        "            loss = compute_loss(model, x[rows], y[rows])",
        "            loss.backward()  # dL/dW and dL/db for every layer, by backpropagation",
        "            if CLIPNORM is not None:",
        "                norm = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))",
        "                if norm > CLIPNORM:",
        "                    for p in model.parameters():",
        "                        p.grad.mul_(CLIPNORM / norm)",
        "            optimizer.step()",
        "            schedule.step()",
        "            step_losses.append(loss.item())",
        "            if max_steps is not None and len(step_losses) >= max_steps:",
        "                return step_losses",
        *_report_and_main("print(model)"),
    ]


# -- Keras --------------------------------------------------------------------------------
def keras_script(spec: NetworkSpec, stem: str, data: PreparedData, title: str = "nnviz") -> str:
    """The Keras 3 script for ``spec`` (any backend), reading ``<stem>_weights.npz`` and
    ``<stem>_data.npz`` from its own folder."""
    net = _Network.of(spec)
    lines = [_header(net, "keras", stem, data, title), ""]
    lines += [
        "from pathlib import Path",
        "",
        "import keras",
        "import numpy as np",
        "from keras import layers, ops",
        "",
        "HERE = Path(__file__).resolve().parent",
        f'WEIGHTS_FILE = HERE / "{stem}_weights.npz"',
        f'DATA_FILE = HERE / "{stem}_data.npz"',
        f"# nnviz computed in {spec.dtype}: so do the layers' weights and their computations",
        f'keras.config.set_floatx("{spec.dtype}")',
        f'keras.config.set_dtype_policy("{spec.dtype}")',
        f"BATCH_SIZE = {spec.batch_size!r}  # None: the whole training set in every step",
        f"EPOCHS = {DEFAULT_EPOCHS}",
        f"SEED = {spec.seed}  # orders the samples as nnviz does",
        "",
        "",
    ]
    used = {ACTIVATIONS.canonical(d.activation) for d in spec.dense_layers}
    if "leaky_relu" in used:
        lines += [
            "def leaky_relu_001(z):",
            '    """a = z if z > 0 else 0.01·z (Keras\' default slope is 0.2)."""',
            "    return keras.activations.leaky_relu(z, negative_slope=0.01)",
            "",
            "",
        ]
    if "gelu" in used:
        lines += [
            "def gelu_tanh(z):",
            '    """GELU with the tanh approximation, as nnviz."""',
            "    return keras.activations.gelu(z, approximate=True)",
            "",
            "",
        ]
    lines += [
        "def load_data():",
        '    """The arrays nnviz trained on: x_* (samples, features) and y_* class ids',
        "    (samples,) for the train, validation and test splits (absent splits are left",
        '    out)."""',
        "    with np.load(DATA_FILE) as f:",
        "        return {name: f[name] for name in f.files}",
        "",
        "",
        "def build_model():",
        '    """The network, compiled, with the weights exported from nnviz loaded."""',
        "    keras.utils.set_random_seed(SEED)",
        "    model = keras.Sequential(",
        "        [",
        f"            keras.Input(shape=({spec.input_dim},)),",
    ]
    for layer, role, _fan_in in _layer_comments(spec):
        if role == "dropout":
            lines.append(
                f"            layers.Dropout({layer.rate!r}),  # while training, zero each "
                f"input with probability {layer.rate:g}"
            )
            continue
        activation = ACTIVATIONS.canonical(layer.activation)
        words = TORCH_ACTIVATIONS[activation][1]
        init = KERAS_INITIALIZERS[INITIALIZERS.canonical(layer.initializer)]
        args = [
            str(layer.units),
            f"activation={KERAS_ACTIVATIONS[activation]}",
            f"kernel_initializer={init.format(scale=_scale(layer))}",
        ]
        if layer.l1 or layer.l2:
            args.append(
                f"kernel_regularizer=keras.regularizers.L1L2(l1={layer.l1!r}, l2={layer.l2!r})"
            )
        lines.append(f"            # {role}: z = x·W + b with {_units(layer)}, {words}")
        dense = f"            layers.Dense({', '.join(args)}),"
        if len(dense) > 96:
            dense = "\n".join(
                [
                    "            layers.Dense(",
                    *(f"                {a}," for a in args),
                    "            ),",
                ]
            )
        lines.append(dense)
    loss = {
        "binary_crossentropy": "keras.losses.BinaryCrossentropy()",
        "categorical_crossentropy": "keras.losses.CategoricalCrossentropy()",
        "mse": "keras.losses.MeanSquaredError()",
    }[net.loss]
    lines += [
        "        ]",
        "    )",
        f"    model.compile(optimizer=make_optimizer(), loss={loss})",
        "    # Keras keeps W as (inputs, units), like nnviz: [W1, b1, W2, b2, ...]",
        "    with np.load(WEIGHTS_FILE) as f:",
        f'        names = [f"{{kind}}{{i}}" for i in range(1, {len(spec.dense_layers) + 1}) '
        'for kind in "Wb"]',
        "        model.set_weights([f[name] for name in names])",
        "    return model",
        "",
        "",
        "def predict(model, x):",
        '    """The output a of the last layer for inputs x; dropout off."""',
        "    return np.asarray(model.predict_on_batch(np.asarray(x, dtype=keras.config.floatx())))",
        "",
        "",
        "def targets(y):",
        '    """Class ids as the loss wants them."""',
    ]
    if spec.output_units == 1:
        lines.append("    return np.asarray(y, dtype=keras.config.floatx()).reshape(-1, 1)")
    else:
        lines.append(
            f"    return np.eye({spec.output_units}, dtype=keras.config.floatx())[np.asarray(y)]"
        )
    lines += ["", ""]
    lines += _keras_optimizer(net)
    lines += _keras_training()
    return "\n".join(lines) + "\n"


_KERAS_UPDATES = {
    "sgd": [
        "        if self.momentum:",
        "            b = self.slots[0][self._get_variable_index(variable)]",
        "            self.assign(b, self.momentum * b + g)  # b ← μ·b + g",
        "            g = g + self.momentum * b if self.nesterov else b",
        "        self.assign_sub(variable, lr * g)  # w ← w - lr·g",
    ],
    "adagrad": [
        "        s = self.slots[0][self._get_variable_index(variable)]",
        "        self.assign_add(s, g * g)  # s ← s + g²",
        "        self.assign_sub(variable, lr * g / (ops.sqrt(s) + self.epsilon))",
    ],
    "rmsprop": [
        "        index = self._get_variable_index(variable)",
        "        v, mean_g, b = (slot[index] for slot in self.slots)",
        "        self.assign(v, self.rho * v + (1 - self.rho) * g * g)  # v ← ρ·v + (1 - ρ)·g²",
        "        if self.centered:",
        "            self.assign(mean_g, self.rho * mean_g + (1 - self.rho) * g)",
        "            step = g / (ops.sqrt(v - mean_g * mean_g) + self.epsilon)",
        "        else:",
        "            step = g / (ops.sqrt(v) + self.epsilon)",
        "        if self.momentum:",
        "            self.assign(b, self.momentum * b + step)",
        "            step = b",
        "        self.assign_sub(variable, lr * step)",
    ],
    "adam": [
        "        index = self._get_variable_index(variable)",
        "        m, v, v_max = (slot[index] for slot in self.slots)",
        "        t = ops.cast(self.iterations + 1, variable.dtype)",
        "        self.assign(m, self.beta_1 * m + (1 - self.beta_1) * g)  # m ← β₁·m + (1 - β₁)·g",
        "        # v ← β₂·v + (1 - β₂)·g²",
        "        self.assign(v, self.beta_2 * v + (1 - self.beta_2) * g * g)",
        "        if self.amsgrad:",
        "            self.assign(v_max, ops.maximum(v_max, v))",
        "            v = v_max",
        "        m_hat = m / (1 - ops.power(self.beta_1, t))",
        "        v_hat = v / (1 - ops.power(self.beta_2, t))",
        "        self.assign_sub(variable, lr * m_hat / (ops.sqrt(v_hat) + self.epsilon))",
    ],
}
_KERAS_DIFFERENCES = {
    "sgd": "keras.optimizers.SGD agrees only while the learning rate is constant",
    "adagrad": "keras.optimizers.Adagrad puts ε inside the square root",
    "rmsprop": "keras.optimizers.RMSprop puts ε inside the square root",
    "adam": "keras.optimizers.Adam adds ε before the bias correction",
}
_KERAS_SLOTS = {
    "sgd": ("momentum",),
    "adagrad": ("accumulator",),
    "rmsprop": ("velocity", "average_gradient", "momentum"),
    "adam": ("m", "v", "v_max"),
}


def _keras_optimizer(net: _Network) -> list[str]:
    name = net.optimizer
    family = "adam" if name == "adamw" else name
    options = {k: v for k, v in net.options.items() if k != "weight_decay"}
    wd = float(net.options.get("weight_decay") or 0.0)
    settings = [f"{k}={_fmt(v)}" for k, v in options.items()]
    start = "0.0"
    if family == "adagrad":
        start = "self.initial_accumulator_value"
    slot_names = ", ".join(f'"{slot}"' for slot in _KERAS_SLOTS[family])
    differences = _KERAS_DIFFERENCES[family]
    lines = [
        "class NnvizOptimizer(keras.optimizers.Optimizer):",
        f'    """{name} with the update rule of nnviz and torch.optim.',
        "",
        f"    Why not Keras' own: {differences},",
        "    and Keras' weight_decay is always decoupled (nnviz's is an L2 term in the",
        '    gradient, except in AdamW)."""',
        "",
        "    def __init__(self, learning_rate, wd=0.0, global_clipnorm=None, **settings):",
        "        super().__init__(learning_rate=learning_rate, global_clipnorm=global_clipnorm)",
        "        for key, value in settings.items():",
        "            setattr(self, key, value)",
        "        self.wd = wd  # weight decay",
        "",
        "    def build(self, variables):",
        "        if self.built:",
        "            return",
        "        super().build(variables)",
        f"        start = keras.initializers.Constant({start})",
        "        self.slots = [  # one state vector per weight array, as in nnviz",
        "            [self.add_variable_from_reference(w, name, start) for w in variables]",
        f"            for name in ({slot_names},)",
        "        ]",
        "",
        "    def update_step(self, gradient, variable, learning_rate):",
        "        lr = ops.cast(learning_rate, variable.dtype)",
        "        g = ops.cast(gradient, variable.dtype)",
    ]
    if name == "adamw":
        lines += [
            "        if self.wd:  # AdamW: decoupled decay w ← w - lr·wd·w",
            "            self.assign_sub(variable, lr * self.wd * variable)",
        ]
    else:
        lines += [
            "        if self.wd:  # weight decay as L2 in the gradient: g ← g + wd·w",
            "            g = g + self.wd * variable",
        ]
    lines += _KERAS_UPDATES[family]
    lr = float(net.spec.optimizer.learning_rate)
    schedule = _keras_schedule(net, lr)
    clip = [] if net.spec.clipnorm is None else [f"global_clipnorm={net.spec.clipnorm!r}"]
    arguments = [schedule, f"wd={wd!r}", *settings, *clip]
    lines += [
        "",
        "",
        "def make_optimizer():",
        f'    """{name} as in nnviz, with its learning-rate schedule."""',
        "    return NnvizOptimizer(",
        *(f"        {argument}," for argument in arguments),
        "    )",
    ]
    return lines


def _keras_schedule(net: _Network, lr: float) -> str:
    o = net.schedule_options
    if net.schedule == "constant":
        return repr(lr)
    if net.schedule == "step":
        return (
            f"keras.optimizers.schedules.ExponentialDecay({lr!r}, {o['decay_steps']}, "
            f"{float(o['decay_rate'])!r}, staircase=True)"
        )
    cls = "ExponentialDecay" if net.schedule == "exponential" else "InverseTimeDecay"
    return (
        f"keras.optimizers.schedules.{cls}({lr!r}, {o['decay_steps']}, "
        f"{float(o['decay_rate'])!r}, staircase={o['staircase']!r})"
    )


def _keras_training() -> list[str]:
    return [
        "",
        "",
        "def evaluate(model, x, y):",
        '    """(loss, accuracy) on x, y with dropout off."""',
        "    x = np.asarray(x, dtype=keras.config.floatx())",
        "    loss = float(model.test_on_batch(x, targets(y)))",
        "    a = predict(model, x)",
        "    guess = (a[:, 0] > 0.5).astype(int) if a.shape[1] == 1 else a.argmax(axis=1)",
        "    return loss, float((guess == y).mean())",
        "",
        "",
        "def train(model, data, epochs=EPOCHS, max_steps=None, verbose=True):",
        '    """Mini-batch gradient descent in nnviz\'s order: every epoch a new permutation',
        "    of the training samples from numpy's default_rng(SEED) (none when one batch holds",
        "    them all), cut into batches of BATCH_SIZE. Returns the loss of every step,",
        '    computed before its update."""',
        '    x = np.asarray(data["x_train"], dtype=keras.config.floatx())',
        '    y = targets(data["y_train"])',
        "    n = len(x)",
        "    batch = n if BATCH_SIZE is None else min(BATCH_SIZE, n)",
        "    rng = np.random.default_rng(SEED)",
        "    step_losses = []",
        "    for epoch in range(1, epochs + 1):",
        "        order = rng.permutation(n) if batch < n else np.arange(n)",
        "        for start in range(0, n, batch):",
        "            rows = order[start : start + batch]",
        "            model.reset_metrics()  # report this batch's loss, not a running mean",
        "            step_losses.append(float(model.train_on_batch(x[rows], y[rows])))",
        "            if max_steps is not None and len(step_losses) >= max_steps:",
        "                return step_losses",
        *_report_and_main("model.summary()"),
    ]


def _report_and_main(show_model: str) -> list[str]:
    """The end shared by both scripts: the per-epoch report, then what ``python script.py``
    runs (``show_model`` prints the network the framework's way)."""
    return [
        "        if verbose:",
        '            train_loss = evaluate(model, data["x_train"], data["y_train"])[0]',
        '            report = f"epoch {epoch}: loss {train_loss:.4f}"',
        '            if "x_val" in data:',
        '                val_loss, val_accuracy = evaluate(model, data["x_val"], data["y_val"])',
        '                report += f", val_loss {val_loss:.4f}, val_accuracy {val_accuracy:.3f}"',
        "            print(report)",
        "    return step_losses",
        "",
        "",
        'if __name__ == "__main__":',
        "    data = load_data()",
        "    model = build_model()",
        f"    {show_model}",
        "    train(model, data)",
        '    if "x_test" in data:',
        '        loss, accuracy = evaluate(model, data["x_test"], data["y_test"])',
        '        print(f"test: loss {loss:.4f}, accuracy {accuracy:.3f}")',
    ]


# -- files --------------------------------------------------------------------------------
def write_weights_npz(path: str | os.PathLike[str], weights: Sequence[np.ndarray]) -> Path:
    """``W1, b1, W2, b2, ...`` (W of shape (inputs, units)) as an ``.npz`` file."""
    arrays = {
        f"{'W' if i % 2 == 0 else 'b'}{i // 2 + 1}": np.asarray(w) for i, w in enumerate(weights)
    }
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)
    return Path(path)


def write_data_npz(path: str | os.PathLike[str], data: PreparedData) -> Path:
    """The prepared splits (``x_train``, ``y_train``, ``x_val``... as present), compressed."""
    arrays = {}
    for split in ("train", "val", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        if x is not None and y is not None and len(x):
            arrays[f"x_{split}"], arrays[f"y_{split}"] = np.asarray(x), np.asarray(y)
    with atomic_open(path, "wb") as f:
        np.savez_compressed(f, **arrays)
    return Path(path)


def export_script(
    framework: str,
    path: str | os.PathLike[str],
    spec: NetworkSpec,
    weights: Sequence[np.ndarray],
    data: PreparedData,
    title: str = "nnviz",
) -> list[Path]:
    """Write the ``framework`` ("pytorch" or "keras") script to ``path`` with its weights
    and data files beside it; returns the three paths."""
    if framework not in FRAMEWORKS:
        raise ExportError(f"unknown framework {framework!r}; choose one of {FRAMEWORKS}")
    target = Path(path)
    if target.suffix != ".py":
        raise ExportError(f"{target}: a script's name must end in .py")
    if not target.stem.isidentifier():
        raise ExportError(
            f"{target.name}: use a name Python can import (letters, digits and _), "
            "e.g. my_network.py"
        )
    if spec.input_dim != data.input_dim:
        raise ExportError(
            f"the network has {spec.input_dim} inputs but the data has {data.input_dim} features"
        )
    make = pytorch_script if framework == "pytorch" else keras_script
    source = make(spec, target.stem, data, title)
    weights_path = write_weights_npz(target.with_name(f"{target.stem}_weights.npz"), weights)
    data_path = write_data_npz(target.with_name(f"{target.stem}_data.npz"), data)
    with atomic_open(target) as f:
        f.write(source)
    return [target, weights_path, data_path]
