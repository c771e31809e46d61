"""The SimPy engine: the only package that imports simpy. `play` runs one replication."""

from simulator.engine.run import Engine, play

__all__ = ["Engine", "play"]
