"""What a llama.cpp model has read: a document given through ``evaluate`` is read only past the part the
model read already (the example scripts, the scenes before), and the model's state after the start every
document shares is kept on disk, for the next model process to take (5 ms) rather than read (0.7 s).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import files
from ..errors import DiskFull
from ..keys import code_digest, kept_in_cache


def evaluate(llm: Any, tokens: Sequence[int], shared: int = 0) -> int:
    """Give the model ``tokens``, reading only those after the part it has already read; how many it read.
    The model's state after the first ``shared`` tokens (the start every document shares) is kept on disk:
    where the model has not read them, it takes that state instead of reading them."""
    common = llm.longest_token_prefix(llm.input_ids[: llm.n_tokens].tolist(), list(tokens[:-1]))
    read = 0
    if common < shared < len(tokens):
        start = list(tokens[:shared])
        if not _restored(llm, start):
            common = min(common, llm.n_tokens)  # a state refused on the way in leaves nothing read
            llm.n_tokens = common
            llm.eval(start[common:])
            read = shared - common
            _keep(llm, start)
        common = shared
    llm.n_tokens = common
    llm.eval(tokens[common:])
    return read + len(tokens) - common


def _state_file(llm: Any, start: list[int]) -> Path:
    """Where the model's state after reading ``start`` is kept: named by the model file, ``start``, the
    context's size, llama.cpp's version (how the state is laid out) and this code."""
    import llama_cpp

    made_by = (start, llm.n_ctx(), code_digest(__file__), llama_cpp.__version__)
    return kept_in_cache("states", Path(llm.model_path), ".bin", *made_by)


def _keep(llm: Any, start: list[int]) -> None:
    """Keep the model's state (its attention cache, 4.5 MB for the example scripts) after reading
    ``start``, behind a checksum; the state kept by another version is dropped."""
    import llama_cpp as ll

    size = ll.llama_state_seq_get_size(llm.ctx, 0)
    buffer = (ctypes.c_uint8 * size)()
    if ll.llama_state_seq_get_data(llm.ctx, buffer, size, 0) != size:
        return
    state = bytes(buffer)
    with contextlib.suppress(OSError, DiskFull):
        kept = _state_file(llm, start)
        files.write_bytes(kept, hashlib.sha256(state).digest() + state)
        files.drop_older(kept)


def _restored(llm: Any, start: list[int]) -> bool:
    """Whether the model's state after reading ``start`` was kept and is now the model's. A kept state is
    given to llama.cpp only whole (its checksum holds: llama.cpp takes one with a flipped byte silently)
    and to the llama.cpp that wrote it; one it refuses leaves the model having read nothing."""
    import llama_cpp as ll

    try:
        kept = _state_file(llm, start).read_bytes()
    except OSError:
        return False
    digest, state = kept[:32], kept[32:]
    if hashlib.sha256(state).digest() != digest:
        return False
    ll.llama_memory_clear(ll.llama_get_memory(llm.ctx), True)
    llm.n_tokens = 0
    buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
    if ll.llama_state_seq_set_data(llm.ctx, buffer, len(state), 0) != len(state):
        ll.llama_memory_clear(ll.llama_get_memory(llm.ctx), True)
        return False
    llm.input_ids[: len(start)] = start
    llm.n_tokens = len(start)
    return True
