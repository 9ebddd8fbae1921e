"""Random test problems for comparing optimizers with torch.optim (shared by the tests of chapters 3 to 5).

Tolerances: float64 runs must agree to TIGHT (the two sides round differently only in the last bits), float32 runs
to LOOSE.
"""
import torch

TIGHT = dict(rtol=1e-10, atol=1e-12)
LOOSE = dict(rtol=1e-5, atol=1e-6)
SHAPES = [(3, 4), (4,), (2, 3, 2)]


def make_problem(seed: int, dtype=torch.float64, shapes=SHAPES):
    """Random initial parameters and a smooth loss with parameter-dependent, non-trivial gradients."""
    gen = torch.Generator().manual_seed(seed)
    init = [torch.randn(s, generator=gen, dtype=dtype) for s in shapes]
    coef = [(torch.rand(s, generator=gen, dtype=dtype) * 3 + 0.1, torch.randn(s, generator=gen, dtype=dtype))
            for s in shapes]
    noise = [torch.randn((40,) + s, generator=gen, dtype=dtype) * 0.3 for s in shapes]  # "minibatch" noise

    def loss(params, step):
        total = 0
        for p, (a, b), n in zip(params, coef, noise):
            total = total + (a * p ** 2).sum() + (b * p).sum() + 0.05 * (p ** 4).sum() \
                + (n[step % 40] * p).sum() + torch.sin(p).sum()
        return total
    return init, loss


def clones(init):
    """Fresh leaf copies of the initial parameters."""
    return [t.clone().requires_grad_() for t in init]


def run_torch(opt_cls, kwargs: dict, init, loss, steps: int = 60, groups=None):
    """`steps` updates of a torch.optim-style optimizer class from `init`; returns the parameters."""
    params = clones(init)
    opt = opt_cls(groups(params) if groups else params, **kwargs)
    for t in range(steps):
        opt.zero_grad()
        loss(params, t).backward()
        opt.step()
    return params


def assert_same(ours, theirs, tol):
    """Every parameter close within `tol` (TIGHT or LOOSE)."""
    for p, q in zip(ours, theirs, strict=True):
        torch.testing.assert_close(p.detach(), q.detach(), **tol)


def run_functional(fn, init_states, hyperparams: dict, init, loss, steps: int):
    """`steps` updates of a functional (book-style) optimizer from `init`; returns the parameters."""
    params = clones(init)
    states = init_states(params)
    for t in range(steps):
        for p in params:
            p.grad = None
        loss(params, t).backward()
        fn(params, states, hyperparams)
    return params


def regression(seed: int, n: int = 60, d: int = 5):
    """A random linear regression problem (X, y) in float64 with noise."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = X @ torch.randn(d, generator=gen, dtype=torch.float64) + 0.3 * torch.randn(n, generator=gen,
                                                                                 dtype=torch.float64)
    return X, y


def train_linreg(fn, states, hyperparams, X, y, steps=60):
    """`steps` minibatch steps (10 rows each, in order) of the book's linear regression with a functional
    optimizer; returns [w, b]."""
    import d2l_utils as d2l

    w = torch.full((X.shape[1], 1), 0.01, dtype=X.dtype, requires_grad=True)
    b = torch.zeros(1, dtype=X.dtype, requires_grad=True)
    for t in range(steps):
        i = slice((t * 10) % len(X), (t * 10) % len(X) + 10)
        w.grad, b.grad = None, None
        d2l.squared_loss(d2l.linreg(X[i], w, b), y[i]).mean().backward()
        fn([w, b], states, hyperparams)
    return [w, b]


def assert_resumes_exactly(opt_cls, kwargs: dict, steps: int = 40):
    """A run checkpointed at half-way and resumed in fresh objects (closure steps) equals the straight run."""
    init, loss = make_problem(14)
    straight = run_torch(opt_cls, kwargs, init, loss, steps)
    params = clones(init)
    opt = opt_cls(params, **kwargs)
    for t in range(steps):
        if t == steps // 2:  # resume from a checkpoint in fresh objects
            saved = ([p.detach().clone() for p in params], opt.state_dict())
            params = [p.clone().requires_grad_() for p in saved[0]]
            opt = opt_cls(params, **kwargs)
            opt.load_state_dict(saved[1])

        def closure(opt=opt, params=params, t=t):
            opt.zero_grad()
            value = loss(params, t)
            value.backward()
            return value
        assert torch.is_tensor(opt.step(closure))
    assert_same(params, straight, TIGHT)


def assert_skips_params_without_grad_and_rejects_sparse(opt_cls):
    """A parameter without a gradient is left alone; a sparse gradient is refused with a message naming it."""
    import pytest

    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = opt_cls([a, b], lr=0.1)
    a.grad, b.grad = torch.ones(2), None
    opt.step()
    assert torch.equal(b.detach(), torch.ones(2)) and not torch.equal(a.detach(), torch.ones(2))
    emb = torch.nn.Embedding(5, 2, sparse=True)
    opt = opt_cls(emb.parameters(), lr=0.1)
    emb(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="sparse"):
        opt.step()
