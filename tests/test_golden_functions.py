"""Every pure function of the reference module against its recorded vectors (~14.8k calls)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import passivbot_rust as pbr
import pytest
from golden_vectors import decode, function_vector_files, read_jsonl_gz, same

# Rust-only in the reference too; covered through the entry functions that use it.
RUST_ONLY = {"calc_wallet_exposure_if_filled"}


def _call(name: str, args: list):
    fn = getattr(pbr, name)
    if name == "update_trailing_bundle_py":
        args = [np.asarray(a, dtype=np.float64) for a in args[:3]] + args[3:]
    if name == "all_order_types_ids":
        # JSON object keys are strings; the function returns int ids.
        return {str(k): v for k, v in fn(*args).items()}
    return fn(*args)


@pytest.mark.parametrize("path", function_vector_files(), ids=lambda p: p.name.removesuffix(".jsonl.gz"))
def test_function_matches_reference_vectors(path: Path) -> None:
    name = path.name.removesuffix(".jsonl.gz")
    if name in RUST_ONLY:
        pytest.skip(f"{name} is not exported to Python by the reference either")
    assert hasattr(pbr, name), f"passivbot_rust.{name} is missing"
    mismatches = []
    n = 0
    for row in read_jsonl_gz(path):
        n += 1
        args = [decode(v) for v in row["args"].values()]
        if "error" in row:
            with pytest.raises(ValueError):
                _call(name, args)
            continue
        got = _call(name, args)
        if not same(got, decode(row["result"])):
            mismatches.append((row.get("tag"), row["args"], row["result"], got))
    detail = "\n".join(
        f"[{tag}] args={json.dumps(a)[:400]}\n   want={json.dumps(w)[:300]}\n   got ={str(g)[:300]}"
        for tag, a, w, g in mismatches[:3]
    )
    assert n > 0, f"{path} holds no vectors"
    assert not mismatches, f"{len(mismatches)}/{n} vectors differ; first ones:\n{detail}"
