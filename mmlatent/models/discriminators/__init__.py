from .dcgan import DCGANDiscriminator, InfoGANDiscriminator, WGANGPCritic

__all__ = ['DCGANDiscriminator', 'InfoGANDiscriminator', 'WGANGPCritic']
