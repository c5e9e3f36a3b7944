from .digits import DigitsDataset
from .image_folder import ImageFolderDataset

__all__ = ['DigitsDataset', 'ImageFolderDataset']
