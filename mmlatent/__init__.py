"""mmlatent: GANs with regular latent spaces, and tools to explore them."""
__version__ = '0.1.0'
