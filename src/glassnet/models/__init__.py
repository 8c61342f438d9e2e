"""Models on top of the core: energy-based models (scikit-learn estimator manners), autoencoders and GANs."""

from .autoencoder import Autoencoder as Autoencoder
from .autoencoder import AutoencoderLoss as AutoencoderLoss
from .autoencoder import conv_autoencoder as conv_autoencoder
from .autoencoder import dense_autoencoder as dense_autoencoder
from .boltzmann import BoltzmannMachine as BoltzmannMachine
from .gan import GAN as GAN
from .gan import train_gan as train_gan
from .rbm import BernoulliRBM as BernoulliRBM
from .rbm import GaussianBernoulliRBM as GaussianBernoulliRBM
