"""Models on top of the core: energy-based models (scikit-learn estimator manners), autoencoders, GANs and CNNs."""

from .autoencoder import Autoencoder as Autoencoder
from .autoencoder import AutoencoderLoss as AutoencoderLoss
from .autoencoder import conv_autoencoder as conv_autoencoder
from .autoencoder import dense_autoencoder as dense_autoencoder
from .boltzmann import BoltzmannMachine as BoltzmannMachine
from .cnn import budget_mlp as budget_mlp
from .cnn import lenet5 as lenet5
from .cnn import small_cnn as small_cnn
from .gan import GAN as GAN
from .rbm import BernoulliRBM as BernoulliRBM
from .rbm import GaussianBernoulliRBM as GaussianBernoulliRBM
from .rbm import binary_states as binary_states

__all__ = [
    "GAN",
    "Autoencoder",
    "AutoencoderLoss",
    "BernoulliRBM",
    "BoltzmannMachine",
    "GaussianBernoulliRBM",
    "binary_states",
    "budget_mlp",
    "conv_autoencoder",
    "dense_autoencoder",
    "lenet5",
    "small_cnn",
]
