"""Engine speed: prints figures (issue 2, "Speed"). Run: .venv/bin/python benchmarks/engine_speed.py

(a) The cat network 12288-20-7-5-1 (ReLU, sigmoid), one full-batch gradient-descent
    iteration on 209 samples, float32 and float64, against the floor of the two layer-1
    matrix products it cannot avoid (x @ W1 and x.T @ dZ1, timed alone with NumPy in the
    same run; target <= 1.2x) and against PyTorch eager.
(b) 2-8-8-1 tanh, batch 10, Adam: time per step; target >= 10x faster than PyTorch eager.
(c) BLAS threads: a small product and a small-batch step with 1 thread vs all threads,
    and the count the engine picks.

PyTorch is a benchmark-only yardstick, run in a separate interpreter:
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy
(or set NNVIZ_TORCH_PYTHON to a Python that has torch). Without it the torch rows are
skipped. Timings drift on shared machines, so compare the ratios printed in one run.
On machines that set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, compare a run with both unset
(`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...`); the kernel in use is printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

N_CAT, D_CAT = 209, 12288
CAT_UNITS = (20, 7, 5, 1)
SMALL_N, SMALL_BATCH = 1000, 10
TORCH_PYTHON_DEFAULT = "/tmp/torchenv/bin/python"
#: rounds whose floor took at most this times its fastest round count as quiet
QUIET = 1.1


def timeit(fn: Callable[[], object], repeat: int, number: int) -> tuple[float, float]:
    """(median, min) seconds per call over ``repeat`` rounds of ``number`` calls."""
    fn()
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds), min(rounds)


def interleaved(
    fns: dict[str, Callable[[], object]], rounds: int, number: int
) -> dict[str, tuple[float, float, list[float]]]:
    """(median, min, every round's) seconds per call of each function, timed in
    alternating rounds so that drift on a shared machine hits them all alike."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return {name: (statistics.median(t), min(t), t) for name, t in times.items()}


def quiet_ratio(t: dict[str, tuple[float, float, list[float]]], name: str) -> tuple[float, int]:
    """(median over rounds of ``name``'s time / the floor's time in the same round, number
    of rounds used): only the rounds whose floor ran within ``QUIET`` of its fastest, so
    that other processes taking a core for a while (2-thread products suffer most) do not
    decide the figure."""
    floor = t["floor"][2]
    quiet = [i for i, f in enumerate(floor) if f <= QUIET * min(floor)]
    return statistics.median(t[name][2][i] / floor[i] for i in quiet), len(quiet)


def cat_floor(np, x, dtype: str) -> Callable[[], None]:
    """The two layer-1 products no implementation can avoid: x @ W1 and x.T @ dZ1."""
    w1 = np.random.default_rng(0).standard_normal((D_CAT, CAT_UNITS[0])).astype(dtype)
    dz1 = np.ones((N_CAT, CAT_UNITS[0]), dtype=dtype)
    out_z, out_w = np.empty((N_CAT, CAT_UNITS[0]), dtype), np.empty_like(w1)

    def floor() -> None:
        np.matmul(x, w1, out=out_z)
        np.matmul(x.T, dz1, out=out_w)

    return floor


def small_reference(np) -> Callable[[], None]:
    """A fixed bit of small NumPy work (40 calls on 10x8 arrays), timed next to each small
    step in both interpreters, so the engine/PyTorch ratio survives machine drift."""
    a = np.random.default_rng(0).random((10, 8))
    out = np.empty_like(a)

    def reference() -> None:
        for _ in range(20):
            np.multiply(a, 0.5, out=out)
            np.add(out, a, out=out)

    return reference


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """``count`` processes spinning on a core each (they end by themselves after 60 s)."""
    spin = "import time\nend = time.time() + 60\nwhile time.time() < end: pass"
    procs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        if procs:
            time.sleep(0.3)
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def cat_data(np):
    """The real cat training set when present, else random data of the same shape."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat"
    path = path / "train_catvnoncat.h5"
    if path.is_file():
        import h5py

        with h5py.File(path, "r") as f:
            x = f["train_set_x"][:].reshape(N_CAT, -1) / 255.0
            y = f["train_set_y"][:].astype(float)
        return x, y, "real cat data"
    rng = np.random.default_rng(0)
    return rng.random((N_CAT, D_CAT)), (rng.random(N_CAT) > 0.5) * 1.0, "random data"


def spiral(np, n: int = SMALL_N):
    rng = np.random.default_rng(0)
    t = rng.uniform(0.25, 3.5 * np.pi, n)
    label = rng.integers(0, 2, n)
    r = t / (3.5 * np.pi)
    angle = t + np.pi * label
    x = np.c_[r * np.cos(angle), r * np.sin(angle)] + rng.normal(0, 0.02, (n, 2))
    return x, label.astype(float)


# -- PyTorch worker (runs in the torch interpreter; imports nothing from nnviz) -----------
def torch_worker() -> None:
    import numpy as np
    import torch

    torch.manual_seed(0)
    results = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    data = np.load(sys.argv[sys.argv.index("--torch-worker") + 1])
    x_np, y_np = data["x"], data["y"]
    for dtype_name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        x = torch.tensor(x_np, dtype=dtype)
        y = torch.tensor(y_np, dtype=dtype).reshape(-1, 1)
        sizes = (D_CAT, *CAT_UNITS)
        layers = []
        for i in range(len(CAT_UNITS)):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]).to(dtype))
            if i < len(CAT_UNITS) - 1:
                layers.append(torch.nn.ReLU())
        net = torch.nn.Sequential(*layers)
        opt = torch.optim.SGD(net.parameters(), lr=0.0075)
        loss_fn = torch.nn.BCEWithLogitsLoss()

        def step(net=net, opt=opt, x=x, y=y, loss_fn=loss_fn):
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()

        floor = cat_floor(np, x_np.astype(dtype_name), dtype_name)
        results[f"cat_{dtype_name}"] = interleaved(
            {"floor": floor, "torch": step}, rounds=11, number=10
        )

    xs, ys = spiral(np)
    x = torch.tensor(xs)
    y = torch.tensor(ys).reshape(-1, 1)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 1),
    ).double()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    position = [0]

    def small_step():
        i = position[0]
        position[0] = (i + SMALL_BATCH) % SMALL_N
        opt.zero_grad()
        loss = loss_fn(net(x[i : i + SMALL_BATCH]), y[i : i + SMALL_BATCH])
        loss.backward()
        opt.step()

    results["small_adam"] = interleaved(
        {"reference": small_reference(np), "torch": small_step}, rounds=11, number=300
    )
    print(json.dumps(results))


def run_torch(np, x: object, y: object) -> dict | None:
    """PyTorch's figures from the torch interpreter, given the same cat data."""
    python = os.environ.get("NNVIZ_TORCH_PYTHON", TORCH_PYTHON_DEFAULT)
    if not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cat.npz"
        np.savez(data, x=x, y=y)
        done = subprocess.run(
            [python, __file__, "--torch-worker", str(data)],
            capture_output=True,
            text=True,
            timeout=900,
        )
    if done.returncode != 0:
        print(f"(PyTorch run failed: {done.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- NumPy / engine side -----------------------------------------------------------------
def main() -> None:
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    from nnviz.engine import Dense, Sequential, Trainer, optimizers
    from nnviz.engine import threads as engine_threads

    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    print(
        "NumPy",
        np.__version__,
        "| BLAS:",
        ", ".join(
            f"{i['internal_api']} {i['version']} kernel={i.get('architecture')} "
            f"threads={i['num_threads']}"
            for i in blas
        ),
    )
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        print(f"{var}={os.environ.get(var, '(unset)')}")
    x_raw, y_raw, source = cat_data(np)
    print("PyTorch: running in a separate interpreter ...", flush=True)
    torch = run_torch(np, x_raw, y_raw)
    if torch is None:
        print(
            "PyTorch not found: python3 -m venv /tmp/torchenv && "
            "/tmp/torchenv/bin/pip install torch==2.13.0 numpy  (or set NNVIZ_TORCH_PYTHON)"
        )
    else:
        print(f"PyTorch {torch['torch_version']}, {torch['threads']} threads")

    # (a) cat network
    n_max = engine_threads.max_threads()
    print(f"\n(a) cat network 12288-20-7-5-1, full batch of {N_CAT} ({source}), SGD")
    print("    median (min) per iteration; floor/engine/numpy timed interleaved in rounds;")
    print(
        f"    per round: median of engine/floor and numpy/floor in the rounds whose floor ran"
        f" within {QUIET:g}x its fastest (how many of 15)"
    )
    print(
        f"{'dtype':8} {'BLAS':>13} {'floor':>15} {'engine':>15} {'ratio':>6} {'numpy':>15}"
        f"  {'per round':>17}"
    )
    engine_rows = {}
    policy = engine_threads.PARALLEL_MIN_WORK
    for dtype in ("float32", "float64"):
        model = Sequential(
            [Dense(u, activation="relu", kernel_initializer="lecun_normal") for u in CAT_UNITS[:-1]]
            + [Dense(1, activation="sigmoid", kernel_initializer="lecun_normal")],
            input_dim=D_CAT,
            dtype=dtype,
            seed=1,
        )
        model.compile(optimizer=optimizers.SGD(learning_rate=0.0075), loss="binary_crossentropy")
        trainer = Trainer(model, x_raw, y_raw, batch_size=None, shuffle=False)
        x = trainer.x
        floor = cat_floor(np, x, dtype)
        plain = plain_numpy_step(np, x, trainer.y, dtype)
        modes = {"1 thread": 10**15, f"{n_max} threads": 0, "engine policy": policy}
        for mode, min_work in modes.items():
            # the engine's policy: all threads for layer 1, one for the small layers;
            # the floor and the plain NumPy run with the count the engine's step ends on
            engine_threads.PARALLEL_MIN_WORK = min_work
            engine_threads.forget()
            t = interleaved(
                {"floor": floor, "engine": trainer.train_step, "numpy": plain},
                rounds=15,
                number=10,
            )
            engine_rows[(dtype, mode)] = t
            (engine_round, quiet), (numpy_round, _) = (
                quiet_ratio(t, "engine"),
                quiet_ratio(t, "numpy"),
            )
            print(
                f"{dtype:8} {mode:>13}"
                + "".join(
                    f" {t[k][0] * 1e3:6.2f} ({t[k][1] * 1e3:5.2f})"
                    + (f" {t['engine'][0] / t['floor'][0]:5.2f}x" if k == "engine" else "")
                    for k in ("floor", "engine", "numpy")
                )
                + f"  {engine_round:5.2f}x {numpy_round:5.2f}x ({quiet:2})"
            )
        engine_threads.PARALLEL_MIN_WORK = policy
        if dtype == "float32":
            float32_trainer, float32_floor = trainer, floor
    step_breakdown(float32_trainer, float32_floor)
    if torch:
        print("PyTorch eager (2 threads), timed interleaved with the same floor in its process:")
        for dtype in ("float32", "float64"):
            t_torch = torch[f"cat_{dtype}"]
            torch_ratio = t_torch["torch"][0] / t_torch["floor"][0]
            engine = engine_rows[(dtype, "engine policy")]
            engine_ratio = engine["engine"][0] / engine["floor"][0]
            print(
                f"{dtype}: {t_torch['torch'][0] * 1e3:.2f} ms ({t_torch['torch'][1] * 1e3:.2f}) "
                f"= {torch_ratio:.2f}x its floor of {t_torch['floor'][0] * 1e3:.2f} ms; "
                f"engine {engine_ratio:.2f}x -> engine {torch_ratio / engine_ratio:.2f}x faster"
            )

    # (b) small network
    xs, ys = spiral(np)
    model = Sequential(
        [Dense(8, activation="tanh"), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
        input_dim=2,
        seed=0,
    )
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
    trainer = Trainer(model, xs, ys, batch_size=SMALL_BATCH, seed=0)
    t = interleaved(
        {"reference": small_reference(np), "engine": trainer.train_step}, rounds=11, number=300
    )
    print(f"\n(b) 2-8-8-1 tanh, batch {SMALL_BATCH}, Adam, float64 (Trainer.train_step)")
    engine_ratio = t["engine"][0] / t["reference"][0]
    line = f"engine {t['engine'][0] * 1e6:.1f} us/step (min {t['engine'][1] * 1e6:.1f})"
    if torch:
        t_torch = torch["small_adam"]
        torch_ratio = t_torch["torch"][0] / t_torch["reference"][0]
        raw = t_torch["torch"][0] / t["engine"][0]
        line += (
            f" | PyTorch eager {t_torch['torch'][0] * 1e6:.1f} us/step "
            f"(min {t_torch['torch'][1] * 1e6:.1f}) | raw {raw:.1f}x,"
            f" drift-corrected {torch_ratio / engine_ratio:.1f}x faster"
        )
    print(line)

    # (c) BLAS threads
    print(
        f"\n(c) BLAS threads (engine picks 1 below {engine_threads.PARALLEL_MIN_WORK:,}"
        " multiply-adds per product)"
    )
    a = np.random.default_rng(0).random((10000, 8))
    b = np.random.default_rng(1).random((8, 8))
    x_cat = np.random.default_rng(2).random((N_CAT, D_CAT))
    w_cat1 = np.random.default_rng(3).random((D_CAT, CAT_UNITS[0]))
    products = {
        "(10000x8)@(8x8)": (lambda: a @ b, 50),
        "cat layer 1 (209x12288)@(12288x20)": (lambda: x_cat @ w_cat1, 5),
    }
    for load in ("idle", f"{n_max} busy processes"):
        with busy_cores(0 if load == "idle" else n_max):
            for label, (product, number) in products.items():
                cells = []
                for count in sorted({1, n_max}):
                    with threadpool_limits(limits=count, user_api="blas"):
                        t = timeit(product, repeat=9, number=number)
                    cells.append(f"{count} thread(s) {t[0] * 1e3:.3f} ms ({t[1] * 1e3:.3f})")
                print(f"{load:>18}: {label}: " + ", ".join(cells))
    engine_threads.forget()
    big_batch = Trainer(model, np.tile(xs, (10, 1)), np.tile(ys, 10), batch_size=None)
    for label, min_work in (("engine's choice", policy), (f"forced {n_max} threads", 0)):
        engine_threads.PARALLEL_MIN_WORK = min_work
        engine_threads.forget()
        t = timeit(big_batch.train_step, repeat=9, number=20)
        print(
            f"2-8-8-1 full batch of 10000, {label}: median {t[0] * 1e3:.3f} ms, "
            f"min {t[1] * 1e3:.3f} ms"
        )
    engine_threads.PARALLEL_MIN_WORK = policy
    w_cat = N_CAT * D_CAT * CAT_UNITS[0]
    print(
        f"engine's choice: cat layer 1 ({w_cat:,} multiply-adds) -> "
        f"{engine_threads.threads_for(w_cat)} thread(s); 2-8-8-1 batch 10 -> "
        f"{engine_threads.threads_for(10 * 64)} thread(s)"
    )


def step_breakdown(trainer, floor: Callable[[], None]) -> None:
    """Where the float32 engine step's time beyond the floor goes (engine's thread policy),
    from the differences of nested calls timed interleaved: the forward and backward pass,
    the model's step (optimizer update into the backup vector, swap, finiteness check) and
    the Trainer's bookkeeping (divergence watch, accuracy, epoch end)."""
    model = trainer.model
    x, y = trainer.x, trainer.y
    t = interleaved(
        {
            "floor": floor,
            "pass": lambda: model._forward_backward(x, y),
            "step": lambda: model.train_step(x, y),
            "trainer": trainer.train_step,
        },
        rounds=15,
        number=10,
    )
    ratios = {name: quiet_ratio(t, name)[0] for name in ("pass", "step", "trainer")}
    base = t["floor"][0] * 1e3
    print(
        f"float32 step beyond the floor (per round, x floor / ms at a {base:.2f} ms floor): "
        f"forward+backward {ratios['pass'] - 1:+.3f} / {(ratios['pass'] - 1) * base:.2f}, "
        f"update+swap+check {ratios['step'] - ratios['pass']:+.3f} / "
        f"{(ratios['step'] - ratios['pass']) * base:.2f}, "
        f"Trainer {ratios['trainer'] - ratios['step']:+.3f} / "
        f"{(ratios['trainer'] - ratios['step']) * base:.2f}"
    )


def plain_numpy_step(np, x, y, dtype):
    """A straightforward NumPy version of one cat-network GD iteration, for reference."""
    rng = np.random.default_rng(2)
    sizes = (D_CAT, *CAT_UNITS)
    ws = [
        (rng.standard_normal((sizes[i], sizes[i + 1])) / np.sqrt(sizes[i])).astype(dtype)
        for i in range(4)
    ]
    bs = [np.zeros(sizes[i + 1], dtype) for i in range(4)]
    m = len(x)

    def step():
        acts = [x]
        for i in range(4):
            z = acts[-1] @ ws[i] + bs[i]
            acts.append(np.maximum(z, 0) if i < 3 else 1 / (1 + np.exp(-z)))
        dz = (acts[-1] - y) / m
        for i in range(3, -1, -1):
            dw, db = acts[i].T @ dz, dz.sum(0)
            if i:
                dz = (dz @ ws[i].T) * (acts[i] > 0)
            ws[i] -= 0.0075 * dw
            bs[i] -= 0.0075 * db

    return step


if __name__ == "__main__":
    if "--torch-worker" in sys.argv:
        torch_worker()
    else:
        main()
