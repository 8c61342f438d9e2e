"""The lab: one experiment per classic deep-learning question, each judged by measurement."""

from . import framework
from .framework import *  # noqa: F403 - the lab's vocabulary is the framework's, listed once there

__all__ = framework.__all__
