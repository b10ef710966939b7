"""What every policy shares: the decision record, input checks and (de)serialization."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np  # noqa: TID253 - this package exists to run numpy policies
import numpy.typing as npt  # noqa: TID253

Array = npt.NDArray[np.float64]

BLOB_MAGIC = "oo-policy/1"


class PolicyError(ValueError):
    """Bad input to a policy (shapes, NaN, infinities) or a damaged parameter blob."""


@dataclass(frozen=True)
class Decision:
    """One choice: the index drawn, its probability, and every candidate's score."""

    index: int
    propensity: float
    scores: Array  # (k,) the score each candidate was ranked by
    probabilities: Array  # (k,) the distribution `index` was drawn from


class Policy(Protocol):
    name: str
    version: str
    context_dim: int
    action_dim: int
    updates: int

    def choose(
        self, context: Array, actions: Array, *, offsets: Array | None = None
    ) -> Decision: ...

    def probabilities(
        self, context: Array, actions: Array, *, offsets: Array | None = None
    ) -> Array: ...

    def update(self, context: Array, actions: Array, index: int, reward: float) -> None: ...

    def to_bytes(self) -> bytes: ...


def check_inputs(
    context: Any, actions: Any, context_dim: int, action_dim: int
) -> tuple[Array, Array]:
    """Arrays of the right shape with finite values, or PolicyError."""
    c = np.asarray(context, dtype=np.float64)
    a = np.asarray(actions, dtype=np.float64)
    if c.shape != (context_dim,):
        raise PolicyError(f"context has shape {c.shape}; expected ({context_dim},)")
    if a.ndim != 2 or a.shape[1] != action_dim:
        raise PolicyError(f"actions have shape {a.shape}; expected (k, {action_dim})")
    if a.shape[0] == 0:
        raise PolicyError("no candidates to choose from")
    if not (np.isfinite(c).all() and np.isfinite(a).all()):
        raise PolicyError("context or candidate features contain NaN or infinity")
    return c, a


def check_offsets(offsets: Any, k: int) -> Array | None:
    """Per-candidate score offsets (k,), finite, or None.

    A caller's preferences that are not learned (variety: a category shown often today)
    enter as offsets added to the scores before the probabilities are computed, so the
    logged propensity is exactly the probability the tip was drawn with.
    """
    if offsets is None:
        return None
    o = np.asarray(offsets, dtype=np.float64)
    if o.shape != (k,):
        raise PolicyError(f"offsets have shape {o.shape}; expected ({k},)")
    if not np.isfinite(o).all():
        raise PolicyError("offsets contain NaN or infinity")
    return o


def check_reward(reward: float) -> float:
    r = float(reward)
    if not np.isfinite(r) or not 0.0 <= r <= 1.0:
        raise PolicyError(f"reward must be a number in [0, 1], not {reward!r}")
    return r


def draw(probabilities: Array, rng: np.random.Generator) -> int:
    """Draw an index from a probability vector with one uniform number."""
    cumulative = np.cumsum(probabilities)
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return min(index, len(probabilities) - 1)


def dump_blob(kind: str, config: dict[str, Any], arrays: dict[str, Any]) -> bytes:
    header = json.dumps({"magic": BLOB_MAGIC, "kind": kind, "config": config})
    out = io.BytesIO()
    named: dict[str, Any] = {"header": np.frombuffer(header.encode(), dtype=np.uint8), **arrays}
    np.savez_compressed(out, **named)  # most of a precision matrix is zeros
    return out.getvalue()


def load_blob(
    blob: bytes, builders: dict[str, Callable[[dict[str, Any], dict[str, Array]], Policy]]
) -> Policy:
    """Rebuild a policy from dump_blob's bytes with the builder for its kind; PolicyError for
    anything damaged. The builders come from the package, so `base` imports no policy."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            arrays = {key: np.array(data[key]) for key in data.files if key != "header"}
        if header.get("magic") != BLOB_MAGIC:
            raise PolicyError("not an oO policy blob")
        kind, config = header["kind"], header["config"]
        if kind in builders:
            return builders[kind](config, arrays)
    except PolicyError:
        raise
    except Exception as exc:  # zip, JSON, key and shape errors all mean a damaged blob
        raise PolicyError(f"damaged policy parameters ({type(exc).__name__})") from exc
    raise PolicyError(f"unknown policy kind {kind!r}")
