"""Shards: a job's planned directories cut into slices that separate workers (hosts) submit.

A shard is named by its place and the number of shards ("2_of_4"), so every host that runs one
derives the same slice from the job's durable plan, whatever its own shard-size setting says.
Shards share everything else through PostgreSQL: claims (one owner per row), directory pacing,
heartbeats and the audit trail.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, Field, model_validator

T = TypeVar("T")

_KEY = re.compile(r"^(\d+)_of_(\d+)$")


class Shard(BaseModel, frozen=True):
    index: int = Field(ge=0, description="0-based place of the shard")
    count: int = Field(ge=1, description="how many shards the job was cut into")

    @model_validator(mode="after")
    def _inside(self) -> Shard:
        if self.index >= self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")
        return self

    @property
    def key(self) -> str:
        """Dagster mapping key and the name operators see: 1-based, `2_of_4`."""
        return f"{self.index + 1}_of_{self.count}"

    @classmethod
    def from_key(cls, key: str) -> Shard:
        match = _KEY.match(key)
        if match is None:
            raise ValueError(f"{key!r} is not a shard key like '2_of_4'")
        return cls(index=int(match.group(1)) - 1, count=int(match.group(2)))

    def select(self, planned: Sequence[T]) -> list[T]:
        """This shard's contiguous slice of the plan (sizes differ by at most one)."""
        n = len(planned)
        return list(planned[self.index * n // self.count:(self.index + 1) * n // self.count])


def cut(planned: int, shard_size: int) -> list[Shard]:
    """As many shards as it takes to hold `planned` directories at most `shard_size` each; an
    empty plan is still one (empty) shard, so the job's wrap-up runs the same way."""
    if shard_size < 1:
        raise ValueError(f"shard size must be at least 1, got {shard_size}")
    count = max(1, math.ceil(planned / shard_size))
    return [Shard(index=i, count=count) for i in range(count)]
