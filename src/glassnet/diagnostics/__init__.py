"""Diagnostics: see vanishing and exploding gradients, dying ReLUs and saturated units.

Recorders attach to a model with hooks and keep only floats (and boolean masks), never tensors:

* :class:`GradientFlow`: per-layer gradient norms ||dL/dW|| (and optionally ||dL/dh||) per step.
* :class:`ActivationStats`: per-layer output mean and std, dead ReLU and saturated sigmoid/tanh units.

Both are context managers that remove their hooks on exit. The plot functions turn their records
into matplotlib figures (PNG files on request); the hook helpers let users build their own. Image
figures show what a model learned or generates: RBM filters and Gibbs chains, autoencoder codes and
reconstructions, GAN samples over training and its losses.
"""

from .activations import DEFAULT_LAYER_TYPES as DEFAULT_LAYER_TYPES
from .activations import ActivationStats as ActivationStats
from .activations import dead_relu_fraction as dead_relu_fraction
from .activations import saturated_fraction as saturated_fraction
from .gradients import GradientFlow as GradientFlow
from .hooks import register_output_grad_hook as register_output_grad_hook
from .plots import plot_activation_stats as plot_activation_stats
from .plots import plot_chain as plot_chain
from .plots import plot_codes_2d as plot_codes_2d
from .plots import plot_dead_units as plot_dead_units
from .plots import plot_filters as plot_filters
from .plots import plot_gan_losses as plot_gan_losses
from .plots import plot_gradient_flow as plot_gradient_flow
from .plots import plot_reconstructions as plot_reconstructions
from .plots import plot_ring_samples as plot_ring_samples
from .plots import plot_sample_grid as plot_sample_grid
from .plots import plot_snapshots as plot_snapshots
from .plots import tile_images as tile_images

__all__ = [
    "DEFAULT_LAYER_TYPES",
    "ActivationStats",
    "GradientFlow",
    "dead_relu_fraction",
    "plot_activation_stats",
    "plot_chain",
    "plot_codes_2d",
    "plot_dead_units",
    "plot_filters",
    "plot_gan_losses",
    "plot_gradient_flow",
    "plot_reconstructions",
    "plot_ring_samples",
    "plot_sample_grid",
    "plot_snapshots",
    "register_output_grad_hook",
    "saturated_fraction",
    "tile_images",
]
